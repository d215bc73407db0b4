"""Worker processes: a worker killed mid-job, and the job finished by the next one, once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from collector.core.models import Job
from collector.jobs import service
from collector.jobs.runner import result_path
from collector.jobs.worker import start_beside_server
from collector.jobs.worker import stop_beside_server
from collector.jobs.worker import wants_worker_beside_server
from tests.helpers import jobs as helpers
from tests.helpers.jobs import job_row

ROOT = Path(__file__).resolve().parents[3]
PATIENCE = 60.0  # seconds: a busy 2-core machine may be slow, never this slow


def wait_for(app: Flask, job_id: int, condition: Callable[[Job], bool], what: str) -> Job:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        job = job_row(app, job_id)
        if condition(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"waited {PATIENCE}s for {what}")


@pytest.fixture(params=["sqlite", "redis"])
def queue_app(
    request: pytest.FixtureRequest, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """An app with the test job kinds, on each queue backend."""
    app = helpers.queue_app(
        request, make_app, monkeypatch, JOBS_LEASE_SECONDS=1.5, JOBS_SWEEP_SECONDS=0.5
    )
    yield app
    helpers.forget_redis_queue(app)


def start_worker(app: Flask) -> subprocess.Popen[bytes]:
    keys = ("DATABASE_URL", "QUEUE_URL", "QUEUE_NAME", "JOBS_RESULTS_DIR")
    settings = {k: app.config[k] for k in keys if app.config.get(k)}
    settings.update(
        SECRET_KEY="test",
        JOBS_LEASE_SECONDS=app.config["JOBS_LEASE_SECONDS"],
        JOBS_SWEEP_SECONDS=app.config["JOBS_SWEEP_SECONDS"],
    )
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.jobs_worker", json.dumps(settings)], cwd=ROOT
    )


def test_a_worker_killed_mid_job_leaves_it_to_the_next_which_delivers_it_once(
    queue_app: Flask, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    job = service.create(
        queue_app,
        "tests.slow",
        agency_id=None,
        parameters={"log": str(log), "steps": 10, "pause": 0.3},
    )
    job_id = job.id or 0
    first = start_worker(queue_app)
    try:
        wait_for(
            queue_app,
            job_id,
            lambda j: j.progress >= 29,
            "the first worker to get a third of the way",
        )
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    cut = job_row(queue_app, job_id)
    assert cut.status == "running" and cut.attempts == 1 and cut.result_path is None
    folder = result_path(queue_app, cut)
    assert folder is None  # nothing delivered: only a partial file, under another name

    second = start_worker(queue_app)
    try:
        done = wait_for(
            queue_app,
            job_id,
            lambda j: j.status in ("done", "failed"),
            "the second worker to finish the job",
        )
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(timeout=30)
    assert (done.status, done.attempts, done.progress) == ("done", 2, 100)
    path = result_path(queue_app, done)
    assert path is not None
    assert path.read_text() == "".join(f"line {i}\n" for i in range(10))  # whole, not half
    # Delivered once: one file in the job's folder (the killed attempt's partial file is
    # left under its temporary name only if it was never cleaned: never as the result).
    assert [p.name for p in path.parent.iterdir() if not p.name.startswith(".")] == ["slow.txt"]
    starts = [line for line in log.read_text().splitlines() if line.startswith("start")]
    ends = [line for line in log.read_text().splitlines() if line.startswith("end")]
    assert len(starts) == 2 and len(ends) == 1
    assert ends[0].split()[1] == str(second.pid)


def test_the_server_starts_a_worker_beside_it_on_the_embedded_queue_only(
    make_app: Any,
) -> None:
    app = make_app(seed="agencies")
    assert wants_worker_beside_server(app)
    app.config["QUEUE_URL"] = helpers.REDIS_URL
    assert not wants_worker_beside_server(app)  # workers of their own, elsewhere
    app.config["JOBS_WORKER_BESIDE_SERVER"] = True
    assert wants_worker_beside_server(app)


def test_the_worker_beside_the_server_runs_jobs_and_stops_with_it(make_app: Any) -> None:
    """``collector worker`` as the server starts it, on the app's own configuration."""
    queue_app = make_app(seed="agencies")
    if not str(queue_app.config["DATABASE_URL"]).startswith("sqlite"):
        pytest.skip("the worker finds the queue beside the SQLite database by itself")
    # ``start_beside_server`` in this process: the child runs ``collector worker``.
    env = {"COLLECTOR_DATABASE_URL": queue_app.config["DATABASE_URL"], "COLLECTOR_SECRET_KEY": "x"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        process = start_beside_server(queue_app)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert process is not None
    job = service.create(queue_app, "answers.response_saved", agency_id=None, parameters={})
    # The real worker runs the core's kinds: a response_saved job for a plugin that is not
    # there has nobody to tell, and is done.
    wait_for(queue_app, job.id or 0, lambda j: j.status == "done", "the worker beside the server")
    stop_beside_server(process)
    assert process.poll() is not None
