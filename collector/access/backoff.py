"""Back-off after failed attempts (a staff log-in, a case's password), shared by every
worker through the database.

Why a back-off and not a lock: a lock that failures trigger is a lock anyone can
trigger, for anyone. Failures are counted per *key*: an account from one address,
a case number from one address, a case number from anywhere. The first
``free`` failures of a key cost nothing; after that each failure makes the key's
next attempt wait, ``first`` seconds and twice as long each time, at most
``longest``. Attempts refused while a key waits are not counted, so a stranger
hammering a key cannot make its wait longer than ``longest``. Failures are forgotten
``forget`` seconds after the last one, and a success forgets them at once for keys
that say so (``resets``); other keys (an address's failures on all accounts) only
take that attempt back.

Atomic across threads and processes: :func:`attempt` counts the attempt as a
failure *before* it is checked, for every key at once, in one write transaction
(PostgreSQL: row locks taken in key order; SQLite: ``BEGIN IMMEDIATE``), and
refuses it when any key must wait; :func:`succeeded` takes it back. Forty
concurrent guesses therefore get exactly ``free`` checks before the first wait,
however many workers they reach. The ``limits`` library's windows count events
but have no notion of a growing wait or of taking a success back, hence this
module.

Keys are stored as SHA-256 digests: the table (``failure_backoff``) holds no
address or e-mail address. Time comes from ``collector.core.clock``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from collector.access.guard import register_global
from collector.core.db import writing
from collector.core.models import FailureBackoff

TABLE = FailureBackoff.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__ on table models
register_global(FailureBackoff)


@dataclass(frozen=True)
class Backoff:
    """How failures of one kind are answered (see the module's docstring)."""

    free: int
    first: float
    longest: float
    forget: float

    @classmethod
    def from_setting(cls, value: Mapping[str, Any]) -> Backoff:
        """From a setting such as ``{"free": 5, "first_seconds": 30, "longest_minutes": 15,
        "forget_hours": 24}``."""
        return cls(
            free=int(value["free"]),
            first=float(value["first_seconds"]),
            longest=float(value["longest_minutes"]) * 60,
            forget=float(value["forget_hours"]) * 3600,
        )

    def wait_after(self, failures: int) -> float:
        """Seconds the next attempt waits after ``failures`` failures in a row."""
        if failures < max(self.free, 1):
            return 0.0
        return min(self.longest, self.first * 2 ** min(failures - self.free, 62))


@dataclass(frozen=True)
class Key:
    """Who failed at what: ``kind`` (``"login"``) and ``party`` (``"a@b.tw|192.0.2.1"``)."""

    kind: str
    party: str
    policy: Backoff
    resets: bool = True  # a success forgets the failures (False: takes only itself back)

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.kind}\0{self.party}".encode()).hexdigest()


@dataclass
class Attempt:
    """The outcome of :func:`attempt`."""

    keys: tuple[Key, ...]
    refused_by: Key | None = None  # the key that says wait (the longest wait)
    retry_after: int = 0  # seconds, when refused
    started_waiting: list[tuple[Key, int, float]] = field(default_factory=list)
    """Keys whose waiting starts with this attempt if it fails: (key, failures, seconds)."""
    counted: dict[str, int] = field(default_factory=dict)  # digest: failures with this one

    @property
    def allowed(self) -> bool:
        return self.refused_by is None


@contextmanager
def _counting(engine: Engine) -> Iterator[Connection]:
    """A write transaction whose commit need not wait for the disk on PostgreSQL: a crash
    may forget the last failures counted, never reorder or double them."""
    with writing(engine).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        yield conn


def _ensure_rows(conn: Connection, digests: list[str], now: float) -> None:
    rows = [{"key": d, "failures": 0, "wait_until": 0.0, "expires_at": now} for d in digests]
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(postgresql.insert(TABLE).values(rows).on_conflict_do_nothing())
    elif dialect == "sqlite":
        conn.execute(sqlite.insert(TABLE).values(rows).on_conflict_do_nothing())
    else:  # pragma: no cover - collector runs on SQLite and PostgreSQL only
        raise NotImplementedError(dialect)


def attempt(engine: Engine, keys: tuple[Key, ...], now: float) -> Attempt:
    """Count one attempt against every key, or refuse it (counting nothing) when a key
    must still wait. ``now`` is seconds since the epoch."""
    by_digest = {key.digest: key for key in keys}
    digests = sorted(by_digest)
    outcome = Attempt(keys)
    with _counting(engine) as conn:
        _ensure_rows(conn, digests, now)
        rows = conn.execute(
            select(TABLE).where(TABLE.c.key.in_(digests)).order_by(TABLE.c.key).with_for_update()
        ).all()
        failures: dict[str, int] = {}
        longest = 0.0
        for row in rows:
            fresh = row.expires_at <= now
            failures[row.key] = 0 if fresh else row.failures
            wait = 0.0 if fresh else row.wait_until - now
            if wait > longest:
                longest, outcome.refused_by = wait, by_digest[row.key]
        if outcome.refused_by is not None:
            outcome.retry_after = max(1, math.ceil(longest))
            _purge(conn, now)
            return outcome
        for digest in digests:
            key = by_digest[digest]
            count = outcome.counted[digest] = failures[digest] + 1
            wait = key.policy.wait_after(count)
            if wait > 0 and key.policy.wait_after(count - 1) == 0:
                outcome.started_waiting.append((key, count, wait))
            # No wait is 0, not ``now``: a concurrent attempt may have read the clock a
            # moment earlier than this one and must not see a wait that was never set.
            until = now + wait if wait > 0 else 0.0
            conn.execute(
                update(TABLE)
                .where(TABLE.c.key == digest)
                .values(failures=count, wait_until=until, expires_at=now + key.policy.forget)
            )
        _purge(conn, now)
    return outcome


def _purge(conn: Connection, now: float) -> None:
    """Delete forgotten rows, skipping any that another attempt holds (never waits)."""
    expired = select(TABLE.c.key).where(TABLE.c.expires_at <= now).with_for_update(skip_locked=True)
    conn.execute(delete(TABLE).where(TABLE.c.key.in_(expired.scalar_subquery())))


def succeeded(engine: Engine, outcome: Attempt) -> None:
    """The attempt succeeded: keys that reset forget their failures, the others take this
    attempt back (and the wait it set, unless another attempt has counted since)."""
    if not outcome.allowed:
        return
    reset = [k.digest for k in outcome.keys if k.resets]
    undo = [k.digest for k in outcome.keys if not k.resets]
    with _counting(engine) as conn:
        # Lock in key order, as attempt() does, so that the two never deadlock.
        conn.execute(
            select(TABLE.c.key)
            .where(TABLE.c.key.in_(reset + undo))
            .order_by(TABLE.c.key)
            .with_for_update()
        ).all()
        if reset:
            conn.execute(delete(TABLE).where(TABLE.c.key.in_(reset)))
        for digest in undo:
            last = TABLE.c.failures == outcome.counted[digest]
            conn.execute(
                update(TABLE)
                .where(TABLE.c.key == digest, TABLE.c.failures > 0)
                .values(
                    failures=TABLE.c.failures - 1,
                    wait_until=case((last, 0.0), else_=TABLE.c.wait_until),
                )
            )
