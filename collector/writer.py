"""Writing responses durably, letting concurrent submissions share one commit.

Each request thread hands its prepared response to the process's writer and
waits. The writer thread takes everything queued, inserts it in one
transaction and commits once, then wakes every waiter: one disk flush serves
many answers, and nobody is acknowledged before their commit. A batch that
fails (e.g. an idempotency key raced) is retried one response at a time, so a
bad neighbour never loses a good answer.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from collector.models import Answer, Response

if TYPE_CHECKING:
    from collector.submission import Prepared

log = logging.getLogger(__name__)

DUPLICATE = "duplicate"


@dataclass
class _Job:
    prepared: Prepared
    done: threading.Event = field(default_factory=threading.Event)
    outcome: str | None = None
    error: BaseException | None = None


def _response_row(p: Prepared) -> dict:
    s = p.submission
    return {
        "receipt": p.receipt,
        "questionnaire_version_id": s.questionnaire.id,
        "agency_id": s.agency.id,
        "unit_id": s.unit.id if s.unit else None,
        "channel": s.channel,
        "language": s.language,
        "started_at": s.started_at,
        "submitted_at": p.submitted_at,
        "idempotency_key": s.idempotency_key,
        "body_hash": p.body_hash,
    }


def insert_batch(engine: Engine, batch: list[Prepared]) -> None:
    """Insert responses and their answers in one transaction; sets ``submission_id``."""
    with engine.begin() as conn:
        ids = (
            conn.execute(
                insert(Response).returning(Response.id, sort_by_parameter_order=True),
                [_response_row(p) for p in batch],
            )
            .scalars()
            .all()
        )
        answers = []
        for p, response_id in zip(batch, ids, strict=True):
            p.submission_id = response_id  # type: ignore[attr-defined]
            answers.extend(
                {
                    "response_id": response_id,
                    "question_key": key,
                    "position": position,
                    "number": number,
                    "text": text,
                }
                for key, position, number, text in p.rows
            )
        if answers:
            conn.execute(insert(Answer), answers)


def _is_idempotency_clash(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "idempotency_key" in text or "uq_response_agency_id_idempotency_key" in text


class DirectWriter:
    """One transaction per response, in the calling thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def write(self, prepared: Prepared) -> str | None:
        try:
            insert_batch(self.engine, [prepared])
        except IntegrityError as exc:
            if _is_idempotency_clash(exc):
                return DUPLICATE
            raise
        return None


class GroupCommitWriter(DirectWriter):
    """A writer thread that commits whatever is queued together (group commit)."""

    def __init__(self, engine: Engine, batch_max: int = 64) -> None:
        super().__init__(engine)
        self.batch_max = batch_max
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def _ensure_thread(self) -> None:
        # Started lazily and again after a fork (gunicorn preloads the app in its master).
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._queue = queue.SimpleQueue()
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="collector-writer", daemon=True
                )
                self._thread.start()

    def write(self, prepared: Prepared) -> str | None:
        self._ensure_thread()
        job = _Job(prepared)
        self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.outcome

    def _run(self) -> None:
        while True:
            jobs = [self._queue.get()]
            while len(jobs) < self.batch_max:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(jobs)

    def _commit(self, jobs: list[_Job]) -> None:
        try:
            insert_batch(self.engine, [j.prepared for j in jobs])
        except Exception:
            if len(jobs) == 1:
                self._single(jobs[0])
                return
            for job in jobs:
                self._single(job)
            return
        for job in jobs:
            job.done.set()

    def _single(self, job: _Job) -> None:
        try:
            job.outcome = super().write(job.prepared)
        except BaseException as exc:
            job.error = exc
        finally:
            job.done.set()


def init_app(app: Flask, engine: Engine) -> None:
    if app.config["WRITER_ENABLED"]:
        writer: DirectWriter = GroupCommitWriter(engine, app.config["WRITER_BATCH_MAX"])
    else:
        writer = DirectWriter(engine)
    app.extensions["collector.writer"] = writer


def get_writer(app: Flask) -> DirectWriter:
    return app.extensions["collector.writer"]
