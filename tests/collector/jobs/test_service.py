"""Jobs on the queue, on both backends: queued, run, retried, failed, swept, delivered once."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from collector.core.config import ConfigurationError
from collector.jobs import service
from collector.jobs.queue import get_huey
from collector.jobs.queue import is_embedded
from collector.jobs.queue import make_huey
from collector.jobs.queue import queue_url
from collector.jobs.queue import results_dir
from collector.jobs.runner import result_path
from collector.jobs.worker import drain
from tests.helpers import jobs as helpers
from tests.helpers.jobs import job_row


@pytest.fixture(params=["sqlite", "redis"])
def queue_app(
    request: pytest.FixtureRequest, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """An app with the test job kinds, on each queue backend."""
    app = helpers.queue_app(request, make_app, monkeypatch)
    yield app
    helpers.forget_redis_queue(app)


def test_the_default_queue_is_a_sqlite_file_beside_the_database(make_app: Any) -> None:
    app = make_app(seed="agencies")
    database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("on PostgreSQL the tests give each app a queue file of its own")
    assert queue_url(app) == f"sqlite:///{database.with_name(database.stem + '-queue.sqlite3')}"
    assert results_dir(app) == database.with_name(database.stem + "-jobs")
    assert is_embedded(app)


def test_a_queue_url_of_another_kind_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="QUEUE_URL"):
        make_huey("amqp://127.0.0.1/", "x")


def test_a_job_is_queued_run_and_its_file_delivered(queue_app: Flask) -> None:
    job = service.create(queue_app, "tests.echo", agency_id=None, parameters={"text": "𠊎 hello"})
    assert job_row(queue_app, job.id or 0).status == "queued"
    assert len(get_huey(queue_app)) == 1  # one message, carrying the job's id only

    assert drain(queue_app) == 1
    done = job_row(queue_app, job.id or 0)
    assert (done.status, done.progress, done.attempts, done.error) == ("done", 100, 1, None)
    path = result_path(queue_app, done)
    assert path is not None and path.read_text(encoding="utf-8") == "𠊎 hello"
    assert done.result_sha256 == hashlib.sha256("𠊎 hello".encode()).hexdigest()
    assert done.result_size == len("𠊎 hello".encode())
    assert (done.result_name, done.result_type) == ("echo.txt", "text/plain")
    assert sorted(p.name for p in path.parent.iterdir()) == ["echo.txt"]  # no partial file left


def test_an_unknown_kind_is_refused_before_anything_is_queued(queue_app: Flask) -> None:
    with pytest.raises(service.UnknownJobKind, match=r"tests\.nothing"):
        service.create(queue_app, "tests.nothing", agency_id=None)
    assert len(get_huey(queue_app)) == 0


def test_a_failing_job_is_retried_by_huey_until_it_succeeds(
    queue_app: Flask, tmp_path: Path
) -> None:
    counter = tmp_path / "attempts"
    job = service.create(
        queue_app,
        "tests.flaky",
        agency_id=None,
        parameters={"counter": str(counter), "fail_times": 2},
    )
    drain(queue_app, scheduled=True)
    done = job_row(queue_app, job.id or 0)
    assert (done.status, done.attempts, done.error) == ("done", 3, None)
    path = result_path(queue_app, done)
    assert path is not None and path.read_text() == "succeeded on attempt 3"


def test_a_job_that_fails_every_attempt_is_failed_with_its_error(
    queue_app: Flask, tmp_path: Path
) -> None:
    job = service.create(
        queue_app,
        "tests.flaky",
        agency_id=None,
        parameters={"counter": str(tmp_path / "attempts"), "fail_times": 99},
    )
    drain(queue_app, scheduled=True)
    failed = job_row(queue_app, job.id or 0)
    assert (failed.status, failed.attempts, failed.max_attempts) == ("failed", 3, 3)
    assert failed.error == "RuntimeError: attempt 3 failed on purpose"
    assert failed.result_path is None
    assert not (results_dir(queue_app) / str(job.id)).exists() or not any(
        (results_dir(queue_app) / str(job.id)).iterdir()
    )
    assert (tmp_path / "attempts").read_text() == "3"


def test_a_retry_waits_for_its_delay(queue_app: Flask, tmp_path: Path) -> None:
    """Without ``scheduled``, a retry waiting for its delay stays queued."""
    queue_app.extensions["collector.jobs.kinds"].items["tests.flaky"] = service.kind_of(
        queue_app, "tests.flaky"
    ).__class__(**{**vars(service.kind_of(queue_app, "tests.flaky")), "retry_delay": 60.0})
    job = service.create(
        queue_app,
        "tests.flaky",
        agency_id=None,
        parameters={"counter": str(tmp_path / "attempts"), "fail_times": 1},
    )
    drain(queue_app)
    waiting = job_row(queue_app, job.id or 0)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert waiting.error == "RuntimeError: attempt 1 failed on purpose"
    assert get_huey(queue_app).scheduled_count() == 1


def test_a_job_whose_worker_died_is_queued_again_and_runs_once(queue_app: Flask) -> None:
    """A worker claimed the job and vanished: once its lease runs out, the sweep queues
    the job again, and the next worker runs it to the end."""
    queue_app.config["JOBS_LEASE_SECONDS"] = 0.2
    job = service.create(queue_app, "tests.echo", agency_id=None, parameters={"text": "again"})
    get_huey(queue_app).dequeue()  # the message a killed worker took with it
    claimed = service.claim(queue_app, job.id or 0)
    assert claimed is not None and claimed.status == "running"
    assert service.sweep(queue_app) == []  # the lease still holds
    time.sleep(0.3)

    assert service.sweep(queue_app) == [job.id]
    assert service.sweep(queue_app) == []  # queued once, whatever the number of sweepers
    drain(queue_app)
    done = job_row(queue_app, job.id or 0)
    assert (done.status, done.attempts) == ("done", 2)
    # The first worker, had it woken up, delivers nothing: the job is no longer its.
    assert claimed.claim is not None
    assert not service.finish(queue_app, job.id or 0, claimed.claim, None)
    assert not service.report(queue_app, job.id or 0, claimed.claim, 10, "late")


def test_a_job_interrupted_at_every_attempt_fails(queue_app: Flask) -> None:
    queue_app.config["JOBS_LEASE_SECONDS"] = 0.05
    job = service.create(queue_app, "tests.echo", agency_id=None, parameters={"text": "x"})
    for _attempt in range(3):
        assert service.claim(queue_app, job.id or 0) is not None
        time.sleep(0.1)
        service.sweep(queue_app)
    failed = job_row(queue_app, job.id or 0)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert failed.error == "the worker stopped during every attempt"


def test_a_second_claim_of_a_running_job_is_refused(queue_app: Flask) -> None:
    job = service.create(queue_app, "tests.echo", agency_id=None, parameters={"text": "x"})
    assert service.claim(queue_app, job.id or 0) is not None
    assert service.claim(queue_app, job.id or 0) is None
