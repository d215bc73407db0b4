"""The group-commit writer: every acknowledged response stored exactly once.

These tests pause the leading writer inside its first transaction (``paused``) so
that the submissions made meanwhile queue up and are written together in the
next batch: what they check happens inside one shared transaction, on purpose.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from collector.answers import writer as writer_module
from collector.answers.records import Prepared
from collector.answers.records import Submission
from collector.answers.submission import prepare
from collector.answers.writer import DUPLICATE
from collector.answers.writer import GroupCommitWriter
from collector.answers.writer import get_writer
from collector.core.db import get_session
from collector.core.db import session_scope
from collector.core.lookups import cached_agency_by_code
from collector.core.lookups import cached_unit_by_code
from collector.core.models import Response
from collector.core.plugins import get_plugins
from collector.core.questionnaires import cached_current_version
from collector.core.questionnaires import definition_of
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.answers import api_body
from tests.helpers.answers import retried
from tests.helpers.database import count_answers
from tests.helpers.database import count_rows

TIMEOUT = 30


def body(**overrides: Any) -> dict[str, Any]:
    return api_body(**{"channel": "qr", **overrides})


def count(app: Flask, model: Any = Response) -> int:
    return count_rows(app, model)


def prepared(app: Flask, key: str | None = None, **answers: Any) -> Prepared:
    """A valid response to citizen-satisfaction at alpha/c1, ready for the writer."""
    with app.test_request_context():
        version = cached_current_version(app, get_session, "citizen-satisfaction")
        agency = cached_agency_by_code(app, get_session, "alpha")
        unit = cached_unit_by_code(app, get_session, agency, "c1")
        assert version is not None and agency is not None and unit is not None
        submission = Submission(
            questionnaire=version,
            agency=agency,
            unit=unit,
            channel="qr",
            language="zh-Hant-TW",
            answers={**CITIZEN_ANSWERS, **answers},
            idempotency_key=key,
        )
        return prepare(get_plugins(app), definition_of(version), submission)


@dataclass
class Pause:
    release: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)
    batches: list[int] = field(default_factory=list)


@contextmanager
def paused(monkeypatch: pytest.MonkeyPatch, app: Flask) -> Iterator[Pause]:
    """Hold the writer in its first batch (a blocker response) until ``release`` is set."""
    pause = Pause()
    real_store = writer_module.store

    def store(conn: Any, batch: Any, *events: Any) -> Any:
        pause.batches.append(len(batch))
        if not pause.entered.is_set():
            pause.entered.set()
            assert pause.release.wait(TIMEOUT)
        return real_store(conn, batch, *events)

    monkeypatch.setattr(writer_module, "store", store)
    writer = get_writer(app)
    assert isinstance(writer, GroupCommitWriter)
    blocker = threading.Thread(target=writer.write, args=(prepared(app),))
    blocker.start()
    assert pause.entered.wait(TIMEOUT)
    try:
        yield pause
    finally:
        pause.release.set()
        blocker.join(TIMEOUT)


def wait_queued(app: Flask, n: int) -> None:
    """Until ``n`` jobs wait in the (paused) writer's queue."""
    writer = get_writer(app)
    assert isinstance(writer, GroupCommitWriter)
    done = threading.Event()
    for _ in range(TIMEOUT * 100):
        if len(writer._pending) >= n:
            return
        done.wait(0.01)
    raise AssertionError(f"only {len(writer._pending)} of {n} submissions reached the writer")


def while_paused(monkeypatch: pytest.MonkeyPatch, app: Flask, targets: list[Any]) -> Pause:
    """Run ``targets`` in threads while the writer is held in its first batch; release
    it once all of them have queued, wait for them; the pause tells the batch sizes."""
    with paused(monkeypatch, app) as pause:
        threads = [threading.Thread(target=t) for t in targets]
        for t in threads:
            t.start()
        wait_queued(app, len(targets))
        pause.release.set()
        for t in threads:
            t.join(TIMEOUT)
    return pause


def run_threads(targets: list[Any]) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive()


