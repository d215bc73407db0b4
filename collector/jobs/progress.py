"""Waiting for a job on the command line, with a progress bar (rich)."""

from __future__ import annotations

import time

from flask import Flask
from rich.console import Console
from rich.progress import BarColumn
from rich.progress import Progress
from rich.progress import TaskProgressColumn
from rich.progress import TextColumn
from rich.progress import TimeElapsedColumn

from collector.core.models import Job
from collector.jobs import service

POLL_SECONDS = 0.5


def wait(
    app: Flask,
    job_id: int,
    *,
    timeout: float | None = None,
    console: Console | None = None,
    poll: float = POLL_SECONDS,
) -> Job:
    """Show the job's progress until it is done or failed (or ``timeout`` seconds pass);
    return its last state. A bar on a terminal, plain lines elsewhere (rich decides)."""
    console = console or Console(stderr=True)
    deadline = None if timeout is None else time.monotonic() + timeout
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[message]}"),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(f"job {job_id}", total=100, message="")
        while True:
            job = service.get(app, job_id)
            if job is None:
                raise LookupError(f"no job {job_id}")
            message = job.message or job.status
            bar.update(task, completed=job.progress, message=message)
            if job.status in (service.DONE, service.FAILED):
                return job
            if deadline is not None and time.monotonic() >= deadline:
                return job
            time.sleep(poll)
