"""Which task queue an app uses, chosen by one setting (``QUEUE_URL``).

The queue is huey's: ``SqliteHuey`` on a file of its own beside the app's SQLite
database by default (no server to run; its write lock is not the answers' lock),
``RedisHuey`` for workers on other machines. It carries only job ids: what a job
is, and what became of it, is the ``job`` row (``collector.jobs.service``). The
huey object is made on first use, so an app that never queues work opens no file.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from huey import Huey
from huey import RedisHuey
from huey import SqliteHuey

from collector.core.config import ConfigurationError

EXTENSION = "collector.jobs.queue"
RUNNER = "collector.jobs.runner"
TASK_NAME = "collector.run_job"

_lock = threading.Lock()


def _beside_database(app: Flask, suffix: str) -> Path:
    """A path beside the app's SQLite database file, or in the instance folder."""
    url = str(app.config["DATABASE_URL"])
    if url.startswith("sqlite:///") and ":memory:" not in url:
        database = Path(url.removeprefix("sqlite:///"))
        return database.with_name(f"{database.stem}{suffix}")
    return Path(app.instance_path) / suffix.lstrip("-")


def queue_url(app: Flask) -> str:
    """The queue's address: ``QUEUE_URL``, or the default SQLite file."""
    url = app.config.get("QUEUE_URL")
    if url:
        return str(url)
    return f"sqlite:///{_beside_database(app, '-queue.sqlite3')}"


def is_embedded(app: Flask) -> bool:
    """True for the SQLite queue: it needs no server, and a worker beside the web
    server serves it (``collector serve``)."""
    return queue_url(app).startswith("sqlite:")


def results_dir(app: Flask) -> Path:
    """Where finished jobs' files are kept (``JOBS_RESULTS_DIR``)."""
    configured = app.config.get("JOBS_RESULTS_DIR")
    return Path(configured) if configured else _beside_database(app, "-jobs")


def make_huey(url: str, name: str) -> Huey:
    """A huey object for ``url``: ``sqlite:///path`` or ``redis://host:port/db``."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # fsync: a queued job survives a power cut like the row that records it.
        return SqliteHuey(name, filename=str(path), results=False, fsync=True, timeout=10)
    if scheme in ("redis", "rediss", "unix"):
        try:
            return RedisHuey(name, url=url, results=False, blocking=True, read_timeout=1)
        except Exception as exc:  # huey's ConfigurationError: the redis package is missing
            raise ConfigurationError(
                f"QUEUE_URL {url!r}: {exc} (pip install -e '.[redis]')"
            ) from None
    raise ConfigurationError(
        f"QUEUE_URL must start with sqlite:/// or redis:// (it is {url!r}); see docs/jobs.md"
    )


def get_huey(app: Flask) -> Huey:
    """The app's huey, made on first use with the job-running task registered."""
    return _queue(app)[0]


def get_task(app: Flask) -> Any:
    """The registered task that runs a job by id (a huey ``TaskWrapper``)."""
    return _queue(app)[1]


def _queue(app: Flask) -> tuple[Huey, Any]:
    made: tuple[Huey, Any] | None = app.extensions.get(EXTENSION)
    if made is None:
        with _lock:
            made = app.extensions.get(EXTENSION)
            if made is None:
                huey = make_huey(queue_url(app), str(app.config["QUEUE_NAME"]))
                made = (huey, _register_task(app, huey))
                app.extensions[EXTENSION] = made
    return made


def _register_task(app: Flask, huey: Huey) -> Any:
    """The one task: run a job by id. Its retries are set per job (the kind's) when
    it is queued; the running code is ``collector.jobs.runner.run`` (set by
    ``collector.jobs.init_app``; this module stays below it)."""
    run = app.extensions[RUNNER]

    def run_job(job_id: int, task: Any = None) -> None:
        retries, delay = (task.retries, task.retry_delay) if task is not None else (0, 0.0)
        run(app, job_id, retries, delay)

    return huey.task(name=TASK_NAME, context=True)(run_job)


def close(app: Flask) -> None:
    """Close the queue's connection (tests, shutdown)."""
    made: tuple[Huey, Any] | None = app.extensions.pop(EXTENSION, None)
    if made is not None:
        storage = made[0].storage
        if hasattr(storage, "close"):
            storage.close()
        pool = getattr(storage, "pool", None)
        if pool is not None:
            pool.disconnect()
