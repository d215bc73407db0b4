"""complaint receipts: the password and follow link shown once after filing, kept
server-side

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 07:00:00

Between filing a complaint online and its confirmation page, the case's password and
follow-link token sat in Flask's session cookie, which is signed but readable. They
now wait in this table under the SHA-256 of a random key the session holds, and the
row is deleted once the page has shown them (or when it expires).
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaint_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('password', sa.String(length=64), nullable=False),
    sa.Column('link_token', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('complaint_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_receipt_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_receipt_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_receipt_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('complaint_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_receipt_expires_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_receipt_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_receipt_agency_id'))

    op.drop_table('complaint_receipt')
