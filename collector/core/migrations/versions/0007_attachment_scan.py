"""attachment scan: what the virus scanner said of each attachment, and who released it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 06:30:00

Attachments are scanned by ClamAV when ``ATTACHMENT_SCANNER`` is set, and held for
review otherwise (served only once a handler releases them). Files stored before
this revision were never scanned: they are marked ``unscanned`` and stay served, as
they were.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('complaint_attachment', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('scan', sa.String(length=16), server_default='unscanned', nullable=False)
        )
        batch_op.add_column(sa.Column('released_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('released_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            'fk_complaint_attachment_released_by', 'staff_user', ['released_by'], ['id']
        )
        batch_op.create_check_constraint(
            'ck_attachment_scan', "scan IN ('clean', 'held', 'released', 'unscanned')"
        )


def downgrade() -> None:
    with op.batch_alter_table('complaint_attachment', schema=None) as batch_op:
        batch_op.drop_constraint('ck_attachment_scan', type_='check')
        batch_op.drop_constraint('fk_complaint_attachment_released_by', type_='foreignkey')
        batch_op.drop_column('released_at')
        batch_op.drop_column('released_by')
        batch_op.drop_column('scan')
