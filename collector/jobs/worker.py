"""Workers: huey's consumer on the app's queue, with the sweeper that queues again the
jobs whose worker died, and the worker that ``collector serve`` starts beside the
web server on the embedded (SQLite) queue.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from flask import Flask

from collector.jobs import service
from collector.jobs.kinds import get_kinds
from collector.jobs.queue import get_huey
from collector.jobs.queue import is_embedded

log = logging.getLogger(__name__)

BESIDE_ENV = "COLLECTOR_WORKER_BESIDE"
STOP_SECONDS = 20
"""How long a worker stopping with the server may finish its current job; a job cut
short is run again by the next worker (its lease runs out)."""


def drain(app: Flask, *, scheduled: bool = False) -> int:
    """Run every queued job here, now, one after another (``collector worker --burst``;
    tests), with the retries whose delay is over. With ``scheduled``, retries still
    waiting for their delay run at once too (tests). Returns how many queue messages
    were executed."""
    huey = get_huey(app)
    done = 0
    while True:
        for task in huey.read_schedule(huey._get_timestamp()):
            huey.enqueue(task)
        if scheduled:
            for task in huey.read_schedule(_far_future(huey)):
                task.eta = None  # now, not after its delay
                huey.enqueue(task)
        task = huey.dequeue()
        if task is None:
            return done
        done += 1
        try:
            huey.execute(task)
        except Exception:  # huey logged it; the job row says what happened
            log.debug("job task %s raised", task.id, exc_info=True)


def sweep_kinds(app: Flask) -> None:
    """Each job kind's own ``sweep`` (an outbox's leftovers); one failing stops no other."""
    for kind in get_kinds(app).values():
        if kind.sweep is None:
            continue
        try:
            with app.app_context():
                kind.sweep(app)
        except Exception:
            log.exception("the sweep of job kind %s failed; trying again later", kind.name)


def _far_future(huey: Any) -> Any:
    return huey._get_timestamp().replace(year=9999)


def _sweeping(app: Flask, stop: threading.Event) -> None:
    interval = float(app.config["JOBS_SWEEP_SECONDS"])
    while not stop.is_set():
        try:
            requeued = service.sweep(app)
            if requeued:
                log.warning("queued again after their worker stopped: jobs %s", requeued)
        except Exception:
            log.exception("sweeping stale jobs failed; trying again later")
        sweep_kinds(app)
        stop.wait(interval)


def _watch_parent(parent: int, stop: threading.Event) -> None:
    """A worker started beside the server stops when the server is gone (even killed)."""
    while not stop.wait(1.0):
        if os.getppid() != parent:
            log.warning("the server (pid %s) is gone: stopping this worker", parent)
            os.kill(os.getpid(), signal.SIGINT)  # huey's consumer: a graceful stop
            return


def run_worker(app: Flask, *, threads: int | None = None, parent: int | None = None) -> None:
    """Serve the app's queue until SIGINT (graceful) or SIGTERM; in the main thread."""
    huey = get_huey(app)
    consumer = huey.create_consumer(
        workers=threads or int(app.config["JOBS_WORKER_THREADS"]),
        worker_type="thread",
        periodic=False,
        shutdown_timeout=STOP_SECONDS,
        max_delay=1.0,  # an idle worker looks at the SQLite queue once a second
    )
    stop = threading.Event()
    threading.Thread(target=_sweeping, args=(app, stop), name="jobs-sweeper", daemon=True).start()
    if parent:
        watcher = threading.Thread(
            target=_watch_parent, args=(parent, stop), name="jobs-parent", daemon=True
        )
        watcher.start()
    try:
        consumer.run()
    finally:
        stop.set()


def wants_worker_beside_server(app: Flask) -> bool:
    """``JOBS_WORKER_BESIDE_SERVER``, or by default: on the embedded queue only."""
    setting = app.config.get("JOBS_WORKER_BESIDE_SERVER")
    return is_embedded(app) if setting is None else bool(setting)


def start_beside_server(app: Flask) -> subprocess.Popen[bytes] | None:
    """Start ``collector worker`` as a child of the server process (which it watches)."""
    if not wants_worker_beside_server(app) or os.environ.get(BESIDE_ENV):
        return None
    command = [
        sys.executable,
        "-c",
        "from collector.cli import main; main()",
        "worker",
        "--parent",
        str(os.getpid()),
    ]
    env = {**os.environ, BESIDE_ENV: "1"}
    process = subprocess.Popen(command, env=env)
    log.info("started a job worker beside the server (pid %s)", process.pid)
    return process


def stop_beside_server(process: subprocess.Popen[bytes] | None) -> None:
    """Stop the worker started with the server: gracefully, then for good."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_SECONDS + 5
    while time.monotonic() < deadline:
        try:
            if process.poll() is not None:
                return
        except ChildProcessError:  # gunicorn's arbiter reaped it first
            return
        time.sleep(0.1)
    process.kill()
