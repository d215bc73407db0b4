"""results_sums: per-stratum sums of the results pages, kept across processes

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 00:00:00

The results pages sum each wave's answers per agency and unit (``collector.results.sums``)
and kept them per process only, so the first request of every new worker summed every
wave again (3-39 s cold at 100,000 responses, bench/README.md). A row here holds one
statement's sums up to a settled response id, valid while no ``response_revision`` is
added (``KeptSums`` in ``collector/results/models.py``). No foreign key: the rows are
derived and replaced freely.
"""

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('results_sums',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('settled', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('sums', sa.Text(), nullable=False),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('results_sums')
