"""Running one job in a worker: claim it, keep its lease alive, let its kind work,
then deliver the result once or record the error for huey's retry.

A kind's ``run`` gets a :class:`JobContext`: the job's parameters, ``progress``
(which also tells a worker that lost the job to stop) and ``result_file`` (a file
written under a temporary name, moved to its final name only when the job is marked
done: ``collector.jobs.service.finish``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from typing import BinaryIO
from typing import cast

from flask import Flask
from sqlmodel import Session

from collector.access.guard import get_unscoped
from collector.access.identity import actor_for_user
from collector.access.permissions import allowed
from collector.core.hooktypes import Actor
from collector.core.models import Job
from collector.core.models import User
from collector.jobs import service
from collector.jobs.kinds import get_kinds
from collector.jobs.queue import results_dir
from collector.jobs.service import ResultFile

log = logging.getLogger(__name__)

_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"


class JobLost(RuntimeError):
    """This worker no longer holds the job (its lease ran out and another took it)."""


class RequesterRefused(PermissionError):
    """The person who asked for a job may no longer have it done."""


def requester(
    session: Session, user_id: Any, agency_id: int | None, action: str, what: str
) -> Actor:
    """The person who asked for a job (``what``: "this export") as they are now: their
    account, role and agencies when the job runs. A disabled account, or one that lost
    ``action`` on the job's agency, gets nothing (:class:`RequesterRefused`)."""
    user = get_unscoped(session, User, user_id, f"the account that asked for {what}")
    if user is None or not user.active:
        raise RequesterRefused(f"the account that asked for {what} is disabled")
    actor = actor_for_user(user, source="job", db=session)
    if not allowed(actor, action, agency_id):
        raise RequesterRefused(f"the account that asked for {what} may no longer have it")
    return actor


class JobContext:
    """What a kind's ``run`` works with."""

    def __init__(self, app: Flask, job: Job, token: str) -> None:
        self.app = app
        self.job = job
        self.token = token
        self.result: ResultFile | None = None

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.job.parameters)

    def progress(self, percent: int, message: str = "") -> None:
        """Say how far the job got (0-100) and what it is doing; raises JobLost when
        another worker has taken the job over, so the work stops early."""
        assert self.job.id is not None
        if not service.report(self.app, self.job.id, self.token, percent, message):
            raise JobLost(f"job {self.job.id} is no longer held by this worker")

    @contextmanager
    def result_file(self, name: str, media_type: str) -> Iterator[BinaryIO]:
        """Write the job's result: a file opened for writing under a temporary name,
        its size and SHA-256 counted as written. Delivered when the job is done."""
        safe = "".join(c if c in _SAFE else "_" for c in name).strip("._") or "result"
        folder = results_dir(self.app) / str(self.job.id)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{self.token}.{secrets.token_hex(4)}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(partial, "wb") as raw:
                yield cast(BinaryIO, _Counting(raw, digest))
                raw.flush()
                size = raw.tell()
                os.fsync(raw.fileno())  # on disk before it can be delivered
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.result = ResultFile(
            partial=partial,
            final=folder / safe,
            name=name,
            media_type=media_type,
            size=size,
            sha256=digest.hexdigest(),
        )

    def discard(self) -> None:
        if self.result is not None:
            self.result.partial.unlink(missing_ok=True)
            self.result = None


class _Counting:
    """A writable file that feeds the bytes it writes to a digest."""

    def __init__(self, raw: BinaryIO, digest: Any) -> None:
        self._raw = raw
        self._digest = digest

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        return self._raw.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class _Heartbeat(threading.Thread):
    """Renews the job's lease while its kind works (a third of the lease apart)."""

    def __init__(self, app: Flask, job_id: int, token: str) -> None:
        super().__init__(name=f"job-{job_id}-lease", daemon=True)
        self.app, self.job_id, self.token = app, job_id, token
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = max(service.lease_seconds(self.app) / 3, 0.2)
        while not self.stopped.wait(interval):
            try:
                if not service.renew(self.app, self.job_id, self.token):
                    return
            except Exception:  # a busy database: the next beat tries again
                log.warning("could not renew the lease of job %s", self.job_id, exc_info=True)


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def run(app: Flask, job_id: int, retries_left: int, retry_delay: float = 0.0) -> None:
    """Run job ``job_id`` (huey's task body). Raises after a failure that huey will
    retry; returns after success, a final failure, or a job another worker holds."""
    with app.app_context():
        job = service.claim(app, job_id)
        if job is None:
            return
        assert job.claim is not None
        token = job.claim
        kind = get_kinds(app).items.get(job.kind)
        if kind is None:
            service.fail(app, job_id, token, f"no job kind {job.kind!r}", final=True)
            return
        context = JobContext(app, job, token)
        beat = _Heartbeat(app, job_id, token)
        beat.start()
        try:
            kind.run(context)
        except JobLost:
            log.warning("job %s was taken over by another worker; stopping", job_id)
            context.discard()
            return
        except Exception as exc:
            context.discard()
            final = retries_left <= 0 or job.attempts >= job.max_attempts
            service.fail(app, job_id, token, describe(exc), final=final, retry_in=retry_delay)
            if final:
                log.exception("job %s (%s) failed for good", job_id, job.kind)
                return
            raise  # huey schedules the retry, after its delay
        finally:
            beat.stopped.set()
        if not service.finish(app, job_id, token, context.result):
            log.warning("job %s finished after another worker took it: not delivered", job_id)


def result_path(app: Flask, job: Job) -> Path | None:
    """The delivered file of a done job, if it is still there and inside the results folder."""
    if job.status != service.DONE or not job.result_path:
        return None
    path = Path(job.result_path)
    root = results_dir(app).resolve()
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return None
    return path if path.is_file() else None
