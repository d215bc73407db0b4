"""Writing responses durably, letting concurrent submissions share one commit.

Concurrent submissions in one process are committed together (group commit,
see :class:`GroupCommitWriter`): one disk flush serves many answers, and nobody
is acknowledged before their commit. A batch that fails is retried one response
at a time, so a bad neighbour never loses a good answer, and only the failing
caller sees the error.

A batch goes in as one ``INSERT`` with a fixed text whatever its size, its rows
serialised as JSON (values first converted by the models' own column types, so
they are stored exactly as the ORM would store them; a response's answers are
one JSON value in its row): on PostgreSQL, on an autocommit connection, that
statement is its own transaction (one round trip per batch); on SQLite it runs
inside ``BEGIN IMMEDIATE``. A response whose idempotency
key is already taken is skipped by ``ON CONFLICT DO NOTHING`` instead of failing
the batch, and its caller is told ``DUPLICATE`` so that it answers as the
earlier one did (even when both were in the same batch).

On SQLite several worker processes share one database file and so one write
lock. Their writers take turns through an exclusive ``flock`` on a file
beside the database before they ``BEGIN IMMEDIATE``: the next writer wakes as
soon as the lock is free instead of polling in SQLite's busy handler, whose
sleeps grow to 100 ms.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import Flask
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError

from collector.answers.records import Prepared
from collector.core.db import writing
from collector.core.models import Response

log = logging.getLogger(__name__)

DUPLICATE = "duplicate"

RESPONSE_COLUMNS = (
    "receipt",
    "questionnaire_version_id",
    "agency_id",
    "unit_id",
    "channel",
    "language",
    "started_at",
    "submitted_at",
    "idempotency_key",
    "body_hash",
    "campaign_id",
    "batch",
    "entered_by",
    "kiosk_id",
    "client_submitted_at",
    "answers",
)
# Bound parameters per statement: well under PostgreSQL's 65535 and SQLite's 32766.
MAX_PARAMETERS = 6000


def _held_lock() -> Any:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass
class _Job:
    prepared: Prepared
    # Released by the writer when the job is done: a plain lock, acquired and released
    # in C, is much cheaper to wait on and to wake than a threading.Event.
    done: Any = field(default_factory=_held_lock)
    outcome: str | None = None
    error: BaseException | None = None
    lead: bool = False  # True: this job's thread takes over as the next leader


class _Statements:
    """Portable multi-row inserts: ``VALUES (?, ...), (?, ...)``.

    The base for the SQLite and PostgreSQL variants below, which replace the row
    transport with JSON; used as it is for any other database.
    """

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        self.placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
        self.response_converters = _converters(Response.__table__, RESPONSE_COLUMNS, dialect)  # type: ignore[attr-defined]  # SQLModel sets __table__ without declaring it
        self.response_sql = lru_cache(maxsize=128)(self._response_sql)

    def _response_sql(self, rows: int) -> str:
        one = "(" + ", ".join([self.placeholder] * len(RESPONSE_COLUMNS)) + ")"
        return (
            f"INSERT INTO response ({', '.join(RESPONSE_COLUMNS)}) "
            f"VALUES {', '.join([one] * rows)} "
            "ON CONFLICT (agency_id, idempotency_key) DO NOTHING RETURNING id, receipt"
        )

    single_statement = False
    """True when :meth:`write` is one statement, atomic without a transaction around it."""

    def write(
        self, conn: Connection, batch: Sequence[Prepared], events: bool = False
    ) -> list[bool]:
        inserted: list[tuple[int, str]] = []
        values = [_response_values(p) for p in batch]
        for chunk in _chunks(values, MAX_PARAMETERS // len(RESPONSE_COLUMNS)):
            params: list[Any] = []
            for row in chunk:
                params.extend(_convert(row, self.response_converters))
            result = conn.exec_driver_sql(self.response_sql(len(chunk)), [tuple(params)])
            inserted.extend(result.all())
        stored = _stored(batch, inserted)
        if events:
            rows = _event_rows(batch, stored)
            if rows:
                one = "(" + ", ".join([self.placeholder] * len(EVENT_COLUMNS)) + ")"
                conn.exec_driver_sql(
                    f"INSERT INTO response_event ({', '.join(EVENT_COLUMNS)}) VALUES {one}", rows
                )
        return stored


class _SqliteStatements(_Statements):
    """SQLite: the batch as one JSON array, unpacked by ``json_each``.

    One statement whatever the batch size: the sqlite3 module keeps it compiled,
    and the rows go in with one step of the virtual machine, during which the GIL
    is free. Each response's answers are a JSON value inside the array, stored as
    its text.
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.response_converters[-1] = None  # the answers: already JSON inside the array
        self.response_json = (
            f"INSERT INTO response ({', '.join(RESPONSE_COLUMNS)}) "
            f"SELECT {_sqlite_json_columns(len(RESPONSE_COLUMNS))} FROM json_each(?) "
            "WHERE true ON CONFLICT (agency_id, idempotency_key) DO NOTHING RETURNING id, receipt"
        )
        self.event_json = (
            f"INSERT INTO response_event ({', '.join(EVENT_COLUMNS)}) "
            f"SELECT {_sqlite_json_columns(len(EVENT_COLUMNS))} FROM json_each(?)"
        )

    def write(
        self, conn: Connection, batch: Sequence[Prepared], events: bool = False
    ) -> list[bool]:
        rows = [_convert(_response_values(p), self.response_converters) for p in batch]
        stored = _stored(batch, conn.exec_driver_sql(self.response_json, (_json(rows),)).all())
        if events:
            # In the same transaction (BEGIN IMMEDIATE): one more statement per batch.
            new = _event_rows(batch, stored)
            if new:
                conn.exec_driver_sql(self.event_json, (_json(new),))
        return stored


