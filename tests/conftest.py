"""Shared fixtures: an app per test on its own database (SQLite file or PostgreSQL).

``COLLECTOR_TEST_DATABASE_URL`` selects the database; unset, every test gets a
fresh temporary SQLite file. On PostgreSQL the schema is migrated once per run
and every table is emptied before each test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from collector import create_app
from collector.core.db import session_scope
from collector.core.models import Agency, Unit

TEST_DATABASE_URL = os.environ.get("COLLECTOR_TEST_DATABASE_URL")


def _postgres_url() -> str | None:
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgres"):
        return TEST_DATABASE_URL
    return None


@pytest.fixture(scope="session")
def _postgres_schema() -> Iterator[str | None]:
    url = _postgres_url()
    if url is None:
        yield None
        return
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield url


def _empty_postgres(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        if "audit_event" in tables:
            # A tampering test may have switched the guard off (drop_append_only_guards).
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path, _postgres_schema: str | None) -> str:
    if _postgres_schema:
        _empty_postgres(_postgres_schema)
        return _postgres_schema
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """Build apps with extra config on the test database; all are disposed afterwards."""
    made: list[Flask] = []

    def factory(**config: Any) -> Flask:
        settings = {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "PLUGINS_LOAD_ENTRY_POINTS": False,
        }
        settings.update(config)
        app = create_app(settings)
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["collector.engine"].dispose()


@pytest.fixture
def app(make_app: Any) -> Flask:
    app = make_app()
    seed_agencies(app)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def seed_agencies(app: Flask) -> None:
    """Two agencies of one ministry, each with units: enough to test isolation."""
    with session_scope(app) as session:
        ministry = Agency(code="moi", name_zh="測試部", name_en="Test Ministry", level="ministry")
        session.add(ministry)
        session.flush()
        for code, zh, en in (
            ("alpha", "甲機關", "Agency Alpha"),
            ("beta", "乙機關", "Agency Beta"),
        ):
            agency = Agency(code=code, name_zh=zh, name_en=en, parent_id=ministry.id)
            session.add(agency)
            session.flush()
            session.add(
                Unit(agency_id=agency.id, code="c1", name_zh="第一櫃台", name_en="Counter 1")
            )
            session.add(
                Unit(agency_id=agency.id, code="c2", name_zh="第二櫃台", name_en="Counter 2")
            )


CITIZEN_ANSWERS: dict[str, Any] = {
    "service_type": "certificate",
    "first_visit": "no",
    "env_signage": 4,
    "env_comfort": 5,
    "env_facilities": "na",
    "courtesy_attitude": 5,
    "courtesy_proactive": 4,
    "prof_knowledge": 4,
    "prof_efficiency": 3,
    "prof_consistency": 4,
    "measures_online": "na",
    "measures_information": 4,
    "measures_wait": 2,
    "overall_satisfaction": 4,
    "recommend": 8,
    "comment": "櫃台很親切 𠊎",
    "sex": "female",
    "age_group": "65plus",
}


def form_data(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as the survey page posts them (``q_<key>`` fields)."""
    return {f"q_{k}": (v if isinstance(v, list) else str(v)) for k, v in answers.items()}


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def api_body(**overrides: Any) -> dict[str, Any]:
    """A complete, valid ``POST /api/v1/responses`` body for agency alpha, unit c1."""
    data = {
        "questionnaire": "citizen-satisfaction",
        "agency": "alpha",
        "unit": "c1",
        "channel": "online",
        "language": "zh-Hant-TW",
        "answers": dict(CITIZEN_ANSWERS),
    }
    data.update(overrides)
    return data


def count_rows(app: Flask, model: Any) -> int:
    """How many rows a table holds."""
    from sqlalchemy import func, select

    with session_scope(app) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def count_answers(app: Flask) -> int:
    """How many answers (question keys) all stored responses hold together."""
    from sqlalchemy import select

    from collector.core.models import Response

    with session_scope(app) as session:
        return sum(len(a) for a in session.execute(select(Response.answers)).scalars())


def drop_append_only_guards(conn: Any) -> None:
    """Do what only a database administrator can: switch off the triggers that keep
    the audit log append-only (tests of tampering that the hash chain must reveal)."""
    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        return
    for name in ("audit_event_no_update", "audit_event_no_delete"):
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
