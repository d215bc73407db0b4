"""Background jobs on a task queue (huey: SQLite embedded, Redis for scale); docs/jobs.md.

``service.create(app, kind, ...)`` records a job and queues it; a worker
(``collector worker``, or the one ``collector serve`` starts) runs it through its
kind's ``run`` (``register_job_kinds``), which reports progress and writes its result
file; the console's ``/staff/jobs`` shows it and offers the file.
"""

from __future__ import annotations

from flask import Flask

from collector.core.plugins import PluginSet
from collector.jobs import kinds
from collector.jobs import queue
from collector.jobs import runner


def init_app(app: Flask, plugin_set: PluginSet) -> None:
    """Collect the job kinds; the queue itself is opened on first use."""
    kinds.init_app(app, plugin_set)
    app.extensions[queue.RUNNER] = runner.run
