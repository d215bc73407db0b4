"""population margins: an agency's counts by sex, age group and district, per year

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-20 00:00:00

Results are weighted (post-stratified or raked) to population margins that an agency
administrator enters per year, for the agency or one of its units
(``collector.margins``): ``margin_set`` holds one variable's set with its source,
``margin_cell`` its categories and counts. Agency-wide sets (``unit_id`` NULL) are
unique by a partial index, since a unique constraint lets NULLs repeat.
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('margin_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('variable', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('year BETWEEN 1900 AND 2200', name='ck_margin_set_year'),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['changed_by'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'year', 'variable')
    )
    with op.batch_alter_table('margin_set', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_margin_set_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ux_margin_set_agency_wide', ['agency_id', 'year', 'variable'], unique=True, postgresql_where=sa.text('unit_id IS NULL'), sqlite_where=sa.text('unit_id IS NULL'))

    op.create_table('margin_cell',
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint('count > 0', name='ck_margin_cell_count'),
    sa.ForeignKeyConstraint(['set_id'], ['margin_set.id'], ),
    sa.PrimaryKeyConstraint('set_id', 'category')
    )


def downgrade() -> None:
    op.drop_table('margin_cell')
    with op.batch_alter_table('margin_set', schema=None) as batch_op:
        batch_op.drop_index('ux_margin_set_agency_wide')
        batch_op.drop_index(batch_op.f('ix_margin_set_agency_id'))
    op.drop_table('margin_set')