def _sqlite_json_columns(n: int) -> str:
    return ", ".join(f"json_extract(value, '$[{i}]')" for i in range(n))


class _PostgresStatements(_Statements):
    """PostgreSQL: a whole batch in one statement, so one round trip and one commit.

    The responses travel as one JSON array of objects (encoded by the json module's
    C encoder in one call), turned into typed rows by ``json_to_recordset``, which
    parses the document once; each response's answers are a JSON value inside it,
    stored as they are. On a connection in autocommit mode this single statement
    is its own transaction: the server commits (and flushes) it before it answers.
    The statement text never changes, so psycopg prepares it on the server once.
    """

    single_statement = True
    RESPONSE_TYPES: tuple[str, ...] = ("text", "int", "int", "int", "text", "text", "timestamptz")
    RESPONSE_TYPES += ("timestamptz", "text", "text", "int", "text", "int", "int", "timestamptz")
    RESPONSE_TYPES += ("json",)

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.response_converters[-1] = None  # the answers: already JSON inside the array
        self.driver_error = engine.dialect.loaded_dbapi.Error
        columns = ", ".join(RESPONSE_COLUMNS)
        typed = ", ".join(
            f"{c} {t}" for c, t in zip(RESPONSE_COLUMNS, self.RESPONSE_TYPES, strict=True)
        )
        self.batch_sql = (
            f"INSERT INTO response ({columns}) "
            f"SELECT {columns} FROM json_to_recordset(%s::json) AS e({typed}) "
            "ON CONFLICT (agency_id, idempotency_key) DO NOTHING RETURNING id, receipt"
        )
        # With the outbox: the event rows in the same statement (so the same autocommit
        # transaction), from what the insert returned.
        self.events_sql = (
            f"WITH stored AS ({self.batch_sql[: -len('RETURNING id, receipt')]}"
            "RETURNING id, receipt, agency_id), "
            "events AS (INSERT INTO response_event (response_id, agency_id, created_at) "
            "SELECT id, agency_id, extract(epoch from clock_timestamp()) FROM stored) "
            "SELECT id, receipt FROM stored"
        )

    def write(
        self, conn: Connection, batch: Sequence[Prepared], events: bool = False
    ) -> list[bool]:
        responses = [
            dict(
                zip(
                    RESPONSE_COLUMNS,
                    _convert(_response_values(p), self.response_converters),
                    strict=True,
                )
            )
            for p in batch
        ]
        # Straight to psycopg: SQLAlchemy's execution and result machinery costs more
        # CPU than the rest of the write, and this statement needs none of it.
        try:
            with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]  # None only for a pool record not connected; this one is in use
                sql = self.events_sql if events else self.batch_sql
                cursor.execute(sql, (_json(responses),), prepare=True)
                return _stored(batch, cursor.fetchall())
        except self.driver_error as exc:  # as SQLAlchemy would raise it (IntegrityError, ...)
            raise DBAPIError.instance(self.batch_sql, None, exc, self.driver_error) from exc


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()  # aware (UTC) datetimes: read back exactly by ::timestamptz
    raise TypeError(f"cannot store {type(value).__name__} in a batch")


