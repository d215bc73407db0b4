"""SQLite runs durable (WAL, synchronous=FULL, busy timeout); readers never take the write lock."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from collector.core.db import get_engine
from collector.core.db import writing


@pytest.fixture
def sqlite_app(app: Flask) -> Flask:
    if get_engine(app).dialect.name != "sqlite":
        pytest.skip("SQLite settings apply to SQLite only")
    return app


def test_sqlite_pragmas(sqlite_app: Flask) -> None:
    with get_engine(sqlite_app).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_reader_does_not_block_a_writer(sqlite_app: Flask) -> None:
    engine = get_engine(sqlite_app)
    with engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM agency")).scalar()
        assert reader.in_transaction()
        with writing(engine).begin() as writer:  # would wait 10 s and fail if readers locked
            writer.execute(text("UPDATE agency SET name_en = name_en"))


def test_writer_takes_the_lock_up_front(sqlite_app: Flask, tmp_path: Any) -> None:
    import sqlite3

    engine = get_engine(sqlite_app)
    path = engine.url.database
    with writing(engine).begin() as writer:
        writer.execute(text("SELECT 1"))
        other = sqlite3.connect(path, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_postgres_url_gets_psycopg_driver() -> None:
    from collector.core.db import make_engine

    engine = make_engine("postgresql://postgres@127.0.0.1:1/none")
    assert engine.dialect.driver == "psycopg"
