"""keyed responses corrected, voided and restored: response.revision, response.voided_at, response_revision

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00

Typing errors are normal when paper questionnaires are keyed in. A keyed response
can now be corrected (a new version of its answers) or voided (left out of every
result, count and export) and restored; ``response_revision`` keeps each change with
who, when, why and the answers a correction replaced. Like the audit log it is
append-only: triggers refuse UPDATE and DELETE (as 0005 does for the audit log).
Existing responses get revision 1 and are not voided.
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('revision', sa.Integer(), server_default=sa.text('1'), nullable=False)
        )
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('response_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('replaced', sa.JSON(), nullable=True),
    sa.CheckConstraint("kind IN ('corrected', 'voided', 'restored')", name='ck_response_revision_kind'),
    sa.ForeignKeyConstraint(['actor_user_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('response_id', 'revision')
    )
    with op.batch_alter_table('response_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_revision_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_response_revision_response_id'), ['response_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        # collector_append_only() comes from 0005.
        op.execute(
            "CREATE TRIGGER response_revision_append_only BEFORE UPDATE OR DELETE "
            "ON response_revision FOR EACH ROW EXECUTE FUNCTION collector_append_only()"
        )
    else:
        for operation in ('UPDATE', 'DELETE'):
            op.execute(
                f"CREATE TRIGGER response_revision_no_{operation.lower()} BEFORE {operation} "
                "ON response_revision "
                "BEGIN SELECT RAISE(ABORT, 'response_revision is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER response_revision_append_only ON response_revision")
    else:
        for name in ('response_revision_no_update', 'response_revision_no_delete'):
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table('response_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_revision_response_id'))
        batch_op.drop_index(batch_op.f('ix_response_revision_agency_id'))

    op.drop_table('response_revision')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('voided_at')
        batch_op.drop_column('revision')
