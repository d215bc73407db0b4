"""The database as a store for the ``limits`` library: rate-limit counters every worker
shares, on SQLite and PostgreSQL, with nothing more to run.

``limits`` ships memory, Redis, Memcached and MongoDB stores; this one implements
its storage interface (fixed-window counters and the sliding-window counter) on the
``rate_limit_counter`` table, so ``collector.access.ratelimit`` uses the library's
own strategies on it. Each count is one ``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`` (atomic on both databases); taking a sliding-window entry adds the
previous window's count and takes the increment back when it went over the limit,
in the same transaction (PostgreSQL holds the row lock until commit, SQLite's
``BEGIN IMMEDIATE`` holds the database), so concurrent requests never get more
than the limit, in one process or many.

Keys are stored as SHA-256 digests. Expired rows count as absent and are deleted
at most once a minute per worker, skipping rows another transaction holds. On
PostgreSQL the table is unlogged (migration 0011): counters of a minute or an hour
need no crash safety, and a commit that wrote only to it does not wait for the disk.
"""

from __future__ import annotations

import hashlib
import time
from math import floor

from limits.storage import SlidingWindowCounterSupport
from limits.storage import Storage
from limits.storage.base import TimestampedSlidingWindow
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import SQLAlchemyError

from collector.access.guard import register_global
from collector.core.db import writing
from collector.core.models import RateLimitCounter

TABLE = RateLimitCounter.__table__  # type: ignore[attr-defined]  # SQLModel sets __table__ on table models
register_global(RateLimitCounter)
PURGE_EVERY = 60.0  # seconds between deletions of expired rows, per store


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage, SlidingWindowCounterSupport, TimestampedSlidingWindow):
    """``limits`` storage on the app's database (made with its engine, not from a URI)."""

    STORAGE_SCHEME = None

    def __init__(self, engine: Engine) -> None:
        super().__init__(uri=None, wrap_exceptions=False)
        self.engine = engine
        self._purged = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    # -- one counter ---------------------------------------------------------------------

    def _incr(self, conn: Connection, key: str, expiry: float, amount: int, now: float) -> int:
        expired = TABLE.c.expires_at <= now
        values = {"key": digest(key), "count": amount, "expires_at": now + expiry}
        changes = {
            "count": case((expired, amount), else_=TABLE.c.count + amount),
            "expires_at": case((expired, now + expiry), else_=TABLE.c.expires_at),
        }
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(TABLE)
            .values(**values)
            .on_conflict_do_update(index_elements=[TABLE.c.key], set_=changes)
            .returning(TABLE.c.count)
        )
        count: int = conn.execute(statement).scalar_one()
        self._maybe_purge(conn, now)
        return count

    def _get(self, conn: Connection, key: str, now: float) -> int:
        count = conn.execute(
            select(TABLE.c.count).where(TABLE.c.key == digest(key), TABLE.c.expires_at > now)
        ).scalar_one_or_none()
        return int(count or 0)

    def _maybe_purge(self, conn: Connection, now: float) -> None:
        if now - self._purged < PURGE_EVERY:
            return
        self._purged = now
        expired = (
            select(TABLE.c.key).where(TABLE.c.expires_at <= now).with_for_update(skip_locked=True)
        )
        conn.execute(delete(TABLE).where(TABLE.c.key.in_(expired.scalar_subquery())))

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        with writing(self.engine).begin() as conn:
            return self._incr(conn, key, expiry, amount, time.time())

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            return self._get(conn, key, time.time())

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self.engine.connect() as conn:
            expires = conn.execute(
                select(TABLE.c.expires_at).where(
                    TABLE.c.key == digest(key), TABLE.c.expires_at > now
                )
            ).scalar_one_or_none()
        return float(expires) if expires is not None else now

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with writing(self.engine).begin() as conn:
            count = conn.execute(select(func.count()).select_from(TABLE)).scalar_one()
            conn.execute(delete(TABLE))
        return int(count)

    def clear(self, key: str) -> None:
        with writing(self.engine).begin() as conn:
            conn.execute(delete(TABLE).where(TABLE.c.key == digest(key)))

    # -- the sliding-window counter --------------------------------------------------------

    @staticmethod
    def _window(
        previous: int, current: int, expiry: float, now: float
    ) -> tuple[int, float, int, float]:
        """As ``limits``' memory store reckons it: counts and seconds left of both windows."""
        previous_ttl = (1 - (((now - expiry) / expiry) % 1)) * expiry if previous else 0.0
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return previous, previous_ttl, current, current_ttl

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        if amount > limit:
            return False
        now = time.time()
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        with writing(self.engine).begin() as conn:
            current = self._incr(conn, current_key, 2 * expiry, amount, now)
            previous, previous_ttl, _, _ = self._window(
                self._get(conn, previous_key, now), current, expiry, now
            )
            if floor(previous * previous_ttl / expiry + current) > limit:
                conn.execute(
                    update(TABLE)
                    .where(TABLE.c.key == digest(current_key))
                    .values(count=TABLE.c.count - amount)
                )
                return False
        return True

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        now = time.time()
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        with self.engine.connect() as conn:
            previous = self._get(conn, previous_key, now)
            current = self._get(conn, current_key, now)
        return self._window(previous, current, expiry, now)

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        for window_key in self.sliding_window_keys(key, expiry, time.time()):
            self.clear(window_key)
