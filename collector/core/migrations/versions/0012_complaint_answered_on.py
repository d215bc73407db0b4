"""complaint.answered_on: the Taiwan date of a case's first reply or decline

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-12 00:00:00

The complaint statistics count, per month and in the database, the cases answered
on or before their due date and the days each took; that needs the day of the
first answer as a column beside ``received_on`` and ``due_on`` (a reopening and a
second reply do not move it). Existing cases get it from their history: the
earliest ``reply`` or ``decline`` event, as a date in the agencies' time zone.
"""

from collections.abc import Iterable
from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import context
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _zone() -> ZoneInfo:
    return ZoneInfo(str(context.config.attributes.get("timezone") or "Asia/Taipei"))


def _first_answers(rows: Iterable[tuple[int, datetime | str]], zone: ZoneInfo) -> dict[int, date]:
    first: dict[int, date] = {}
    for complaint_id, at in rows:
        moment = datetime.fromisoformat(at) if isinstance(at, str) else at
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        day = moment.astimezone(zone).date()
        if complaint_id not in first or day < first[complaint_id]:
            first[complaint_id] = day
    return first


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_on', sa.Date(), nullable=True))
    bind = op.get_bind()
    event = sa.table(
        'complaint_event', sa.column('complaint_id', sa.Integer), sa.column('kind', sa.String),
        sa.column('at', sa.DateTime(timezone=True)),
    )
    complaint = sa.table('complaint', sa.column('id', sa.Integer), sa.column('answered_on', sa.Date))
    rows = bind.execute(
        sa.select(event.c.complaint_id, event.c.at).where(event.c.kind.in_(('reply', 'decline')))
    ).all()
    for complaint_id, day in _first_answers(rows, _zone()).items():
        bind.execute(
            complaint.update().where(complaint.c.id == complaint_id).values(answered_on=day)
        )


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('answered_on')
