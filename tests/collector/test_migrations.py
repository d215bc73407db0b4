"""Migrations build exactly the schema the models describe, and run both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect
from sqlmodel import SQLModel

from collector import migrations
from collector.db import get_engine


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
    assert {"agency", "unit", "questionnaire_version", "response", "answer", "staff_user"} <= set(
        inspect(get_engine(app)).get_table_names()
    )


def test_db_commands(runner: object) -> None:
    result = runner.invoke(args=["db", "upgrade"])  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    assert "citizen-satisfaction" in result.output
    current = runner.invoke(args=["db", "current"])  # type: ignore[attr-defined]
    assert current.output.strip() == head(runner.app)  # type: ignore[attr-defined]
