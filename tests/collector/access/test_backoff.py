"""The back-off after failed attempts: growing waits, forgetting, successes, and the count
holding under concurrent attempts, in one process and across processes."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from collector import create_app
from collector.access import backoff
from collector.access.backoff import Backoff
from collector.access.backoff import Key
from collector.core.db import get_engine
from collector.core.db import session_scope
from collector.core.models import FailureBackoff
from tests.helpers.concurrency import at_once
from tests.helpers.database import BASE_SETTINGS
from tests.helpers.database import dispose

POLICY = Backoff(free=3, first=10, longest=60, forget=3600)
T0 = 1_800_000_000.0


def key(party: str = "a@b.tw|192.0.2.1", resets: bool = True, policy: Backoff = POLICY) -> Key:
    return Key("login", party, policy, resets=resets)


def fail(app: Flask, keys: tuple[Key, ...], now: float) -> backoff.Attempt:
    return backoff.attempt(get_engine(app), keys, now)


def test_waits_start_after_the_free_failures_and_double_up_to_the_longest() -> None:
    assert [POLICY.wait_after(n) for n in range(8)] == [0, 0, 0, 10, 20, 40, 60, 60]
    assert Backoff(free=0, first=5, longest=9, forget=1).wait_after(0) == 0


def test_the_setting_reads_as_seconds() -> None:
    setting = {"free": 5, "first_seconds": 30, "longest_minutes": 15, "forget_hours": 24}
    assert Backoff.from_setting(setting) == Backoff(5, 30.0, 900.0, 86400.0)


def test_a_key_waits_and_refused_attempts_do_not_lengthen_the_wait(app: Flask) -> None:
    k = (key(),)
    assert [fail(app, k, T0).allowed for _ in range(3)] == [True, True, True]
    refused = fail(app, k, T0 + 1)
    assert not refused.allowed and refused.refused_by == k[0] and refused.retry_after == 9
    for _ in range(20):  # hammering while it waits changes nothing
        assert not fail(app, k, T0 + 5).allowed
    assert fail(app, k, T0 + 10).allowed  # the fourth failure: now 20 s
    assert fail(app, k, T0 + 29).retry_after == 1
    assert fail(app, k, T0 + 30).allowed


def test_a_free_failure_holds_back_no_attempt_that_read_the_clock_earlier(app: Flask) -> None:
    """Concurrent attempts take the lock in any order, whatever their clocks said."""
    k = (key(),)
    assert fail(app, k, T0 + 1).allowed
    assert fail(app, k, T0).allowed  # read the clock before the first, locked after it


def test_waiting_starts_once_and_is_reported(app: Flask) -> None:
    k = (key(),)
    started = [fail(app, k, T0).started_waiting for _ in range(3)]
    assert started[:2] == [[], []]
    assert started[2] == [(k[0], 3, 10.0)]


def test_failures_are_forgotten_after_a_while(app: Flask) -> None:
    k = (key(),)
    for _ in range(3):
        fail(app, k, T0)
    assert not fail(app, k, T0 + 5).allowed
    assert all(fail(app, k, T0 + 3601).allowed for _ in range(3))


def test_a_success_resets_a_key_or_takes_its_own_attempt_back(app: Flask) -> None:
    mine, address = key(), key("192.0.2.1", resets=False)
    for _ in range(2):
        fail(app, (mine, address), T0)
    backoff.succeeded(get_engine(app), fail(app, (mine, address), T0))
    # The account's key starts again; the address keeps its two failures.
    assert fail(app, (mine,), T0).allowed and fail(app, (mine,), T0).allowed
    assert fail(app, (address,), T0).allowed
    assert not fail(app, (address,), T0).allowed


def test_a_refused_attempt_counts_on_no_key(app: Flask) -> None:
    waiting, other = key("x"), key("y")
    for _ in range(3):
        fail(app, (waiting,), T0)
    for _ in range(5):
        assert not fail(app, (waiting, other), T0).allowed
    assert all(fail(app, (other,), T0).allowed for _ in range(3))


def test_keys_are_stored_as_digests_and_forgotten_rows_are_deleted(app: Flask) -> None:
    fail(app, (key("secret@example.tw|192.0.2.1"),), T0)
    with session_scope(app) as session:
        stored = session.execute(select(FailureBackoff.key)).scalars().all()
    assert len(stored) == 1 and "secret" not in stored[0] and len(stored[0]) == 64
    fail(app, (key("someone else"),), T0 + 7200)
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(FailureBackoff)).scalar() == 1


def test_concurrent_attempts_get_no_more_checks_than_the_free_failures(app: Flask) -> None:
    allowed = at_once([lambda: fail(app, (key(),), T0).allowed for _ in range(20)])
    assert allowed.count(True) == 3


def _guess_in_a_process(url: str, start: Any, results: Any) -> None:
    app = create_app({**BASE_SETTINGS, "DATABASE_URL": url, "AUTO_MIGRATE": False})
    start.wait()
    allowed = sum(fail(app, (key(),), T0).allowed for _ in range(10))
    dispose(app)
    results.put(allowed)


@pytest.mark.parametrize("processes", [2])
def test_the_count_holds_across_processes(app: Flask, processes: int) -> None:
    url = app.config["DATABASE_URL"]
    dispose(app)  # no connection crosses the fork
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(target=_guess_in_a_process, args=(url, start, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    counts = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    assert sum(counts) == 3
