"""Recommended gunicorn settings, shared by ``collector serve`` and ``gunicorn.conf.py``.

Threads let concurrent submissions in one worker share a group commit
(collector.writer); the app is preloaded once so migrations and questionnaire
publishing run in the master, not in every worker at once.
"""

from __future__ import annotations

import os

SETTINGS: dict[str, object] = {
    "bind": os.environ.get("COLLECTOR_BIND", "127.0.0.1:5000"),
    "workers": int(os.environ.get("COLLECTOR_WORKERS", "2")),
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


def post_fork(server: object, worker: object) -> None:
    """A forked worker must not share the master's database connections."""
    from flask import Flask

    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask):
        engine = app.extensions.get("collector.engine")
        if engine is not None:
            engine.dispose(close=False)
