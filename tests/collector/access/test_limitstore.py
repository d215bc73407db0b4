"""The database as the ``limits`` store: the library's strategies on it, counts shared by
every app on the database, atomic under concurrent hits."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from limits import parse
from limits.strategies import FixedWindowRateLimiter
from limits.strategies import SlidingWindowCounterRateLimiter
from sqlalchemy import func
from sqlalchemy import select

from collector.access.limitstore import DatabaseStorage
from collector.core.db import get_engine
from collector.core.db import session_scope
from collector.core.db import writing
from collector.core.models import RateLimitCounter
from tests.helpers.concurrency import at_once


def store(app: Flask) -> DatabaseStorage:
    return DatabaseStorage(get_engine(app))


def test_the_sliding_window_counter_limits_and_reports(app: Flask) -> None:
    limiter = SlidingWindowCounterRateLimiter(store(app))
    item = parse("3 per minute")
    assert [limiter.hit(item, "k") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "other")
    assert not limiter.test(item, "k") and limiter.test(item, "other")
    stats = limiter.get_window_stats(item, "k")
    assert stats.remaining == 0 and time.time() < stats.reset_time <= time.time() + 120
    limiter.clear(item, "k")
    assert limiter.hit(item, "k")


def test_fixed_window_counters_work_too(app: Flask) -> None:
    storage = store(app)
    limiter = FixedWindowRateLimiter(storage)
    item = parse("2 per hour")
    assert [limiter.hit(item, "k") for _ in range(3)] == [True, True, False]
    assert storage.get(item.key_for("k")) == 3
    assert storage.get_expiry(item.key_for("k")) > time.time() + 3000
    assert storage.check()
    assert storage.reset() == 1 and storage.get(item.key_for("k")) == 0


def test_two_apps_on_one_database_share_the_counts(make_app: Any) -> None:
    first, second = make_app(), make_app()
    item = parse("3 per minute")
    one = SlidingWindowCounterRateLimiter(store(first))
    two = SlidingWindowCounterRateLimiter(store(second))
    assert [one.hit(item, "k"), two.hit(item, "k"), one.hit(item, "k")] == [True] * 3
    assert not two.hit(item, "k") and not one.hit(item, "k")


def test_concurrent_hits_never_pass_the_limit(app: Flask) -> None:
    limiter = SlidingWindowCounterRateLimiter(store(app))
    item = parse("5 per minute")
    results = at_once([lambda: limiter.hit(item, "crowd") for _ in range(24)])
    assert results.count(True) == 5


def test_keys_are_digests_and_expired_rows_are_deleted(app: Flask) -> None:
    storage = store(app)
    secret = "LIMITER/addr:192.0.2.1/secret@example.tw"
    with writing(get_engine(app)).begin() as conn:  # counted two minutes ago, for a minute
        storage._incr(conn, secret, 60, 1, time.time() - 120)
    with session_scope(app) as session:
        (key,) = session.execute(select(RateLimitCounter.key)).scalars().all()
    assert "secret" not in key and len(key) == 64
    assert storage.get(secret) == 0  # expired: absent
    storage._purged = 0.0
    storage.incr("another", 60)  # the next count deletes what has expired
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(RateLimitCounter)).scalar() == 1