# Compact, and no cycle check: a batch is built here from parsed JSON and plain values.
_json = json.JSONEncoder(
    ensure_ascii=False,
    allow_nan=False,
    check_circular=False,
    separators=(",", ":"),
    default=_json_default,
).encode


def _converters(table: Table, columns: Sequence[str], dialect: Any) -> list[Callable | None]:
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]


def _convert(values: tuple, converters: list[Callable | None]) -> tuple:
    if not any(converters):
        return values
    return tuple(
        v if c is None or v is None else c(v) for v, c in zip(values, converters, strict=True)
    )


def _response_values(p: Prepared) -> tuple:
    s = p.submission
    return (
        p.receipt,
        s.questionnaire.id,
        s.agency.id,
        s.unit.id if s.unit else None,
        s.channel,
        s.language,
        s.started_at,
        p.submitted_at,
        s.idempotency_key,
        p.body_hash,
        s.campaign_id,
        s.batch,
        s.entered_by,
        s.kiosk_id,
        s.client_submitted_at,
        p.stored,
    )


EVENT_COLUMNS = ("response_id", "agency_id", "created_at")
"""The outbox row written with each response while plugins handle ``response_saved``."""


def _event_rows(batch: Sequence[Prepared], stored: Sequence[bool]) -> list[tuple[Any, Any, float]]:
    """An outbox row for each response just stored (``collector.answers.outbox``)."""
    now = time.time()
    return [
        (p.submission_id, p.submission.agency.id, now)  # type: ignore[attr-defined]  # set by _stored
        for p, ok in zip(batch, stored, strict=True)
        if ok
    ]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_statements: dict[tuple[str, str, str], _Statements] = {}


def _statements_for(engine: Engine) -> _Statements:
    dialect = engine.dialect
    key = (dialect.name, dialect.driver, dialect.paramstyle)
    stmts = _statements.get(key)
    if stmts is None:
        # The PostgreSQL statement is sent through psycopg (3) itself.
        cls = {("postgresql", "psycopg"): _PostgresStatements}.get(
            (dialect.name, dialect.driver),
            _SqliteStatements if dialect.name == "sqlite" else _Statements,
        )
        stmts = _statements[key] = cls(engine)
    return stmts


def _stored(batch: Sequence[Prepared], inserted: Sequence[Any]) -> list[bool]:
    """Per response, whether it was inserted (by receipt); sets ``submission_id``."""
    ids = {receipt: response_id for response_id, receipt in inserted}
    stored = []
    for p in batch:
        response_id = ids.get(p.receipt)
        if response_id is not None:
            p.submission_id = response_id  # type: ignore[attr-defined]  # set here once stored; not a field of Prepared
        stored.append(response_id is not None)
    return stored


def store(conn: Connection, batch: Sequence[Prepared], events: bool = False) -> list[bool]:
    """Insert responses and their answers (in ``conn``'s transaction, if it has one).

    Sets ``submission_id`` on each stored one; returns, per response, whether it
    was stored (False: its idempotency key was already taken, nothing written).
    ``events``: with each stored response its ``response_event`` outbox row, in the
    same statement or transaction.
    """
    return _statements_for(conn.engine).write(conn, batch, events)


def insert_batch(engine: Engine, batch: list[Prepared]) -> None:
    """Insert responses and their answers in one transaction; sets ``submission_id``.

    Raises IntegrityError, writing nothing, if an idempotency key is already taken.
    """
    with writing(engine).begin() as conn:
        stored = store(conn, batch)
        if not all(stored):
            raise IntegrityError(
                "INSERT INTO response",
                None,
                Exception("UNIQUE constraint failed: response.agency_id, response.idempotency_key"),
            )


