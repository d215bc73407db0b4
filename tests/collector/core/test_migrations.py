"""Migrations build exactly the schema the models describe, and run both ways.

Every test here starts from an empty database that its app migrates (no template).
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect
from sqlalchemy import select
from sqlmodel import SQLModel

from collector.core import migrations
from collector.core.db import get_engine
from collector.core.models import Response

pytestmark = pytest.mark.fresh_database


def head(app: Flask) -> str | None:
    return ScriptDirectory.from_config(migrations.alembic_config(app)).get_current_head()


def test_models_and_migrations_agree(app: Flask) -> None:
    with get_engine(app).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_downgrade_to_base_and_up_again(app: Flask) -> None:
    migrations.downgrade(app, "base")
    assert "response" not in inspect(get_engine(app)).get_table_names()
    migrations.upgrade(app)
    assert migrations.current(app) == head(app)
    assert {"agency", "unit", "questionnaire_version", "response", "staff_user"} <= set(
        inspect(get_engine(app)).get_table_names()
    )


def test_db_commands(runner: object) -> None:
    result = runner.invoke(args=["db", "upgrade"])  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    assert "citizen-satisfaction" in result.output
    current = runner.invoke(args=["db", "current"])  # type: ignore[attr-defined]
    assert current.output.strip() == head(runner.app)  # type: ignore[attr-defined]


def test_answers_move_into_the_response_and_back(app: Flask) -> None:
    """0006 turns ``answer`` rows into the response's JSON document; downgrade undoes it."""
    from sqlalchemy import text

    from collector.core.models import Agency

    with get_engine(app).begin() as conn:
        agency = conn.execute(select(Agency.id)).scalar()
        if agency is None:
            conn.execute(text("INSERT INTO agency (code, name_zh, name_en) VALUES ('m', 'm', 'm')"))
            agency = conn.execute(select(Agency.id)).scalar()
    migrations.downgrade(app, "0005")
    engine = get_engine(app)
    with engine.begin() as conn:
        version = conn.execute(text("SELECT min(id) FROM questionnaire_version")).scalar()
        for n, receipt in enumerate(("MIG01-AAAAA", "MIG02-BBBBB")):
            conn.execute(
                text(
                    "INSERT INTO response (receipt, questionnaire_version_id, agency_id, channel,"
                    " language, submitted_at) VALUES (:r, :v, :a, 'online', 'en', :t)"
                ),
                {"r": receipt, "v": version, "a": agency, "t": f"2026-01-0{n + 1} 00:00:00+00:00"},
            )
        first = conn.execute(text("SELECT id FROM response WHERE receipt = 'MIG01-AAAAA'")).scalar()
        rows = [
            (first, "overall", 0, 4.0, None),
            (first, "channels", 1, None, "web"),
            (first, "channels", 0, None, "counter"),
            (first, "comment", 0, None, "很好"),
        ]
        for row in rows:
            conn.execute(
                text("INSERT INTO answer VALUES (:r, :k, :p, :n, :t)"),
                dict(zip("rkpnt", row, strict=True)),
            )
    migrations.upgrade(app)
    assert "answer" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                select(Response.receipt, Response.answers).where(
                    Response.receipt.in_(["MIG01-AAAAA", "MIG02-BBBBB"])  # type: ignore[attr-defined]
                )
            ).all()
        )
    assert stored == {
        "MIG01-AAAAA": {
            "channels": [[None, "counter"], [None, "web"]],
            "comment": [[None, "很好"]],
            "overall": [[4.0, None]],
        },
        "MIG02-BBBBB": {},
    }
    migrations.downgrade(app, "0005")
    with engine.connect() as conn:
        back = conn.execute(
            text("SELECT response_id, question_key, position, number, text FROM answer")
        ).all()
    assert sorted(tuple(r) for r in back) == sorted(rows)
    migrations.upgrade(app)
