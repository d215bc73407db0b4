"""mail_message: the mail outbox, written with the change that causes each message

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 00:00:00

Requests no longer send e-mail: they store each message here in their own
transaction, with the ``mail.deliver`` job that sends it after the commit
(``collector.mailqueue.outbox``). ``recipient``, ``subject`` and ``body`` are erased
(NULL, ``erased_at`` set) when a transient message ends and ``MAIL_RETENTION_DAYS``
after any other was sent or failed; ``reference`` (``complaint:<id>``) lets a case page
say that a notice failed. ``job_id`` has no foreign key, like
``response_event`` (0019): the job row is the queue's, the message row the record.
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('agency_code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=True),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('transient', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'sending', 'sent', 'failed')", name='ck_mail_message_state'),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_mail_message_agency_created', 'mail_message', ['agency_id', 'created_at'], unique=False)
    op.create_index('ix_mail_message_state_created', 'mail_message', ['state', 'created_at'], unique=False)
    op.create_index(op.f('ix_mail_message_job_id'), 'mail_message', ['job_id'], unique=False)
    op.create_index(op.f('ix_mail_message_reference'), 'mail_message', ['reference'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_mail_message_reference'), table_name='mail_message')
    op.drop_index(op.f('ix_mail_message_job_id'), table_name='mail_message')
    op.drop_index('ix_mail_message_state_created', table_name='mail_message')
    op.drop_index('ix_mail_message_agency_created', table_name='mail_message')
    op.drop_table('mail_message')
