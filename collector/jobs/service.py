"""The job record's life: created and queued, claimed by a worker under a lease,
advanced, finished with its result (exactly once) or failed, queued again when its
worker died.

Every change is one compare-and-set ``UPDATE`` on the ``job`` row: a worker acts on
a job only while it holds the claim token it got when it claimed the job and the
job is still running, so a worker that lost its lease (it stalled, another took
over) changes nothing, and two sweepers never queue the same job twice.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import CursorResult
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlmodel import Session
from sqlmodel import col

from collector.access.guard import unscoped
from collector.core.clock import utcnow
from collector.core.db import get_engine
from collector.core.db import session_scope
from collector.core.db import writing
from collector.core.hooktypes import JobKind
from collector.core.models import Job
from collector.jobs.kinds import get_kinds
from collector.jobs.queue import get_huey
from collector.jobs.queue import get_task

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"

QUEUED_GRACE_LEASES = 10
"""A queued job whose message is not taken within this many leases is queued again
(its message was lost with a worker killed between taking it and claiming the job);
a second message for a job is harmless: only one claim succeeds."""

MAX_ERROR = 2000
MAX_MESSAGE = 200

WHY = "background jobs: a job by its id (the console reads them scoped)"


class UnknownJobKind(ValueError):
    """No plugin registered a job kind of that name."""


@dataclass(frozen=True)
class ResultFile:
    """A finished job's file, written in full under ``partial`` and moved to ``final``."""

    partial: Path
    final: Path
    name: str
    media_type: str
    size: int
    sha256: str


def lease_seconds(app: Flask) -> float:
    return float(app.config["JOBS_LEASE_SECONDS"])


def _update(session: Session, job_id: int, *where: Any, **values: Any) -> int:
    statement = update(Job).where(col(Job.id) == job_id, *where).values(**values)
    result: CursorResult[Any] = session.execute(unscoped(statement, WHY))  # type: ignore[assignment]  # an UPDATE's result is a CursorResult
    return int(result.rowcount)


def kind_of(app: Flask, name: str) -> JobKind:
    kinds = get_kinds(app)
    if name not in kinds:
        raise UnknownJobKind(f"no job kind {name!r}; registered: {sorted(kinds)}")
    return kinds[name]


