"""``/staff/evidence``: who may open it, a pack asked for, made on the queue and
downloaded from its job page, a refused period, another agency's jobs unseen; and a
worker killed mid-pack, the pack finished by the next worker and delivered once."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.core.models import Job
from collector.evidence.verify import verify
from collector.evidence.views import period_label
from collector.jobs import service
from collector.jobs.runner import result_path
from collector.jobs.worker import drain
from collector.results.waves import parse_period
from tests.helpers.jobs import forget_redis_queue
from tests.helpers.jobs import job_row
from tests.helpers.jobs import queue_settings
from tests.helpers.jobs import redis_answers
from tests.helpers.web import client_as
from tests.helpers.web import error_summary
from tests.helpers.web import post_form
from tests.helpers.web import who_may_open

ROOT = Path(__file__).resolve().parents[3]
PAGE = "/staff/evidence"


def evidence_jobs(app: Flask) -> list[Job]:
    with session_scope(app) as session:
        jobs = list(session.execute(select(Job).where(Job.kind == "evidence.pack")).scalars())
        session.expunge_all()
        return jobs


def test_who_may_open_the_page(staff_app: Flask) -> None:
    who_may_open(
        staff_app,
        PAGE,
        {
            "admin@alpha.example.test": 200,
            "analyst@alpha.example.test": 200,
            "cases@alpha.example.test": 403,
            "counter@alpha.example.test": 403,
            "ministry@moi.example.test": 403,
            "sysadmin@example.test": 403,
        },
    )


def test_a_pack_is_asked_for_made_on_the_queue_and_downloaded(
    staff_app: Flask, tmp_path: Path
) -> None:
    analyst = client_as(staff_app, "analyst@alpha.example.test")
    page = analyst.get(PAGE + "?lang=en").text
    # Alpha has neither responses nor cases: the periods start today (2026-11-23).
    assert 'value="2026"' in page and 'value="2026H2"' in page and "2026H1" not in page
    assert "No pack has been made yet." in page

    refused = post_form(analyst, PAGE, page=PAGE, period="2019")
    assert refused.status_code == 400
    assert [text for _href, text in error_summary(refused.text).entries] == [
        "Period: Choose a period from the list."
    ]
    assert evidence_jobs(staff_app) == []

    asked = post_form(analyst, PAGE, page=PAGE, period="2026H2")
    assert asked.status_code == 303
    [job] = evidence_jobs(staff_app)
    assert asked.headers["Location"].endswith(f"/staff/jobs/{job.id}")
    assert job.parameters["period"] == "2026H2" and job.parameters["agency"] == "alpha"
    with session_scope(staff_app) as session:
        events = session.execute(
            select(AuditEvent).where(AuditEvent.action == "evidence.generate")
        ).scalars()
        assert [e.target for e in events] == [f"job:{job.id}"]
    # Another agency's analyst sees neither the job on the page nor its job page.
    beta = client_as(staff_app, "analyst@beta.example.test")
    assert "No pack has been made yet." in beta.get(PAGE + "?lang=en").text
    assert beta.get(f"/staff/jobs/{job.id}").status_code == 404

    drain(staff_app)
    done = job_row(staff_app, job.id or 0)
    assert done.status == "done", done.error
    download = analyst.get(f"/staff/jobs/{job.id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    packed = tmp_path / "pack.zip"
    packed.write_bytes(download.data)
    manifest, problems = verify(packed)
    assert problems == []
    assert manifest["parameters"]["agency"] == "alpha"  # type: ignore[index]
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert any(n.endswith("report-zh.pdf") for n in archive.namelist())
    assert f"Job {job.id}" in analyst.get(PAGE).text


def wait_for(app: Flask, job_id: int, condition: Any, what: str, patience: float) -> Job:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        job = job_row(app, job_id)
        if condition(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"waited {patience}s for {what}: {job_row(app, job_id)}")


def start_worker(app: Flask) -> subprocess.Popen[bytes]:
    keys = ("DATABASE_URL", "QUEUE_URL", "QUEUE_NAME", "JOBS_RESULTS_DIR")
    settings = {k: app.config[k] for k in keys if app.config.get(k)}
    settings.update(SECRET_KEY="test", JOBS_LEASE_SECONDS=1.5, JOBS_SWEEP_SECONDS=0.5)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.jobs_worker", json.dumps(settings)],
        cwd=ROOT,
    )


def test_a_worker_killed_mid_pack_leaves_it_to_the_next_which_delivers_it_once(
    make_app: Any,
) -> None:
    app = make_app(seed="agencies", JOBS_LEASE_SECONDS=1.5, JOBS_SWEEP_SECONDS=0.5)
    job = service.create(
        app, "evidence.pack", agency_id=None, parameters={"agency": "alpha", "period": "2026"}
    )
    job_id = job.id or 0
    first = start_worker(app)
    try:
        wait_for(app, job_id, lambda j: j.status == "running" and j.progress >= 5, "a start", 300)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    cut = job_row(app, job_id)
    assert cut.status == "running" and cut.attempts == 1 and cut.result_path is None
    second = start_worker(app)
    try:
        done = wait_for(app, job_id, lambda j: j.status in ("done", "failed"), "the end", 600)
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(timeout=60)
    assert (done.status, done.attempts) == ("done", 2), done.error
    path = result_path(app, done)
    assert path is not None and path.name == "evidence-alpha-2026.zip"
    assert [p.name for p in path.parent.iterdir() if not p.name.startswith(".")] == [path.name]
    _manifest, problems = verify(path)
    assert problems == []


def test_the_page_shows_the_console_navigation_and_account(staff_app: Flask) -> None:
    """The staff layout draws the console's navigation and the account only with ``actor``."""
    html = client_as(staff_app, "analyst@alpha.example.test").get("/staff/evidence").text
    assert 'class="console-nav"' in html and 'class="who"' in html


