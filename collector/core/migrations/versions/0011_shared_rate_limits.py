"""shared rate limits: counters and failure back-offs in the database; no account lock-out

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 00:00:00

Rate limits were counted in each worker's memory, so every limit doubled with two
workers; their counters (``rate_limit_counter``) and the back-off after failed
log-ins and case-password guesses (``failure_backoff``) now live in the database,
which every worker shares. Staff accounts are no longer locked by failures (a
stranger could lock anyone out): ``staff_user.failed_logins`` and ``locked_until``
go, and the back-off is kept per account and address instead.
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limit_counter',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counter_expires_at'), ['expires_at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Counters of a minute or an hour need no crash safety: no write-ahead log for them.
        op.execute("ALTER TABLE rate_limit_counter SET UNLOGGED")

    op.create_table('failure_backoff',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('wait_until', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('failure_backoff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failure_backoff_expires_at'), ['expires_at'], unique=False)

    # Not in batch mode: SQLite (3.35 and later) drops a column in place, where copying
    # the table would trip over the audit log's foreign keys to it.
    op.drop_column('staff_user', 'locked_until')
    op.drop_column('staff_user', 'failed_logins')


def downgrade() -> None:
    op.add_column('staff_user', sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
    op.add_column('staff_user', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('failure_backoff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failure_backoff_expires_at'))
    op.drop_table('failure_backoff')

    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counter_expires_at'))
    op.drop_table('rate_limit_counter')
