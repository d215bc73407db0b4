"""questionnaire offers: an agency's own choice of the registered questionnaires it offers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:00:00

A plugin's questionnaire may be meant for some agencies only (the land office's is
not for a household registration office): its ``questionnaire_offered`` hook gives
the default, and an agency administrator can switch any questionnaire on or off for
their agency (``questionnaire_offer``, one row per agency and questionnaire chosen).
No row: the default, as before this revision for every questionnaire nobody limits.
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('questionnaire_offer',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('offered', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['changed_by'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('agency_id', 'slug')
    )


def downgrade() -> None:
    op.drop_table('questionnaire_offer')