@pytest.fixture
def redis_staff_app(make_app: Any, clock: Any) -> Iterator[Flask]:
    """``staff_app`` with its task queue on Redis (a queue name of its own in the tests'
    Redis database, removed after), skipped only when no Redis answers."""
    if not redis_answers():
        pytest.skip("no Redis answers at 127.0.0.1:6379 (CI starts one)")
    app = make_app(seed="staff", CLOCK=clock, **queue_settings("redis"))
    yield app
    forget_redis_queue(app)


def test_a_pack_asked_for_in_the_console_is_made_by_a_worker_on_redis(
    redis_staff_app: Flask, tmp_path: Path
) -> None:
    """The task queue on Redis: the console's button enqueues the pack there, a worker in
    a process of its own takes it from Redis, and the coordinator downloads it."""
    app = redis_staff_app
    assert str(app.config["QUEUE_URL"]).startswith("redis://")
    analyst = client_as(app, "analyst@alpha.example.test")
    asked = post_form(analyst, PAGE, page=PAGE, period="2026H2")
    assert asked.status_code == 303
    [job] = evidence_jobs(app)
    worker = start_worker(app)
    try:
        done = wait_for(app, job.id or 0, lambda j: j.status in ("done", "failed"), "the end", 600)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=60)
    assert (done.status, done.attempts) == ("done", 1), done.error
    download = analyst.get(f"/staff/jobs/{job.id}/download")
    assert download.status_code == 200
    packed = tmp_path / "pack.zip"
    packed.write_bytes(download.data)
    manifest, problems = verify(packed)
    assert problems == [] and manifest["parameters"]["period"] == "2026H2"  # type: ignore[index]


def test_the_command_with_queue_waits_for_a_worker_on_redis(
    redis_staff_app: Flask, tmp_path: Path
) -> None:
    """``collector evidence --queue`` enqueues on Redis, a worker makes the pack, and the
    command copies the zip into ``-o`` and prints its path last."""
    app = redis_staff_app
    worker = start_worker(app)
    try:
        result = app.test_cli_runner().invoke(
            args=[
                "evidence",
                "--agency",
                "alpha",
                "--period",
                "2026",
                "--queue",
                "-o",
                str(tmp_path),
            ]
        )
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=60)
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip().splitlines()[-1])
    assert path == (tmp_path / "evidence-alpha-2026.zip").resolve()
    _manifest, problems = verify(path)
    assert problems == []
    [job] = evidence_jobs(app)
    assert (job.status, job.attempts) == ("done", 1)


def test_periods_still_under_way_are_marked_in_the_form(staff_app: Flask) -> None:
    """On 2026-11-23 (the tests' clock) 2026 and its second half are not over: the form
    says so and up to which day their figures go; a period that is over keeps its name."""
    analyst = client_as(staff_app, "analyst@alpha.example.test")
    page = analyst.get(PAGE + "?lang=en").text
    assert ">2026 (ROC 115): still under way, figures to 2026-11-23 only<" in page
    assert ">2026 H2 (ROC 115): still under way, figures to 2026-11-23 only<" in page
    assert "A period still under way is marked" in page
    chinese = analyst.get(PAGE + "?lang=zh-Hant-TW").text
    assert "（尚未結束，資料僅至 2026-11-23）" in chinese
    # A period under way may still be asked for: the coordinator was told what it covers.
    asked = post_form(analyst, PAGE, page=PAGE, period="2026")
    assert asked.status_code == 303
    assert period_label(parse_period("2026H1"), date(2026, 11, 23), "en") == "2026 H1 (ROC 115)"
    assert period_label(parse_period("2026H2"), date(2026, 12, 31), "en").endswith(
        "still under way, figures to 2026-12-31 only"
    )


def test_the_command_says_when_the_period_is_still_under_way(
    staff_app: Flask, tmp_path: Path
) -> None:
    runner = staff_app.test_cli_runner()
    under_way = runner.invoke(
        args=["evidence", "--agency", "alpha", "--period", "115", "-o", str(tmp_path)]
    )
    assert under_way.exit_code == 0, under_way.output
    assert (
        "Note: 2026 is still under way: the pack's figures go to 2026-11-23 only, "
        "not the whole period." in under_way.stderr
    )
    assert under_way.stdout.strip().splitlines()[-1].endswith("evidence-alpha-2026.zip")
    over = runner.invoke(
        args=["evidence", "--agency", "alpha", "--period", "2025", "-o", str(tmp_path)]
    )
    assert over.exit_code == 0, over.output
    assert "under way" not in over.stderr