def create(
    app: Flask,
    kind: str,
    *,
    agency_id: int | None,
    requested_by: int | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> Job:
    """Record a job and queue it; return the stored row."""
    with session_scope(app) as session:
        job = record(
            session,
            app,
            kind,
            agency_id=agency_id,
            requested_by=requested_by,
            parameters=parameters,
        )
    assert job.id is not None
    job_kind = kind_of(app, kind)
    enqueue(app, job.id, job_kind, retries=job_kind.retries)
    return job


def record(
    session: Session,
    app: Flask,
    kind: str,
    *,
    agency_id: int | None,
    requested_by: int | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> Job:
    """Record a job in the caller's transaction, not queued yet: the caller commits, then
    calls :func:`enqueue`. A message never sent (the process died in between) is sent by
    the sweeper once the job's grace lease runs out, so the job is never lost."""
    job_kind = kind_of(app, kind)
    job = Job(
        kind=kind,
        agency_id=agency_id,
        requested_by=requested_by,
        parameters=dict(parameters or {}),
        max_attempts=job_kind.retries + 1,
        lease_until=time.time() + QUEUED_GRACE_LEASES * lease_seconds(app),
    )
    session.add(job)
    session.flush()
    return job


def enqueue(app: Flask, job_id: int, kind: JobKind, *, retries: int) -> None:
    """Put a message for the job on the queue, with huey retrying it ``retries`` times."""
    task = get_task(app).s(
        job_id,
        retries=max(retries, 0),
        retry_delay=kind.retry_delay,
        retry_backoff=kind.retry_backoff,
    )
    get_huey(app).enqueue(task)


def get(app: Flask, job_id: int) -> Job | None:
    with Session(get_engine(app), expire_on_commit=False) as session:
        return session.execute(unscoped(select(Job).where(col(Job.id) == job_id), WHY)).scalar()


def claim(app: Flask, job_id: int) -> Job | None:
    """Take the job for this worker: a fresh token and lease, one more attempt. None when
    it is done, failed, or running under another worker's live lease."""
    now = time.time()
    token = secrets.token_hex(16)
    with session_scope(app) as session:
        job = session.execute(unscoped(select(Job).where(col(Job.id) == job_id), WHY)).scalar()
        if job is None or job.status in (DONE, FAILED):
            return None
        if job.attempts >= job.max_attempts:
            _update(
                session,
                job_id,
                col(Job.status).in_((QUEUED, RUNNING)),
                status=FAILED,
                error=job.error or "every attempt was interrupted",
                claim=None,
                lease_until=None,
                finished_at=utcnow(),
            )
            return None
        taken = _update(
            session,
            job_id,
            or_(
                col(Job.status) == QUEUED,
                (col(Job.status) == RUNNING) & (col(Job.lease_until) < now),
            ),
            status=RUNNING,
            claim=token,
            attempts=Job.attempts + 1,
            lease_until=now + lease_seconds(app),
            started_at=job.started_at or utcnow(),
        )
    return get(app, job_id) if taken else None


def _held(token: str) -> tuple[Any, ...]:
    return (col(Job.claim) == token, col(Job.status) == RUNNING)


def renew(app: Flask, job_id: int, token: str) -> bool:
    """Extend the lease; False when this worker no longer holds the job."""
    with session_scope(app) as session:
        return bool(
            _update(session, job_id, *_held(token), lease_until=time.time() + lease_seconds(app))
        )


def report(app: Flask, job_id: int, token: str, percent: int, message: str) -> bool:
    """Record progress (and renew the lease); False when the job is no longer ours."""
    with session_scope(app) as session:
        return bool(
            _update(
                session,
                job_id,
                *_held(token),
                progress=max(0, min(100, int(percent))),
                message=message[:MAX_MESSAGE],
                lease_until=time.time() + lease_seconds(app),
            )
        )


def finish(app: Flask, job_id: int, token: str, result: ResultFile | None) -> bool:
    """Mark the job done and deliver its file, in one step, once.

    The file was written in full under a temporary name; it is renamed to its final
    name inside the transaction that marks the job done, before that commits. A
    worker that no longer holds the job delivers nothing (its file is removed); a
    commit that fails leaves a complete file that the next attempt replaces.
    """
    values: dict[str, Any] = {
        "status": DONE,
        "progress": 100,
        "error": None,
        "claim": None,
        "lease_until": None,
        "finished_at": utcnow(),
    }
    if result is not None:
        values.update(
            result_path=str(result.final),
            result_name=result.name,
            result_type=result.media_type,
            result_size=result.size,
            result_sha256=result.sha256,
        )
    with Session(writing(get_engine(app)), expire_on_commit=False) as session:
        done = _update(session, job_id, *_held(token), **values)
        if not done:
            session.rollback()
            if result is not None:
                result.partial.unlink(missing_ok=True)
            return False
        if result is not None:
            os.replace(result.partial, result.final)
        session.commit()
    return True


def fail(
    app: Flask, job_id: int, token: str, error: str, *, final: bool, retry_in: float = 0.0
) -> bool:
    """Record an attempt's error: the job failed for good, or waits for huey's retry."""
    values: dict[str, Any] = {"error": error[:MAX_ERROR], "claim": None}
    if final:
        values.update(status=FAILED, lease_until=None, finished_at=utcnow())
    else:
        values.update(
            status=QUEUED,
            lease_until=time.time() + retry_in + QUEUED_GRACE_LEASES * lease_seconds(app),
        )
    with session_scope(app) as session:
        return bool(_update(session, job_id, *_held(token), **values))


def sweep(app: Flask) -> list[int]:
    """Queue again every job whose lease ran out (its worker died, or its message was
    lost); fail the ones with no attempt left. Returns the ids queued again."""
    now = time.time()
    with Session(get_engine(app), expire_on_commit=False) as session:
        stale = list(
            session.execute(
                unscoped(
                    select(Job).where(
                        col(Job.status).in_((QUEUED, RUNNING)), col(Job.lease_until) < now
                    ),
                    WHY,
                )
            ).scalars()
        )
    requeued = []
    for job in stale:
        assert job.id is not None
        same = (col(Job.status) == job.status, col(Job.lease_until) == job.lease_until)
        with session_scope(app) as session:
            if job.status == RUNNING and job.attempts >= job.max_attempts:
                _update(
                    session,
                    job.id,
                    *same,
                    status=FAILED,
                    error=job.error or "the worker stopped during every attempt",
                    claim=None,
                    lease_until=None,
                    finished_at=utcnow(),
                )
                continue
            taken = _update(
                session,
                job.id,
                *same,
                status=QUEUED,
                claim=None,
                lease_until=now + QUEUED_GRACE_LEASES * lease_seconds(app),
            )
        if taken and job.kind in get_kinds(app):
            kind = get_kinds(app)[job.kind]
            enqueue(app, job.id, kind, retries=job.max_attempts - job.attempts - 1)
            requeued.append(job.id)
    return requeued
