"""Job kinds for the queue's tests, as a plugin (``jobs_plugin`` fixture), and helpers.

``tests.echo`` writes its ``text`` parameter as its result; ``tests.flaky`` fails
until its ``fail_times``-th attempt (counting in a file, so that every worker
process agrees); ``tests.slow`` reports progress in ``steps`` steps of ``pause``
seconds, then writes ``steps`` lines, recording in ``log`` each start and each run
that got to the end.
"""

from __future__ import annotations

import importlib.metadata
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from collector.core import plugins as plugin_system
from collector.core.db import session_scope
from collector.core.hookspecs import hookimpl
from collector.core.hooktypes import JobKind
from collector.core.models import Agency
from collector.core.models import Job
from collector.jobs import service
from collector.jobs.runner import JobContext
from collector.jobs.worker import drain

REDIS_URL = "redis://127.0.0.1:6379/13"
"""The queue tests' Redis database (each test has its own QUEUE_NAME within it)."""


def _echo(context: JobContext) -> None:
    context.progress(50, "echoing")
    with context.result_file("echo.txt", "text/plain") as out:
        out.write(str(context.parameters["text"]).encode())


def _attempt(counter: Path) -> int:
    """One more attempt, counted in a file every process shares."""
    seen = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(seen + 1))
    return seen + 1


def _flaky(context: JobContext) -> None:
    attempt = _attempt(Path(context.parameters["counter"]))
    if attempt <= int(context.parameters["fail_times"]):
        raise RuntimeError(f"attempt {attempt} failed on purpose")
    with context.result_file("flaky.txt", "text/plain") as out:
        out.write(f"succeeded on attempt {attempt}".encode())


def _slow(context: JobContext) -> None:
    log = Path(context.parameters["log"])
    with log.open("a") as fh:
        fh.write(f"start {os.getpid()}\n")
    steps = int(context.parameters["steps"])
    with context.result_file("slow.txt", "text/plain") as out:
        for step in range(steps):
            time.sleep(float(context.parameters["pause"]))
            out.write(f"line {step}\n".encode())
            context.progress(int(100 * (step + 1) / steps) - 1, f"step {step + 1} of {steps}")
    with log.open("a") as fh:
        fh.write(f"end {os.getpid()}\n")


KINDS = [
    JobKind(name="tests.echo", run=_echo, action="responses.export", title="Echo"),
    JobKind(
        name="tests.flaky",
        run=_flaky,
        action="jobs.monitor",
        title="Flaky",
        retries=2,
        retry_delay=0.0,
    ),
    JobKind(name="tests.slow", run=_slow, action="jobs.monitor", title="Slow", retries=2),
]


@hookimpl
def register_job_kinds() -> list[JobKind]:
    return KINDS


ENTRY_POINT = importlib.metadata.EntryPoint(
    name="jobs-tests", value="tests.helpers.jobs", group="collector"
)


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend this module is an installed plugin (apps made with
    ``PLUGINS_LOAD_ENTRY_POINTS=True`` load it)."""
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [ENTRY_POINT])


def queue_settings(backend: str) -> dict[str, Any]:
    """An app's settings for the queue ``backend`` (``sqlite``: the default file)."""
    if backend == "redis":
        return {"QUEUE_URL": REDIS_URL, "QUEUE_NAME": f"tests-{uuid.uuid4().hex[:12]}"}
    return {}


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


def forget_redis_queue(app: Flask) -> None:
    """Remove a test's keys from the shared Redis database."""
    if str(app.config.get("QUEUE_URL", "")).startswith("redis"):
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"huey.*.{app.config['QUEUE_NAME'].replace('-', '')}*"):
            client.delete(key)


def job_row(app: Flask, job_id: int) -> Job:
    with session_scope(app) as session:
        job = session.execute(select(Job).where(Job.id == job_id)).scalar_one()
        session.expunge(job)
        return job


def make_export_job(app: Flask) -> dict[str, int]:
    """A finished export job of agency alpha, asked for by its analyst (the access matrix's
    ``<job_id>``)."""
    analyst = app.config["PEOPLE"]["analyst@alpha.example.test"]
    with session_scope(app) as session:
        alpha = session.execute(select(Agency.id).where(Agency.code == "alpha")).scalar_one()
    job = service.create(
        app,
        "results.export",
        agency_id=alpha,
        requested_by=analyst,
        parameters={
            "slug": "citizen-satisfaction",
            "format": "csv",
            "language": "en",
            "filename": "citizen-satisfaction-alpha.csv",
            "user_id": analyst,
        },
    )
    drain(app)
    assert job_row(app, job.id or 0).status == "done"
    return {"job_id": job.id or 0}


def queue_app(
    request: pytest.FixtureRequest, make_app: Any, monkeypatch: pytest.MonkeyPatch, **config: Any
) -> Any:
    """An app with these job kinds on the queue ``request.param`` (``sqlite`` or ``redis``,
    skipped when no Redis answers), for a fixture that removes its Redis keys after."""
    if request.param == "redis" and not redis_answers():
        pytest.skip("no Redis answers at 127.0.0.1:6379 (CI starts one)")
    install(monkeypatch)
    return make_app(
        seed="agencies",
        PLUGINS_LOAD_ENTRY_POINTS=True,
        **config,
        **queue_settings(request.param),
    )
