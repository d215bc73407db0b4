"""The database engine per app, sessions per request, and SQLite's durability settings."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask import current_app
from flask import g
from flask import has_app_context
from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import NullPool
from sqlmodel import Session

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # FULL: a commit is on disk before we acknowledge it, even in WAL mode.
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
)
BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite connection waits for another's lock before "database is locked"
(the ``SQLITE_BUSY_TIMEOUT_MS`` setting)."""


def _sqlite_connect_listener(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself so that transactions are real (pysqlite quirk).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return on_connect


WRITE = {"collector_write": True}
"""Execution options of a connection that will write (see :func:`writing`)."""


def _on_sqlite_begin(conn: Any) -> None:
    # A writer takes the lock up front (IMMEDIATE), so two writers queue on
    # busy_timeout instead of failing half-way; readers never block anyone (WAL).
    if conn.get_execution_options().get("collector_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def writing(engine: Engine) -> Engine:
    """The engine for a transaction that writes (SQLite: BEGIN IMMEDIATE)."""
    return engine.execution_options(**WRITE)


def make_engine(url: str, echo: bool = False, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    """An engine with the settings each backend needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connect_listener(busy_timeout_ms))
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": True}
    if url.startswith("postgresql") and "+psycopg" not in url.split("://", 1)[0]:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    if has_app_context() and current_app.config.get("DATABASE_NULLPOOL"):
        kwargs["poolclass"] = NullPool
    else:
        kwargs.update(pool_size=10, max_overflow=10)
    return create_engine(url, **kwargs)


def get_engine(app: Flask | None = None) -> Engine:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    return app.extensions["collector.engine"]


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session outside a request (CLI, start-up); commits on success."""
    with Session(writing(get_engine(app)), expire_on_commit=False) as session:
        yield session
        session.commit()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    with app.app_context():
        app.extensions["collector.engine"] = make_engine(
            app.config["DATABASE_URL"],
            echo=app.config["DATABASE_ECHO"],
            busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
        )
    app.teardown_appcontext(_close_session)


SQLITE_OUTAGES = (
    "database is locked",
    "database table is locked",
    "disk i/o error",
    "database or disk is full",
    "unable to open database file",
)
"""SQLite errors that say the database cannot be used now, not that a statement is wrong."""


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` means the database is unavailable for now (a restart, a lost
    connection, a full disk, a lock held past the busy timeout), so that the same
    request may succeed when retried; not a bug in a statement."""
    if isinstance(exc, DisconnectionError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        # "no such table" is an OperationalError too: a bug, not an outage.
        message = str(exc.orig).lower()
        return any(words in message for words in SQLITE_OUTAGES)
    # PostgreSQL (psycopg): connection failures, shut-downs, lack of resources.
    return True
