"""``response_saved`` through the outbox (collector.answers.outbox): the event row is
written with the response, dispatched to the job queue after the commit, and a
process that dies in between loses nothing: the sweeper queues the event once."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from collector.answers import outbox
from collector.answers.outbox import ResponseEvent
from collector.core import plugins as plugin_system
from collector.core.db import session_scope
from collector.core.models import Job
from collector.core.models import Response
from collector.jobs.worker import drain
from collector.jobs.worker import sweep_kinds
from surveys.examples import CITIZEN_ANSWERS
from tests.helpers import example_plugin

BODY = {
    "questionnaire": "example-postal",
    "agency": "alpha",
    "answers": {"postal": "100", "score": 4},
}


@pytest.fixture
def event_app(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    ep = importlib.metadata.EntryPoint(
        name="example", value="tests.helpers.example_plugin", group="collector"
    )
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [ep])
    example_plugin.SEEN["saved"].clear()
    return make_app(seed="agencies", PLUGINS_LOAD_ENTRY_POINTS=True)


def counts(app: Flask) -> tuple[int, int, int]:
    """(responses, outbox rows, response_saved jobs)."""
    with session_scope(app) as session:
        return (
            session.execute(select(func.count()).select_from(Response)).scalar_one(),
            session.execute(select(func.count()).select_from(ResponseEvent)).scalar_one(),
            session.execute(
                select(func.count()).select_from(Job).where(Job.kind == outbox.KIND)
            ).scalar_one(),
        )


def test_the_event_is_dispatched_right_after_the_commit(event_app: Flask) -> None:
    sent = event_app.test_client().post("/api/v1/responses", json=BODY)
    assert sent.status_code == 201
    assert counts(event_app) == (1, 0, 1)  # the row became one job (one plugin handles it)
    assert example_plugin.SEEN["saved"] == []
    drain(event_app)
    assert example_plugin.SEEN["saved"] == [sent.get_json()["receipt"]]


def test_a_crash_between_commit_and_queueing_loses_no_event(
    event_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the process died after the response's commit")

    monkeypatch.setattr(outbox, "dispatch", crash)
    sent = event_app.test_client().post("/api/v1/responses", json=BODY)
    assert sent.status_code == 201  # the citizen's answer is kept and acknowledged
    assert counts(event_app) == (1, 1, 0)  # committed with its event, nothing queued
    monkeypatch.undo()
    monkeypatch.setattr(outbox, "STALE_SECONDS", 0.0)
    plugins = plugin_system.get_plugins(event_app)
    sweep_kinds(event_app)  # what the worker's sweeper does every JOBS_SWEEP_SECONDS
    assert counts(event_app)[1:] == (0, 1)
    assert outbox.dispatch_stale(event_app, plugins, older_than=0) == 0  # queued once only
    drain(event_app)
    assert example_plugin.SEEN["saved"] == [sent.get_json()["receipt"]]


def test_a_fresh_event_is_left_to_its_request(
    event_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "dispatch", lambda *a, **k: 0)
    assert event_app.test_client().post("/api/v1/responses", json=BODY).status_code == 201
    monkeypatch.undo()
    sweep_kinds(event_app)  # younger than STALE_SECONDS: its request may still queue it
    assert counts(event_app) == (1, 1, 0)


def test_no_outbox_row_without_a_response_saved_handler(make_app: Any) -> None:
    app = make_app(seed="agencies")
    body = {"questionnaire": "citizen-satisfaction", "agency": "alpha", "answers": CITIZEN_ANSWERS}
    sent = app.test_client().post("/api/v1/responses", json=body)
    assert sent.status_code == 201, sent.get_json()
    assert counts(app) == (1, 0, 0)
