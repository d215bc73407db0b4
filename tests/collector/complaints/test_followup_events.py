"""A complainant's handling-satisfaction answer reaches plugins' ``response_saved`` as a
citizen's survey answer does: through the outbox, in the answer's transaction, after
the commit, retried when the handler fails, never losing or refusing the answer."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.core import plugins as plugin_system
from collector.core.db import session_scope
from collector.core.models import ComplaintFollowup
from collector.core.models import Response
from collector.jobs.worker import drain
from tests.helpers import complaints as fd
from tests.helpers import event_plugin
from tests.helpers.complaints import FOLLOWUP_SETTINGS
from tests.helpers.database import STAFF


@pytest.fixture
def fapp(make_app: Any, clock: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [event_plugin.entry_point()])
    event_plugin.reset(fail_first=True)
    app = make_app(
        seed=STAFF,
        CLOCK=clock,
        PLUGINS_LOAD_ENTRY_POINTS=True,
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        **FOLLOWUP_SETTINGS,
    )
    app.config["ROADS"] = fd.add_category(app, "alpha", "roads", name_zh="道路", name_en="Roads")
    return app


def _responses(app: Flask) -> list[Response]:
    with session_scope(app) as session:
        return list(session.execute(select(Response)).scalars())


def test_a_followup_answer_is_an_event_delivered_after_a_failure(fapp: Flask) -> None:
    case_id = fd.closed_case(fapp, fapp.config["ROADS"], email="citizen@example.test", name="王")
    link = fd.feedback_links(fapp)[-1]
    client = fapp.test_client()
    page = client.get(link)
    done = client.post(link, data=fd.answer_form(page.text))
    assert done.status_code == 200
    [stored] = _responses(fapp)
    with session_scope(fapp) as session:
        followup = session.execute(
            select(ComplaintFollowup).where(ComplaintFollowup.complaint_id == case_id)
        ).scalar_one()
        assert followup.response_id == stored.id
    assert event_plugin.pending_events(fapp) == 0
    [job] = event_plugin.jobs(fapp)
    assert job.status == "queued" and job.parameters["response_id"] == stored.id
    assert event_plugin.ATTEMPTS == {}  # nothing ran in the complainant's request

    drain(fapp, scheduled=True)
    [job] = event_plugin.jobs(fapp)
    assert (job.status, job.attempts) == ("done", 2)
    [event] = event_plugin.RECEIVED
    assert (event.id, event.receipt, event.channel) == (stored.id, stored.receipt, "online")
    assert event.questionnaire.slug == "complaint-handling"
    assert event.answers["proc_ease"] == fd.ANSWERS["proc_ease"]
    assert len(_responses(fapp)) == 1


def test_a_handler_that_always_fails_leaves_the_answer_stored(fapp: Flask) -> None:
    event_plugin.reset(fail_first=False)
    fd.closed_case(fapp, fapp.config["ROADS"], email="citizen@example.test", name="王")
    link = fd.feedback_links(fapp)[-1]
    client = fapp.test_client()
    with event_plugin.always_failing(fapp):
        page = client.get(link)
        assert client.post(link, data=fd.answer_form(page.text)).status_code == 200
        drain(fapp, scheduled=True)
    [job] = event_plugin.jobs(fapp)
    assert (job.status, job.attempts) == ("failed", 6)
    assert len(_responses(fapp)) == 1
    assert client.get(link).status_code == 410  # the link was spent with the answer
