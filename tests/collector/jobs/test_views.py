"""The jobs pages: each agency sees its own jobs, downloads are scoped and audited,
administrators see failed jobs; a large export goes through the queue end to end."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.core.models import User
from collector.jobs import service
from collector.jobs.worker import drain
from tests.helpers import jobs as helpers
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.organisation import agency_id
from tests.helpers.web import Auth
from tests.helpers.web import logged_in

ANALYST = "analyst@alpha.example.test"
BETA_ANALYST = "analyst@beta.example.test"


@pytest.fixture
def jobs_app(make_app: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    helpers.install(monkeypatch)
    return make_app(seed="staff", CLOCK=clock, PLUGINS_LOAD_ENTRY_POINTS=True)


def client_for(app: Flask, email: str) -> Any:
    client = app.test_client()
    assert logged_in(Auth(client).login(email))
    return client


def echo_job(app: Flask, agency: str, text: str, *, run: bool = True) -> int:
    job = service.create(
        app, "tests.echo", agency_id=agency_id(app, agency), parameters={"text": text}
    )
    if run:
        drain(app)
    return job.id or 0


def test_staff_see_their_agencys_jobs_and_download_the_result(jobs_app: Flask) -> None:
    mine = echo_job(jobs_app, "alpha", "alpha's file")
    theirs = echo_job(jobs_app, "beta", "beta's file")
    client = client_for(jobs_app, ANALYST)

    page = client.get("/staff/jobs/")
    assert page.status_code == 200
    assert f'href="/staff/jobs/{mine}"' in page.text
    assert f'href="/staff/jobs/{theirs}"' not in page.text
    assert "http-equiv" not in page.text  # nothing running: no reloading

    download = client.get(f"/staff/jobs/{mine}/download")
    assert download.status_code == 200
    assert download.data == b"alpha's file"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "no-store"
    with session_scope(jobs_app) as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "jobs.download")
        ).scalar_one()
    assert event.actor_label == ANALYST and event.target == f"job:{mine}"
    assert event.agency_id == agency_id(jobs_app, "alpha")


def test_another_agencys_job_is_not_found_and_its_file_never_sent(jobs_app: Flask) -> None:
    theirs = echo_job(jobs_app, "beta", "beta's file")
    client = client_for(jobs_app, ANALYST)
    assert client.get(f"/staff/jobs/{theirs}").status_code == 404
    assert client.get(f"/staff/jobs/{theirs}/download").status_code == 404
    assert client.get("/staff/jobs/999999").status_code == 404
    beta = client_for(jobs_app, BETA_ANALYST)
    assert beta.get(f"/staff/jobs/{theirs}/download").data == b"beta's file"


def test_without_the_kinds_permission_a_job_is_forbidden(jobs_app: Flask) -> None:
    job = echo_job(jobs_app, "alpha", "x")  # an export-like job: responses.export
    counter = client_for(jobs_app, "counter@alpha.example.test")
    assert counter.get(f"/staff/jobs/{job}").status_code == 403
    assert counter.get(f"/staff/jobs/{job}/download").status_code == 403
    assert f"/staff/jobs/{job}" not in counter.get("/staff/jobs/").text


def test_a_running_job_page_reloads_itself_without_script(jobs_app: Flask) -> None:
    job = echo_job(jobs_app, "alpha", "later", run=False)
    client = client_for(jobs_app, ANALYST)
    page = client.get(f"/staff/jobs/{job}")
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="5">' in page.text
    assert '<progress max="100" value="0"' in page.text
    assert "<script" not in page.text
    assert client.get(f"/staff/jobs/{job}/download").status_code == 404  # not yet
    drain(jobs_app)
    done = client.get(f"/staff/jobs/{job}")
    assert "http-equiv" not in done.text
    assert f'href="/staff/jobs/{job}/download"' in done.text


def test_administrators_see_failed_jobs_of_their_agency_with_the_error(
    jobs_app: Flask, tmp_path: Path
) -> None:
    for agency in ("alpha", "beta"):
        service.create(
            jobs_app,
            "tests.flaky",
            agency_id=agency_id(jobs_app, agency),
            parameters={"counter": str(tmp_path / agency), "fail_times": 99},
        )
    drain(jobs_app, scheduled=True)
    admin = client_for(jobs_app, "admin@alpha.example.test").get("/staff/jobs/")
    assert admin.text.count("RuntimeError: attempt 3 failed on purpose") == 1
    system = client_for(jobs_app, "sysadmin@example.test").get("/staff/jobs/")
    assert system.text.count("RuntimeError: attempt 3 failed on purpose") == 2
    analyst = client_for(jobs_app, ANALYST).get("/staff/jobs/")
    assert "RuntimeError" not in analyst.text


def test_a_large_export_runs_on_the_queue_and_is_downloaded_from_its_job_page(
    jobs_app: Flask,
) -> None:
    jobs_app.config["EXPORT_BACKGROUND_ROWS"] = 2
    alpha = add_responses(jobs_app, "alpha", "c1", 3)
    add_responses(jobs_app, "beta", "c1", 3)
    client = client_for(jobs_app, ANALYST)
    asked = client.get(
        "/staff/results/export", query_string={"format": "csv", "questionnaire": SLUG}
    )
    assert asked.status_code == 303
    job_page = asked.headers["Location"]
    assert job_page.startswith("/staff/jobs/")
    waiting = client.get(job_page, headers={"Accept-Language": "en"})
    assert waiting.status_code == 200 and '<progress max="100" value="0"' in waiting.text

    drain(jobs_app)
    download = client.get(f"{job_page}/download")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert sorted(r["receipt"] for r in rows) == sorted(alpha)  # alpha's only
    with session_scope(jobs_app) as session:
        asked_event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "responses.export")
        ).scalar_one()
    assert json.loads(asked_event.detail) == {
        "campaign_id": None,
        "format": "csv",
        "job": int(job_page.rsplit("/", 1)[1]),
        "rows": 3,
        "unit_id": None,
    }


def test_a_small_export_is_answered_at_once(jobs_app: Flask) -> None:
    add_responses(jobs_app, "alpha", "c1", 2)
    response = client_for(jobs_app, ANALYST).get(
        "/staff/results/export", query_string={"format": "csv", "questionnaire": SLUG}
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"


def test_an_export_job_of_an_account_disabled_meanwhile_exports_nothing(
    jobs_app: Flask, people: dict[str, int]
) -> None:
    jobs_app.config["EXPORT_BACKGROUND_ROWS"] = 0
    add_responses(jobs_app, "alpha", "c1", 1)
    client = client_for(jobs_app, ANALYST)
    asked = client.get(
        "/staff/results/export", query_string={"format": "csv", "questionnaire": SLUG}
    )
    job_id = int(asked.headers["Location"].rsplit("/", 1)[1])
    with session_scope(jobs_app) as session:
        user = session.get(User, people[ANALYST])
        assert user is not None
        user.active = False
    drain(jobs_app, scheduled=True)
    job = helpers.job_row(jobs_app, job_id)
    assert job.status == "failed" and job.result_path is None
    assert "disabled" in (job.error or "")


def test_the_jobs_pages_show_the_console_navigation_and_account(jobs_app: Flask) -> None:
    """The staff layout draws the console's navigation and the account only with ``actor``."""
    job = echo_job(jobs_app, "alpha", "alpha's file")
    client = client_for(jobs_app, ANALYST)
    for path in ("/staff/jobs/", f"/staff/jobs/{job}"):
        html = client.get(path).text
        assert 'class="console-nav"' in html and 'class="who"' in html, path
