"""Staff-survey answers reach plugins' ``response_saved`` as citizens' do: through the
outbox, in the answer's transaction, off the request path, retried when the handler
fails; and the event carries nothing that links the answer to the invitation."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from flask import Flask

from collector.core import plugins as plugin_system
from collector.jobs.worker import drain
from tests.collector.staff_survey.test_views import ADMIN
from tests.collector.staff_survey.test_views import answer
from tests.collector.staff_survey.test_views import create_survey
from tests.collector.staff_survey.test_views import links_by_address
from tests.collector.staff_survey.test_views import outbox
from tests.collector.staff_survey.test_views import post
from tests.collector.staff_survey.test_views import responses
from tests.collector.staff_survey.test_views import staff_csv
from tests.collector.staff_survey.test_views import upload
from tests.helpers import event_plugin
from tests.helpers.database import STAFF
from tests.helpers.web import Auth
from tests.helpers.web import logged_in


@pytest.fixture
def listening_app(
    make_app: Any, clock: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Flask:
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [event_plugin.entry_point()])
    event_plugin.reset(fail_first=True)
    return make_app(
        seed=STAFF,
        CLOCK=clock,
        PLUGINS_LOAD_ENTRY_POINTS=True,
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        RATELIMIT_ENABLED=False,
    )


def invitation_links(app: Flask, staff: int) -> dict[str, str]:
    """A staff survey of ``staff`` people in unit c1, invited: each address's link."""
    admin = app.test_client()
    assert logged_in(Auth(admin).login(ADMIN))
    campaign = create_survey(admin)
    assert upload(admin, campaign, staff_csv(staff, 0)).status_code == 303
    assert post(admin, "invite", campaign).status_code == 303
    return links_by_address(outbox(app))


def test_a_staff_answer_is_an_event_without_token_or_identity(listening_app: Flask) -> None:
    app = listening_app
    path = invitation_links(app, 6)["p3@alpha.example.test"]

    done = answer(app, path)
    assert done.status_code == 200
    [stored] = responses(app)
    # Committed with its event, which became one job; no handler ran in the request.
    assert event_plugin.pending_events(app) == 0
    [job] = event_plugin.jobs(app)
    assert job.status == "queued"
    assert event_plugin.RECEIVED == [] and event_plugin.ATTEMPTS == {}
    # The job names the response and the plugin, no one who asked for it.
    assert set(job.parameters) == {"response_id", "plugin"}
    assert job.parameters["response_id"] == stored.id
    assert job.requested_by is None

    drain(app, scheduled=True)  # the first call fails; the retry delivers
    [job] = event_plugin.jobs(app)
    assert (job.status, job.attempts) == ("done", 2)
    assert event_plugin.ATTEMPTS[stored.id] == 2 and len(event_plugin.ATTEMPTS) == 1
    [event] = event_plugin.RECEIVED
    assert (event.id, event.receipt, event.channel) == (stored.id, stored.receipt, "online")
    assert event.questionnaire.kind == "staff"
    assert event.answers["overall_satisfaction"] == 4
    # Anonymity: the day only, and no token, address or invitation anywhere in it.
    moment = event.submitted_at
    assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)
    token = path.rsplit("/", 1)[1]
    everything = repr({k: v for k, v in dataclasses.asdict(event).items() if k != "questionnaire"})
    assert token not in everything
    assert "alpha.example.test" not in everything
    assert "invitation" not in everything and "token" not in everything
    # The answer stands whatever the handler did: still one response, the link spent.
    assert len(responses(app)) == 1
    assert app.test_client().get(path).status_code == 410


def test_a_failing_handler_never_touches_the_staff_answer(listening_app: Flask) -> None:
    app = listening_app
    event_plugin.reset(fail_first=False)
    links = invitation_links(app, 5)
    with event_plugin.always_failing(app):
        assert answer(app, links["p0@alpha.example.test"]).status_code == 200
        drain(app, scheduled=True)
    [job] = event_plugin.jobs(app)
    assert (job.status, job.attempts) == ("failed", 6)  # retried, then shown as failed
    assert len(responses(app)) == 1
