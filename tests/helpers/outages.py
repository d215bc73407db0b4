"""Making the test database really unavailable for a while, on either backend.

- SQLite, :func:`write_lock`: another connection holds a write transaction, so the
  app's writes wait out its (short) busy timeout and fail with "database is locked";
  reads go on (WAL).
- SQLite, :func:`database_down`: another connection holds the file in exclusive
  locking mode, so reads fail too. It can take that lock only while the app has no
  connection open: the app's idle pooled ones are closed first (as a restarted
  database would close them); one the app holds (its writer's, after a write) makes
  the lock fail.
- PostgreSQL, :func:`database_down`: the database refuses new connections
  (``ALLOW_CONNECTIONS false``) and every open one is ended with
  ``pg_terminate_backend``, as in a restart; :func:`write_lock` is the same.

Leaving the block ends the outage; the app must recover by itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from flask import Flask
from psycopg import sql
from sqlalchemy.engine import make_url

from collector.core.db import get_engine

BUSY_TIMEOUT_MS = 50
"""The app's ``SQLITE_BUSY_TIMEOUT_MS`` in outage tests: a locked write fails at once."""


def _backend(app: Flask) -> str:
    return make_url(app.config["DATABASE_URL"]).get_backend_name()


@contextmanager
def _postgres_down(app: Flask) -> Iterator[None]:
    url = make_url(app.config["DATABASE_URL"])
    name = url.database
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(sql.Identifier(name))
        )
        try:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            yield
        finally:
            conn.execute(
                sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(
                    sql.Identifier(name)
                )
            )


def _sqlite_path(app: Flask) -> str:
    path = make_url(app.config["DATABASE_URL"]).database
    assert path, "a SQLite file"
    return path


@contextmanager
def write_lock(app: Flask) -> Iterator[None]:
    """Within: the app cannot write (SQLite: a write transaction held elsewhere)."""
    with _outage(app, reads_too=False):
        yield


@contextmanager
def database_down(app: Flask) -> Iterator[None]:
    """Within: the app can neither read nor write."""
    with _outage(app, reads_too=True):
        yield


@contextmanager
def _outage(app: Flask, reads_too: bool) -> Iterator[None]:
    if _backend(app) != "sqlite":
        with _postgres_down(app):
            yield
        return
    if reads_too:
        get_engine(app).dispose()
    other = sqlite3.connect(_sqlite_path(app), isolation_level=None, timeout=1)
    try:
        if not reads_too:
            other.execute("BEGIN IMMEDIATE")
            yield
            other.execute("ROLLBACK")
            return
        other.execute("PRAGMA locking_mode=EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")
        other.execute("CREATE TABLE outage_marker (x)")  # a write: the lock is taken now
        yield
        other.execute("ROLLBACK")
        other.execute("PRAGMA locking_mode=NORMAL")
        other.execute("SELECT 1 FROM sqlite_master").fetchall()  # lets the lock go
    finally:
        other.close()
