"""The outbox of ``response_saved``: an event row written with the response, in its
transaction, so that no committed response loses its event.

The writer (``collector.answers.writer``) inserts one ``response_event`` row per
stored response in the same statement (PostgreSQL) or transaction (SQLite) as the
response, but only while some plugin implements ``response_saved``. Right after the
commit the request hands the row to the job queue (:func:`dispatch`: in one
transaction it deletes the row and records one job per plugin, then queues them).
If the process dies between the two commits, the row stays, and the job sweeper
(``collector.jobs.worker``, every ``JOBS_SWEEP_SECONDS``) dispatches every row older
than :data:`STALE_SECONDS`. Deleting the row is the claim: of two dispatchers only the
one whose ``DELETE`` removed it records the jobs, so an event is queued once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from flask import Flask
from sqlalchemy import CursorResult
from sqlalchemy import delete
from sqlalchemy import select
from sqlmodel import Field
from sqlmodel import Session
from sqlmodel import SQLModel
from sqlmodel import col

from collector.access.guard import register_global
from collector.access.guard import unscoped
from collector.core.db import get_engine
from collector.core.db import writing
from collector.core.plugins import PluginSet
from collector.jobs import service as jobs

log = logging.getLogger(__name__)

KIND = "answers.response_saved"
STALE_SECONDS = 30.0
"""An event row this old was left by a request that died after its commit."""
WHY = "the response_saved outbox holds response ids only; its jobs carry the agency"


class ResponseEvent(SQLModel, table=True):
    """A committed response whose ``response_saved`` handlers are not queued yet."""

    __tablename__ = "response_event"
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(index=True)
    agency_id: int
    created_at: float = Field(index=True)  # seconds since the epoch


register_global(ResponseEvent)

COLUMNS = ("response_id", "agency_id", "created_at")


def plugin_names(plugins: PluginSet) -> list[str]:
    """The plugins whose ``response_saved`` runs for each response."""
    return [impl.plugin_name for impl in plugins.hook.response_saved.get_hookimpls()]


def dispatch(app: Flask, plugins: PluginSet, response_ids: Iterable[int]) -> int:
    """Turn these responses' event rows into queued jobs, one per plugin; returns how
    many events this call claimed (0 when another dispatcher took them first)."""
    ids = sorted(set(response_ids))
    if not ids:
        return 0
    names = plugin_names(plugins)
    kind = jobs.kind_of(app, KIND)
    claimed: list[tuple[int, int]] = []
    with Session(writing(get_engine(app)), expire_on_commit=False) as session:
        rows = session.execute(
            unscoped(
                select(
                    col(ResponseEvent.id),
                    col(ResponseEvent.response_id),
                    col(ResponseEvent.agency_id),
                ).where(col(ResponseEvent.response_id).in_(ids)),
                WHY,
            )
        ).all()
        made = []
        for event_id, response_id, agency_id in rows:
            result: CursorResult = session.execute(  # type: ignore[assignment]  # a DELETE's result is a CursorResult
                unscoped(delete(ResponseEvent).where(col(ResponseEvent.id) == event_id), WHY)
            )
            if result.rowcount != 1:
                continue  # another dispatcher claimed it
            claimed.append((response_id, agency_id))
            for name in names:
                made.append(
                    jobs.record(
                        session,
                        app,
                        KIND,
                        agency_id=agency_id,
                        parameters={"response_id": response_id, "plugin": name},
                    )
                )
        session.commit()
    # Queued after the commit; a message lost here is queued again by the sweeper
    # (the job row is queued with a grace lease, collector.jobs.service).
    for job in made:
        assert job.id is not None
        jobs.enqueue(app, job.id, kind, retries=kind.retries)
    return len(claimed)


def dispatch_stale(app: Flask, plugins: PluginSet, older_than: float | None = None) -> int:
    """Dispatch the events left behind by requests that died after their commit (rows
    older than ``older_than`` seconds, default :data:`STALE_SECONDS`)."""
    cutoff = time.time() - (STALE_SECONDS if older_than is None else older_than)
    with Session(get_engine(app)) as session:
        ids = list(
            session.execute(
                unscoped(
                    select(col(ResponseEvent.response_id))
                    .where(col(ResponseEvent.created_at) < cutoff)
                    .order_by(col(ResponseEvent.id))
                    .limit(1000),
                    WHY,
                )
            ).scalars()
        )
    if ids:
        log.warning("queueing response_saved of %d response(s) left by a stopped request", len(ids))
    return dispatch(app, plugins, ids)