def test_concurrent_submissions_are_each_stored_once(app: Flask) -> None:
    n = 40
    start = threading.Barrier(n)
    results: dict[int, Any] = {}

    def submit(i: int) -> None:
        client = app.test_client()
        start.wait(TIMEOUT)
        results[i] = client.post(
            "/api/v1/responses", json=body(), headers={"Idempotency-Key": f"concurrent-{i}"}
        )

    run_threads([lambda i=i: submit(i) for i in range(n)])
    assert sorted(results) == list(range(n))
    assert {r.status_code for r in results.values()} == {201}
    receipts = {r.get_json()["receipt"] for r in results.values()}
    assert len(receipts) == n
    assert not any("Idempotent-Replayed" in r.headers for r in results.values())
    with session_scope(app) as session:
        stored = session.execute(select(Response.receipt, Response.idempotency_key)).all()
    assert {receipt for receipt, _ in stored} == receipts
    assert sorted(key for _, key in stored) == sorted(f"api:concurrent-{i}" for i in range(n))
    assert count_answers(app) == n * len(CITIZEN_ANSWERS)


def test_queued_submissions_share_one_transaction(
    monkeypatch: pytest.MonkeyPatch, app: Flask
) -> None:
    writer = get_writer(app)
    jobs = [prepared(app, key=f"api:batch-{i}") for i in range(10)]
    outcomes: dict[int, Any] = {}
    targets = [lambda i=i: outcomes.__setitem__(i, writer.write(jobs[i])) for i in range(10)]
    pause = while_paused(monkeypatch, app, targets)
    # The ten that arrived during the first commit were written by one of them, together.
    assert pause.batches == [1, 10]
    assert outcomes == dict.fromkeys(range(10))
    assert all(isinstance(p.submission_id, int) for p in jobs)  # type: ignore[attr-defined]
    assert isinstance(writer, GroupCommitWriter)
    assert not writer._leading and not writer._pending  # nobody leads an empty queue
    assert count(app) == 11


