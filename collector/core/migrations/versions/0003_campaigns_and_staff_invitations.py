"""campaigns, paper batches and staff invitations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 22:22:22.702362
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('target_n', sa.Integer(), nullable=False),
    sa.Column('margin', sa.Float(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('design_effect', sa.Float(), nullable=True),
    sa.Column('sampling_instructions', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name='ck_campaign_status'),
    sa.CheckConstraint('ends_on >= starts_on', name='ck_campaign_period'),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_agency_id'), ['agency_id'], unique=False)

    op.create_table('campaign_unit',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('target_n', sa.Integer(), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('campaign_id', 'unit_id')
    )
    op.create_table('staff_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('staff_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_invitation_campaign_id'), ['campaign_id'], unique=False)

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('batch', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('entered_by', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_response_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_foreign_key('fk_response_entered_by_staff_user', 'staff_user', ['entered_by'], ['id'])
        batch_op.create_foreign_key('fk_response_campaign_id_campaign', 'campaign', ['campaign_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint('fk_response_campaign_id_campaign', type_='foreignkey')
        batch_op.drop_constraint('fk_response_entered_by_staff_user', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_response_campaign_id'))
        batch_op.drop_column('entered_by')
        batch_op.drop_column('batch')
        batch_op.drop_column('campaign_id')

    with op.batch_alter_table('staff_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_invitation_campaign_id'))

    op.drop_table('staff_invitation')
    op.drop_table('campaign_unit')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_agency_id'))

    op.drop_table('campaign')
