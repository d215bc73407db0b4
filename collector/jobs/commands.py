"""``collector worker`` and ``collector jobs``: serving the queue, and watching jobs."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.guard import unscoped
from collector.core.commands import prepare_database
from collector.core.db import get_engine
from collector.core.models import JOB_STATUSES
from collector.core.models import Job
from collector.jobs import progress
from collector.jobs import service
from collector.jobs.queue import queue_url
from collector.jobs.worker import drain
from collector.jobs.worker import run_worker


@click.command()
@click.option("--threads", type=int, default=None, help="Jobs run at once (JOBS_WORKER_THREADS).")
@click.option("--burst", is_flag=True, help="Run the jobs queued now, then exit.")
@click.option("--parent", type=int, default=None, hidden=True)  # collector serve's own worker
@with_appcontext
def worker(threads: int | None, burst: bool, parent: int | None) -> None:
    """Run background jobs from the queue (QUEUE_URL) until stopped (Ctrl-C)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    if parent is None:
        prepare_database(app)  # beside the server, the server has done it
    if burst:
        service.sweep(app)
        count = drain(app)
        click.echo(f"Ran {count} queued job messages from {queue_url(app)}", err=True)
        return
    click.echo(f"Worker on {queue_url(app)}; Ctrl-C stops it.", err=True)
    run_worker(app, threads=threads, parent=parent)


@click.group()
def jobs() -> None:
    """Background jobs: list them, wait for one."""


@jobs.command("list")
@click.option("--status", type=click.Choice(JOB_STATUSES), default=None)
@click.option("--limit", type=int, default=50, show_default=True)
@with_appcontext
def list_jobs(status: str | None, limit: int) -> None:
    """The latest jobs, newest first: id, kind, status, progress, attempts, message or error."""
    statement = select(Job).order_by(col(Job.id).desc()).limit(limit)
    if status:
        statement = statement.where(col(Job.status) == status)
    with Session(get_engine(current_app)) as session:
        rows = session.execute(unscoped(statement, "the command line sees every job")).scalars()
        for job in rows:
            note = job.error if job.status == service.FAILED else job.message
            click.echo(
                f"{job.id}\t{job.kind}\t{job.status}\t{job.progress}%\t"
                f"{job.attempts}/{job.max_attempts}\t{note or ''}"
            )


@jobs.command("wait")
@click.argument("job_id", type=int)
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds.")
@with_appcontext
def wait_job(job_id: int, timeout: float | None) -> None:
    """Show job JOB_ID's progress until it ends; print its result file's path."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    try:
        job = progress.wait(app, job_id, timeout=timeout)
    except LookupError as exc:
        raise click.BadParameter(str(exc)) from None
    if job.status == service.FAILED:
        raise click.ClickException(f"job {job_id} failed: {job.error}")
    if job.status != service.DONE:
        raise click.ClickException(f"job {job_id} is still {job.status}")
    click.echo(job.result_path or "")