def _is_idempotency_clash(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "idempotency_key" in text or "uq_response_agency_id_idempotency_key" in text


class _WriteLock:
    """Takes turns between processes writing one SQLite file (see the module's docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.path: str | None = None
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        if database and database != ":memory:" and not database.startswith("file:"):
            self.path = os.path.abspath(database) + "-writer.lock"
        self._fd: int | None = None
        self._pid: int | None = None
        # flock is held by an open file, not by a thread: threads of one process
        # take turns on this lock first.
        self._threads = threading.Lock()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        if self.path is None:
            yield
            return
        with self._threads:
            if self._fd is None or self._pid != os.getpid():
                # A forked child must not share its parent's open file (and so its lock).
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)


class DirectWriter:
    """One transaction per response, in the calling thread."""

    events = False
    """True while a plugin implements ``response_saved``: each response is written with
    its outbox row (``collector.answers.outbox``); set by the app once plugins load."""

    def __init__(self, engine: Engine) -> None:
        self.engine = writing(engine)  # SQLite: BEGIN IMMEDIATE
        self._write_lock = _WriteLock(engine)

    def write(self, prepared: Prepared) -> str | None:
        with self._write_lock.held(), self.engine.begin() as conn:
            stored = store(conn, [prepared], self.events)
        return None if stored[0] else DUPLICATE


class GroupCommitWriter(DirectWriter):
    """Concurrent writes share one commit (group commit), with no thread of its own.

    The request thread that finds no write in progress becomes the *leader*: it
    takes every job queued (its own included), commits them together on the
    writer's connection, and wakes their threads. A thread that arrives while a
    commit is in progress queues its job and waits; when the commit ends, the
    leader hands the lead to the first of them, which commits everything queued
    by then. An idle process writes its one response straight away, with no
    hand-over between threads; a busy one gathers whatever arrived during the
    previous commit, so the batches grow with the load.
    """

    def __init__(self, engine: Engine, batch_max: int = 64) -> None:
        super().__init__(engine)
        self.batch_max = batch_max
        self._mutex = threading.Lock()
        self._pending: list[_Job] = []
        self._leading = False
        self._conn: Connection | None = None
        self._pid: int | None = None

    def write(self, prepared: Prepared) -> str | None:
        job = _Job(prepared)
        with self._mutex:
            if self._pid != os.getpid():
                # Forked (gunicorn preloads the app in its master): nothing of the
                # parent's is ours, least of all its connection.
                self._pid, self._pending, self._leading, self._conn = os.getpid(), [], False, None
            self._pending.append(job)
            lead = not self._leading
            self._leading = True
        if not lead:
            job.done.acquire()  # until a leader has written it, or hands us the lead
            if not job.lead:
                return _outcome(job)
        self._lead()
        return _outcome(job)

    def _lead(self) -> None:
        with self._mutex:
            jobs, self._pending = self._pending[: self.batch_max], self._pending[self.batch_max :]
        try:
            self._conn = self._commit(self._conn, jobs)
        finally:
            with self._mutex:
                successor = self._pending[0] if self._pending else None
                if successor is None:
                    self._leading = False
                else:
                    successor.lead = True
            for job in jobs:
                if not job.lead:
                    job.done.release()
            if successor is not None:
                successor.done.release()

    def _commit(self, conn: Connection | None, jobs: list[_Job]) -> Connection | None:
        """Write ``jobs`` together; on any failure, start afresh, one job at a time."""
        try:
            if conn is None:
                conn = self._connect()
            batch = [j.prepared for j in jobs]
            with self._write_lock.held():
                if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                    stored = store(conn, batch, self.events)
                    conn.commit()  # ends SQLAlchemy's own bookkeeping; the server already did
                else:
                    with conn.begin():
                        stored = store(conn, batch, self.events)
            for job, ok in zip(jobs, stored, strict=True):
                job.outcome = None if ok else DUPLICATE
            return conn
        except BaseException as exc:  # the connection may be broken
            _close(conn)
            self._one_by_one(jobs, exc)
            return None

    def _connect(self) -> Connection:
        conn = self.engine.connect()
        if _statements_for(self.engine).single_statement:
            # One statement per batch, committed by the server as it runs (PostgreSQL).
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        return conn

    def _one_by_one(self, jobs: list[_Job], batch_error: BaseException) -> None:
        log.debug("batch of %d failed (%r); writing one at a time", len(jobs), batch_error)
        for job in jobs:
            try:
                job.outcome = DirectWriter.write(self, job.prepared)
            except BaseException as exc:
                job.error = exc


def _outcome(job: _Job) -> str | None:
    if job.error is not None:
        raise job.error
    return job.outcome


def _close(conn: Connection | None) -> None:
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()


def init_app(app: Flask, engine: Engine) -> None:
    if app.config["WRITER_ENABLED"]:
        writer: DirectWriter = GroupCommitWriter(engine, app.config["WRITER_BATCH_MAX"])
    else:
        writer = DirectWriter(engine)
    app.extensions["collector.answers.writer"] = writer


def get_writer(app: Flask) -> DirectWriter:
    return app.extensions["collector.answers.writer"]
