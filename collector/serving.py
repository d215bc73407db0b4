"""Recommended gunicorn settings, shared by ``collector serve`` and ``gunicorn.conf.py``.

Threads let concurrent submissions in one worker share a group commit
(collector.answers.writer); the app is preloaded once so migrations and questionnaire
publishing run in the master, not in every worker at once.

The defaults are for a small server (measured on 2 cores, see bench/README.md):
on PostgreSQL one worker process per core, on SQLite one process (see
:func:`default_workers`), each with enough threads that every request waiting
for its commit leaves room for others to be parsed and validated. The database
connections the master opened while preloading are closed before it forks, so no
worker ever shares a connection (or a SQLite file lock) with another process. With
more than one worker, rate limits are counted in a store every worker shares
(``collector.access.ratelimit``): an in-memory default turns into the database.
On the embedded task queue the master also starts one job worker beside the web
workers (``when_ready``) and stops it when the server stops (``on_exit``).
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from flask import Flask

from collector.access.ratelimit import get_limiter
from collector.jobs.worker import start_beside_server
from collector.jobs.worker import stop_beside_server


def default_workers(database_url: str | None = None) -> int:
    """Worker processes when COLLECTOR_WORKERS does not say.

    PostgreSQL: two, one per core of the small server this is tuned for. SQLite
    (the default database, also when the URL is not in the environment): one. A
    SQLite file takes one writer at a time, and each commit waits for its flush:
    a second process only takes turns with the first (measured: the same
    submissions/s with one worker as with two), while one process puts every
    concurrent submission into the same commit.
    """
    url = database_url if database_url is not None else os.environ.get("COLLECTOR_DATABASE_URL")
    return 2 if (url or "").startswith("postgres") else 1


def on_loopback(bind: str) -> bool:
    """True when gunicorn's ``bind`` (``host:port``, ``[::1]:port``, ``unix:path``, several
    separated by commas) listens on this machine only. A server that does may run without
    ``PUBLIC_BASE_URL`` (a trial: links point to http://127.0.0.1:5000); any other is
    production and refuses to start without it. A Unix socket is production (a proxy
    serves it to the network)."""
    for address in bind.split(","):
        address = address.strip()
        if address.startswith("unix:") or not address:
            return False
        host = address.rpartition(":")[0] if ":" in address else address
        host = host.strip("[]")
        if host == "localhost":
            continue
        try:
            if not ipaddress.ip_address(host).is_loopback:
                return False
        except ValueError:  # a host name: where it points is not ours to know
            return False
    return True


def settings(database_url: str | None = None) -> dict[str, object]:
    """The settings for the database at ``database_url`` (default: COLLECTOR_DATABASE_URL)."""
    workers = os.environ.get("COLLECTOR_WORKERS")
    return {
        "bind": os.environ.get("COLLECTOR_BIND", "127.0.0.1:5000"),
        "workers": int(workers) if workers else default_workers(database_url),
        "worker_class": "gthread",
        "threads": int(os.environ.get("COLLECTOR_THREADS", "16")),
        "preload_app": True,
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        "max_requests": 0,
        "accesslog": os.environ.get("COLLECTOR_ACCESS_LOG") or None,
        "errorlog": "-",
        "loglevel": os.environ.get("COLLECTOR_LOG_LEVEL", "info"),
    }


SETTINGS: dict[str, object] = settings()


def _app_of(obj: Any) -> Flask | None:
    """The preloaded app held by a gunicorn arbiter or worker."""
    app = getattr(obj, "app", None)  # gunicorn's Application: the loaded WSGI app is .callable
    flask_app = getattr(obj, "wsgi", None) or getattr(app, "callable", None)
    return flask_app if isinstance(flask_app, Flask) else None


def _engine_of(obj: Any) -> Any:
    """The collector engine of the preloaded app held by a gunicorn arbiter or worker."""
    flask_app = _app_of(obj)
    return flask_app.extensions.get("collector.engine") if flask_app is not None else None


def pre_fork(server: object, worker: object) -> None:
    """Close the master's own connections (from preloading) before a worker is forked."""
    engine = _engine_of(server)
    if engine is not None:
        engine.dispose()


def post_fork(server: object, worker: object) -> None:
    """A forked worker must not share the master's database connections, and counts
    rate limits where its sibling workers do."""
    engine = _engine_of(worker) or _engine_of(server)
    if engine is not None:
        engine.dispose(close=False)
    flask_app = _app_of(worker) or _app_of(server)
    workers = getattr(getattr(server, "cfg", None), "workers", 1)
    if flask_app is not None:
        get_limiter(flask_app).share(int(workers))


_BESIDE: dict[int, Any] = {}
"""The job worker each arbiter started (by the arbiter's pid)."""


def when_ready(server: object) -> None:
    """On the embedded (SQLite) queue, start a job worker beside the server
    (``collector.jobs.worker``): the one command serves pages and runs jobs."""
    flask_app = _app_of(server)
    if flask_app is not None:
        _BESIDE[os.getpid()] = start_beside_server(flask_app)


def on_exit(server: object) -> None:
    """The worker started with the server stops with it."""
    stop_beside_server(_BESIDE.pop(os.getpid(), None))


HOOKS = {"pre_fork": pre_fork, "post_fork": post_fork, "when_ready": when_ready, "on_exit": on_exit}
SETTINGS.update(HOOKS)