def test_a_failing_response_fails_alone(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    writer = get_writer(app)
    existing = prepared(app)
    assert writer.write(existing) is None
    good = [prepared(app, key=f"api:good-{i}") for i in range(5)]
    bad = prepared(app, key="api:bad")
    bad.receipt = existing.receipt  # receipts are unique: this insert must fail
    jobs = [*good[:2], bad, *good[2:]]
    outcomes: dict[int, Any] = {}

    def write(i: int) -> None:
        try:
            outcomes[i] = writer.write(jobs[i])
        except Exception as exc:
            outcomes[i] = exc

    pause = while_paused(monkeypatch, app, [lambda i=i: write(i) for i in range(len(jobs))])
    # One batch with all six failed as a whole, then each was written on its own.
    assert pause.batches[:2] == [1, 6] and len(pause.batches) == 2 + 6
    assert isinstance(outcomes.pop(2), IntegrityError)
    assert outcomes == {0: None, 1: None, 3: None, 4: None, 5: None}
    with session_scope(app) as session:
        keys = session.execute(select(Response.idempotency_key)).scalars().all()
    assert sorted(k for k in keys if k) == sorted(f"api:good-{i}" for i in range(5))
    assert count(app) == 1 + 1 + 5  # the earlier one, the blocker and the five good ones
    assert count_answers(app) == 7 * len(CITIZEN_ANSWERS)


def test_identical_retries_racing_in_one_batch_store_one_response(
    monkeypatch: pytest.MonkeyPatch, app: Flask
) -> None:
    responses: list[Any] = []

    def send() -> None:
        responses.append(
            app.test_client().post(
                "/api/v1/responses", json=body(), headers={"Idempotency-Key": "raced"}
            )
        )

    pause = while_paused(monkeypatch, app, [send, send])
    assert pause.batches == [1, 2]  # both in one INSERT
    assert [r.status_code for r in responses] == [201, 201]
    first, second = (r.get_json() for r in responses)
    assert first["receipt"] == second["receipt"]
    assert sorted("Idempotent-Replayed" in r.headers for r in responses) == [False, True]
    with session_scope(app) as session:
        stored = session.execute(
            select(Response.receipt).where(Response.idempotency_key == "api:raced")
        ).all()
    assert [r for (r,) in stored] == [first["receipt"]]
    assert count(app) == 2  # the blocker and the raced one
    assert count_answers(app) == 2 * len(CITIZEN_ANSWERS)


def test_identical_retries_racing_without_pause(app: Flask) -> None:
    n = 8
    start = threading.Barrier(n)
    responses: list[Any] = []

    def send() -> None:
        client = app.test_client()
        start.wait(TIMEOUT)
        responses.append(
            client.post("/api/v1/responses", json=body(), headers={"Idempotency-Key": "storm"})
        )

    run_threads([send] * n)
    assert [r.status_code for r in responses] == [201] * n
    assert len({r.get_json()["receipt"] for r in responses}) == 1
    assert sum("Idempotent-Replayed" not in r.headers for r in responses) == 1
    assert count(app) == 1


def test_a_taken_key_with_another_body_is_refused_in_the_same_batch(
    monkeypatch: pytest.MonkeyPatch, app: Flask
) -> None:
    responses: dict[str, Any] = {}

    def send(name: str, satisfaction: int) -> None:
        data = body()
        data["answers"]["overall_satisfaction"] = satisfaction
        responses[name] = app.test_client().post(
            "/api/v1/responses", json=data, headers={"Idempotency-Key": "contested"}
        )

    while_paused(monkeypatch, app, [lambda: send("a", 5), lambda: send("b", 1)])
    statuses = sorted(r.status_code for r in responses.values())
    assert statuses == [201, 422]
    assert count(app) == 2  # the blocker and the winner


def connected_writer(app: Flask) -> tuple[GroupCommitWriter, Connection]:
    """The group-commit writer after one response, and the connection it kept open."""
    writer = get_writer(app)
    assert isinstance(writer, GroupCommitWriter)
    assert writer.write(prepared(app)) is None
    assert writer._conn is not None
    return writer, writer._conn


def test_a_forked_writer_does_not_use_its_parents_connection(app: Flask) -> None:
    writer, parents = connected_writer(app)
    writer._pid = -1  # as a forked child sees it: the connection belonged to its parent
    assert writer.write(prepared(app)) is None
    assert writer._conn is not None and writer._conn is not parents
    parents.close()
    assert count(app) == 2


def test_a_broken_connection_loses_nothing_and_is_replaced(app: Flask) -> None:
    writer, broken = connected_writer(app)
    broken.connection.driver_connection.close()  # as when the server went away
    assert writer.write(prepared(app)) is None  # written one by one, on a fresh connection
    assert writer._conn is None  # the broken one is gone; the next batch opens another
    assert writer.write(prepared(app)) is None
    assert writer._conn is not None and writer._conn is not broken
    assert count(app) == 3


def test_direct_writer_reports_a_taken_key(make_app: Any) -> None:

    app = make_app(seed="agencies", WRITER_ENABLED=False)
    writer = get_writer(app)
    assert not isinstance(writer, GroupCommitWriter)
    assert writer.write(prepared(app, key="api:direct")) is None
    assert writer.write(prepared(app, key="api:direct")) == DUPLICATE
    assert count(app) == 1
    retried(app.test_client(), "direct-http", body())


@pytest.mark.parametrize(
    "statements", [writer_module._Statements, None], ids=["portable", "this-database"]
)
def test_every_statement_variant_stores_the_answers_as_the_orm_reads_them(
    app: Flask, statements: Any
) -> None:
    """The portable ``VALUES`` insert (any other database) and this database's own
    variant store the same: the answers read back as the question types gave them."""
    from collector.core.db import get_engine
    from collector.core.db import writing

    engine = get_engine(app)
    cls = statements or type(writer_module._statements_for(engine))
    first = prepared(app, "api:variant-1", comment='第一 "quoted" \\ text')
    again = prepared(app, "api:variant-1")  # the same key: skipped, not an error
    with writing(engine).begin() as conn:
        stored = cls(engine).write(conn, [first, again])
    assert stored == [True, False]
    with session_scope(app) as session:
        answers = session.execute(
            select(Response.answers).where(Response.receipt == first.receipt)
        ).scalar_one()
    assert answers == {k: [list(pair) for pair in v] for k, v in first.stored.items()}
    assert answers["comment"] == [[None, '第一 "quoted" \\ text']]
