"""improvement actions: the review-and-improvement loop (檢討改善) and its history

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-20 00:00:00

An improvement action links a finding of the results (a low item, a weak unit, an
importance-performance item, a complaint category, a falling trend; the wave it was
found in) to an owner, a due date, the measure taken and its status;
``improvement_event`` keeps its append-only history, evidence notes among it.
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('improvement_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('finding_kind', sa.String(length=24), nullable=False),
    sa.Column('questionnaire_slug', sa.String(length=64), nullable=True),
    sa.Column('item_key', sa.String(length=64), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('complaint_reason', sa.String(length=16), nullable=True),
    sa.Column('wave_key', sa.String(length=16), nullable=False),
    sa.Column('measure', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('measure_taken', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("finding_kind IN ('low_item', 'weak_unit', 'ipa_item', 'complaint_category', 'falling_trend')", name='ck_improvement_finding'),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done', 'dropped')", name='ck_improvement_status'),
    sa.CheckConstraint("measure IN ('top2', 'score')", name='ck_improvement_measure'),
    sa.CheckConstraint("complaint_reason IS NULL OR complaint_reason IN ('many', 'overdue')", name='ck_improvement_reason'),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['category_id'], ['complaint_category.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_action_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_improvement_action_questionnaire_slug'), ['questionnaire_slug'], unique=False)
        batch_op.create_index('ix_improvement_action_agency_status_due', ['agency_id', 'status', 'due_on'], unique=False)

    op.create_table('improvement_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['improvement_action.id'], ),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['actor_user_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('improvement_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_event_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_improvement_event_agency_id'), ['agency_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('improvement_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_event_agency_id'))
        batch_op.drop_index(batch_op.f('ix_improvement_event_action_id'))
    op.drop_table('improvement_event')

    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.drop_index('ix_improvement_action_agency_status_due')
        batch_op.drop_index(batch_op.f('ix_improvement_action_questionnaire_slug'))
        batch_op.drop_index(batch_op.f('ix_improvement_action_agency_id'))
    op.drop_table('improvement_action')
