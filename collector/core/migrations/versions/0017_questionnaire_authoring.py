"""questionnaire authoring: versions owned by an agency, and uploaded drafts

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-21 00:00:00

An agency administrator publishes a questionnaire uploaded as XLSForm or YAML
(``collector.authoring``) for their agency only: ``questionnaire_version.owner_agency_id``
names that agency (NULL for the questionnaires plugins register, offered to all); an
indexed integer without a foreign key, so that SQLite adds it without rebuilding the table.
``questionnaire_draft`` keeps a checked upload between its preview and its publishing.
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place, without a foreign key: on SQLite a constraint means rebuilding the
    # table, which the responses' foreign keys to it forbid.
    op.add_column('questionnaire_version', sa.Column('owner_agency_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_questionnaire_version_owner_agency_id'), 'questionnaire_version', ['owner_agency_id'], unique=False)

    op.create_table('questionnaire_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('questionnaire_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_draft_agency_id'), ['agency_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('questionnaire_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_draft_agency_id'))
    op.drop_table('questionnaire_draft')
    op.drop_index(op.f('ix_questionnaire_version_owner_agency_id'), table_name='questionnaire_version')
    op.drop_column('questionnaire_version', 'owner_agency_id')
