"""Test databases: migrated once per session, then copied (SQLite) or emptied (PostgreSQL)
for each test, and the seeded states tests start from.

``COLLECTOR_TEST_DATABASE_URL`` selects the database; unset, every test gets its own
SQLite file, a copy of a template made once per session (on tmpfs where there is one:
``synchronous=FULL`` costs an fsync per commit on a disk). On PostgreSQL the schema is
migrated once per run and every table is emptied before each test.

A test's database starts in one of these states, each a template on SQLite:

- ``SCHEMA``: migrated, nothing published (an app with plugins of its own publishes them);
- ``PUBLISHED``: the registered questionnaires of the default plugins published;
- ``AGENCIES``: and :func:`seed_agencies`;
- ``STAFF``: and one account per role (:func:`collector.testing.staff.make_people`).

Where no template fits (PostgreSQL, a test that migrates for itself, an app whose plugins
differ from the default) the app migrates and publishes as ``create_app`` always does,
and the seeds run on it: the same rows either way.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import col

from collector.app import create_app
from collector.core import migrations
from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.core.models import Response
from collector.testing.organisation import seed_agencies
from collector.testing.staff import FAST_HASH
from collector.testing.staff import make_people

TEST_DATABASE_URL = os.environ.get("COLLECTOR_TEST_DATABASE_URL")

SCHEMA, PUBLISHED, AGENCIES, STAFF = "schema", "published", "agencies", "staff"
STATES = (SCHEMA, PUBLISHED, AGENCIES, STAFF)
"""Each state is the one before it plus more rows."""

BASE_SETTINGS: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test",
    "PLUGINS_LOAD_ENTRY_POINTS": False,
    # Argon2 at its cheapest: staff and complainant passwords are hashed in many tests,
    # and the production parameters take half a second of CPU per hash.
    "PASSWORD_HASH": FAST_HASH,
}
"""What every test app is made with (``make_app``'s arguments on top)."""

PLUGIN_SETTINGS = (
    "PLUGINS_DISABLED",
    "PLUGINS_ALLOWLIST",
    "PLUGINS_LOAD_ENTRY_POINTS",
    "PLUGINS_EXTRA",
)
"""Settings that change which questionnaires an app registers, and so publishes."""


def _seed_people(app: Flask) -> dict[str, int]:
    return make_people(app)


SEEDS: dict[str, Callable[[Flask], Any]] = {AGENCIES: seed_agencies, STAFF: _seed_people}
"""What each state adds to the one before it (publishing is ``create_app``'s own)."""


def postgres_url() -> str | None:
    """The PostgreSQL database of this test process, or None (SQLite). Under pytest-xdist
    each worker has a database of its own, ``<name>_<worker>``, created on first use."""
    if not (TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgres")):
        return None
    url = make_url(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        url = url.set(database=f"{url.database}_{worker}")
        _create_database(url.render_as_string(hide_password=False))
    return url.render_as_string(hide_password=False)


@functools.cache
def _create_database(url: str) -> None:
    """Create the database of ``url`` unless it exists (once per process)."""
    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).first()
            if found is None:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        engine.dispose()


def uses_default_plugins(settings: dict[str, Any]) -> bool:
    """Whether an app made with ``settings`` registers what the templates published."""
    if any(f"COLLECTOR_{key}" in os.environ for key in PLUGIN_SETTINGS):
        return False
    return not any(settings.get(key) for key in PLUGIN_SETTINGS)


def _close_sqlite(path: Path) -> None:
    """Fold the write-ahead log into the file and leave it in rollback-journal mode, so
    that the file alone is the whole database and can be copied."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{path}{suffix}").exists(), f"{path}{suffix} left beside the template"


def dispose(app: Flask) -> None:
    app.extensions["collector.engine"].dispose()


@dataclass
class Templates:
    """SQLite template files, made on first use (once per session)."""

    folder: Path
    people: dict[str, int] = field(default_factory=dict)
    _made: dict[str, Path] = field(default_factory=dict)
    _count: Iterator[int] = field(default_factory=itertools.count)

    def new_path(self) -> Path:
        """Where the next test's database goes."""
        return self.folder / f"test-{next(self._count)}.sqlite"

    def path(self, state: str) -> Path:
        if state not in self._made:
            self._made[state] = self._make(state)
        return self._made[state]

    def _make(self, state: str) -> Path:
        target = self.folder / f"template-{state}.sqlite"
        url = f"sqlite:///{target}"
        if state == SCHEMA:
            app = create_app({**BASE_SETTINGS, "DATABASE_URL": url, "AUTO_MIGRATE": False})
            migrations.upgrade(app)
        else:
            before = STATES[STATES.index(state) - 1]
            shutil.copyfile(self.path(before), target)
            app = create_app({**BASE_SETTINGS, "DATABASE_URL": url, "PASSWORD_HASH": FAST_HASH})
            if state in SEEDS:
                result = SEEDS[state](app)
                if state == STAFF:
                    self.people = result
        dispose(app)
        _close_sqlite(target)
        return target


@dataclass
class TestDatabase:
    """One test's database: its URL, the state it is in, and how it got there."""

    url: str
    templates: Templates | None  # None: PostgreSQL
    path: Path | None = None
    state: str | None = None  # None: not made yet
    people: dict[str, int] = field(default_factory=dict)
    fresh: bool = False  # the test migrates an empty database itself
    from_template: bool = False  # copied from a template: migrated to the head revision

    def prepare(self, seed: str, settings: dict[str, Any]) -> list[str]:
        """Bring the database to ``seed`` before an app is made on it; returns the seeds
        still to run on that app."""
        if self.state is None:
            if self.templates is None or self.fresh:
                self.state = SCHEMA
            else:
                start = seed if uses_default_plugins(settings) else SCHEMA
                assert self.path is not None
                shutil.copyfile(self.templates.path(start), self.path)
                self.from_template = True
                self.state = start
                if start == STAFF:
                    self.people = dict(self.templates.people)
        wanted = STATES.index(seed)
        have = STATES.index(self.state)
        todo = [s for s in STATES[have + 1 : wanted + 1] if s in SEEDS]
        self.state = STATES[max(wanted, have, STATES.index(PUBLISHED))]
        return todo

    def seed(self, app: Flask, todo: list[str]) -> None:
        for state in todo:
            result = SEEDS[state](app)
            if state == STAFF:
                self.people = result

    def remove(self) -> None:
        if self.path is not None:
            # The task queue's file and the jobs' files lie beside it (collector.jobs.queue).
            queue = self.path.with_name(f"{self.path.stem}-queue.sqlite3")
            for base in (self.path, queue):
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{base}{suffix}").unlink(missing_ok=True)
            shutil.rmtree(self.path.with_name(f"{self.path.stem}-jobs"), ignore_errors=True)


def scratch_folder() -> Path:
    """A private folder for test databases: on tmpfs (``/dev/shm``) where there is one."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="collector-tests-", dir=base))


def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema: the next app migrates from nothing."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def empty_postgres(url: str) -> None:
    """Empty every table but Alembic's; switch the audit log's guard back on."""
    engine = create_engine(url)
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


def audit_events(app: Flask, action: str | None = None) -> list[AuditEvent]:
    """The audit log, oldest first (only the events of ``action`` if given)."""
    with session_scope(app) as session:
        statement = select(AuditEvent).order_by(col(AuditEvent.id))
        if action:
            statement = statement.where(col(AuditEvent.action) == action)
        rows = list(session.execute(statement).scalars())
        session.expunge_all()
    return rows


def count_rows(app: Flask, model: Any) -> int:
    """How many rows a table holds."""
    with session_scope(app) as session:
        counted: int = session.execute(select(func.count()).select_from(model)).scalar_one()
        return counted


def count_answers(app: Flask) -> int:
    """How many answers (question keys) all stored responses hold together."""
    with session_scope(app) as session:
        stored = session.execute(select(col(Response.answers))).scalars()
        return sum(len(answers) for answers in stored)


def drop_append_only_guards(conn: Any) -> None:
    """Do what only a database administrator can: switch off the triggers that keep
    the audit log append-only (tests of tampering that the hash chain must reveal)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        return
    for name in ("audit_event_no_update", "audit_event_no_delete"):
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
