"""response_event: the outbox of response_saved, written with the response

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 00:00:00

While some plugin implements ``response_saved``, each response is stored with a
``response_event`` row in the same transaction (``collector.answers.outbox``); the
row is turned into queued jobs right after the commit, or by the job sweeper when the
process died in between. No foreign key, like ``owner_agency_id`` in 0017: the row is
short-lived and SQLite adds the table without touching ``response``.
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('response_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_response_event_response_id'), 'response_event', ['response_id'], unique=False)
    op.create_index(op.f('ix_response_event_created_at'), 'response_event', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_response_event_created_at'), table_name='response_event')
    op.drop_index(op.f('ix_response_event_response_id'), table_name='response_event')
    op.drop_table('response_event')
