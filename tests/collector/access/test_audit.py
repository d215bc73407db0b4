"""The audit log: append-only, hash-chained, tamper-evident, never forked."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from collector.access import audit
from collector.core.db import get_engine
from collector.core.db import session_scope
from collector.core.models import AuditEvent
from tests.helpers.database import drop_append_only_guards


def chain(app: Flask) -> list[AuditEvent]:
    with session_scope(app) as session:
        return list(session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


def verify(app: Flask) -> audit.ChainStatus:
    with session_scope(app) as session:
        return audit.verify_chain(session)


def fill(app: Flask, n: int = 5) -> None:
    with app.app_context():
        for i in range(n):
            audit.log("test.event", actor_label=f"tester {i}", target=f"thing {i}", detail={"i": i})


def test_events_are_chained(app: Flask) -> None:
    fill(app, 3)
    events = chain(app)
    assert events[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert all(e.hash == audit.event_hash(e) for e in events)
    status = verify(app)
    assert status.ok and status.checked == 3 and status.head == events[-1].hash


def test_an_empty_log_verifies(app: Flask) -> None:
    status = verify(app)
    assert status.ok and status.checked == 0 and status.head == audit.GENESIS


def test_the_hash_covers_every_field(app: Flask) -> None:
    fill(app, 1)
    (event,) = chain(app)
    original = event.hash
    for name, value in [
        ("actor_label", "someone else"),
        ("actor_user_id", 42),
        ("agency_id", 7),
        ("action", "other"),
        ("target", "other"),
        ("detail", '{"i":1}'),
        ("address", "198.51.100.1"),
        ("prev_hash", "1" * 64),
    ]:
        saved = getattr(event, name)
        setattr(event, name, value)
        assert audit.event_hash(event) != original, name
        setattr(event, name, saved)
    event.at = event.at.replace(microsecond=(event.at.microsecond + 1) % 1_000_000)
    assert audit.event_hash(event) != original


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET target = 'x' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
        "DELETE FROM audit_event WHERE id >= :id",
    ],
)
def test_the_database_refuses_to_change_or_delete_events(app: Flask, statement: str) -> None:
    fill(app, 3)
    last = chain(app)[-1].id
    with pytest.raises(DBAPIError, match="append-only"), get_engine(app).begin() as conn:
        conn.execute(text(statement), {"id": last})
    assert len(chain(app)) == 3 and verify(app).ok


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_event SET detail = '[99]' WHERE id = :id",
        "UPDATE audit_event SET actor_label = 'nobody' WHERE id = :id",
        "UPDATE audit_event SET action = 'harmless' WHERE id = :id",
    ],
)
def test_a_changed_event_is_found(app: Flask, tamper: str) -> None:
    fill(app, 5)
    third = chain(app)[2].id
    with get_engine(app).begin() as conn:
        drop_append_only_guards(conn)
        conn.execute(text(tamper), {"id": third})
    status = verify(app)
    assert not status.ok
    assert status.first_broken_id == third and status.reason == "content changed"
    assert status.checked == 2


def test_a_recomputed_hash_breaks_the_next_link(app: Flask) -> None:
    fill(app, 5)
    events = chain(app)
    forged = events[2]
    forged.detail = '{"i":99}'
    new_hash = audit.event_hash(forged)
    with get_engine(app).begin() as conn:
        drop_append_only_guards(conn)
        conn.execute(
            text("UPDATE audit_event SET detail = :d, hash = :h WHERE id = :id"),
            {"d": forged.detail, "h": new_hash, "id": forged.id},
        )
    status = verify(app)
    assert not status.ok and status.first_broken_id == events[3].id
    assert status.reason == "link to the previous event"


def test_a_deleted_event_is_found(app: Flask) -> None:
    fill(app, 5)
    events = chain(app)
    with get_engine(app).begin() as conn:
        drop_append_only_guards(conn)
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[1].id})
    status = verify(app)
    assert not status.ok and status.first_broken_id == events[2].id


def test_concurrent_appends_never_fork_the_chain(app: Flask) -> None:
    threads, per_thread = 6, 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def append(n: int) -> None:
        try:
            barrier.wait()
            with app.app_context():
                for i in range(per_thread):
                    audit.log("test.concurrent", actor_label=f"thread {n}", detail={"i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    events = chain(app)
    assert len(events) == threads * per_thread
    assert len({e.prev_hash for e in events}) == len(events)
    status = verify(app)
    assert status.ok and status.checked == threads * per_thread


def test_record_joins_the_callers_transaction(app: Flask) -> None:
    with Session(get_engine(app).execution_options(collector_write=True)) as session:
        audit.record(session, "test.rolled_back", actor_label="x")
        session.rollback()
    assert chain(app) == []
    with session_scope(app) as session:
        audit.record(session, "test.kept", actor_label="x")
    assert [e.action for e in chain(app)] == ["test.kept"]


def test_record_refuses_a_read_transaction_on_sqlite(app: Flask) -> None:
    if get_engine(app).dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL takes an advisory lock in any transaction")
    with Session(get_engine(app)) as session, pytest.raises(RuntimeError, match="write"):
        audit.record(session, "test.event")


def test_log_in_a_request_takes_the_address(app: Flask) -> None:
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.5"}):
        audit.log("test.event", actor_label="someone")
    (event,) = chain(app)
    assert event.address == "203.0.113.5"


def test_details_are_canonical_json_with_text_kept(app: Flask) -> None:
    with app.app_context():
        audit.log("test.event", actor_label="x", detail={"b": "客家話 𠊎", "a": 1})
    (event,) = chain(app)
    assert event.detail == '{"a":1,"b":"客家話 𠊎"}'
    assert verify(app).ok


def test_verify_command(app: Flask, runner: Any) -> None:
    fill(app, 3)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact: 3 events" in result.output
    assert chain(app)[-1].hash in result.output
    with get_engine(app).begin() as conn:
        drop_append_only_guards(conn)
        conn.execute(text("UPDATE audit_event SET target = 'x' WHERE id = :id"), {"id": 2})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at event 2" in result.output


def test_exports_on_the_command_line_are_audited(app: Flask, runner: Any) -> None:
    result = runner.invoke(args=["export", "citizen-satisfaction", "--agency", "alpha"])
    assert result.exit_code == 0, result.output
    (event,) = chain(app)
    assert event.action == "responses.export"
    assert event.target == "citizen-satisfaction"
    assert event.actor_label.startswith("cli:")
    assert event.agency_id is not None
