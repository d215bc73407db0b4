"""answers in the response: one JSON document per response replaces the answer table

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 06:00:00

A response's answers were one ``answer`` row per value (18 rows for a citizen
survey), and those rows, each with its primary-key entry and foreign-key check,
were most of the database's work per submission. They now travel with the
response as ``{question key: [[number, text], ...]}``, the same pairs the question
types store (``to_rows``), in the same order. Existing answers are moved over, and
back again on downgrade.
"""

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CHUNK = 5000

response = sa.table(
    'response',
    sa.column('id', sa.Integer()),
    sa.column('answers', sa.JSON()),
)
answer = sa.table(
    'answer',
    sa.column('response_id', sa.Integer()),
    sa.column('question_key', sa.String()),
    sa.column('position', sa.Integer()),
    sa.column('number', sa.Float()),
    sa.column('text', sa.Text()),
)


def upgrade() -> None:
    op.add_column(
        'response', sa.Column('answers', sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
    )
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(answer.c.response_id, answer.c.question_key, answer.c.number, answer.c.text)
            .where(answer.c.response_id.in_(_next_ids(bind, answer.c.response_id, last)))
            .order_by(answer.c.response_id, answer.c.question_key, answer.c.position)
        ).all()
        if not rows:
            break
        documents: dict[int, dict[str, list[list[Any]]]] = defaultdict(dict)
        for response_id, key, number, text in rows:
            documents[response_id].setdefault(key, []).append([number, text])
        bind.execute(
            response.update().where(response.c.id == sa.bindparam('rid')),
            [{'rid': rid, 'answers': doc} for rid, doc in documents.items()],
        )
        last = rows[-1][0]
    op.drop_table('answer')


def downgrade() -> None:
    op.create_table(
        'answer',
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('question_key', sa.String(length=64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('number', sa.Float(), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['response_id'], ['response.id']),
        sa.PrimaryKeyConstraint('response_id', 'question_key', 'position'),
    )
    bind = op.get_bind()
    last = 0
    while True:
        ids = _next_ids(bind, response.c.id, last)
        if not ids:
            break
        documents = bind.execute(
            sa.select(response.c.id, response.c.answers).where(response.c.id.in_(ids))
        ).all()
        values = [
            {'response_id': rid, 'question_key': key, 'position': i, 'number': n, 'text': t}
            for rid, doc in documents
            for key, pairs in (doc or {}).items()
            for i, (n, t) in enumerate(pairs)
        ]
        if values:
            bind.execute(answer.insert(), values)
        last = ids[-1]
    op.drop_column('response', 'answers')  # SQLite 3.35+: no table rebuild


def _next_ids(bind: Any, column: Any, after: int) -> list[int]:
    """The next ``CHUNK`` distinct ids in ``column`` above ``after``, in order."""
    return list(
        bind.execute(
            sa.select(column).where(column > after).distinct().order_by(column).limit(CHUNK)
        ).scalars()
    )
