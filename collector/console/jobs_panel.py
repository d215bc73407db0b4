"""The console's panel of failed background jobs, for administrators (``jobs.monitor``):
an export or a report that stopped for good needs someone to look at its error.

It lives here rather than in ``collector.jobs`` because jobs sits below the console in
the package order (tests/collector/test_imports.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from flask import current_app
from flask import url_for
from sqlalchemy import select
from sqlmodel import col

from collector.access.scoped import scoped
from collector.console.panels import ListPanel
from collector.console.panels import PanelRow
from collector.core import clock
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import gettext
from collector.core.i18n import lazy_gettext
from collector.core.models import Job
from collector.jobs import service
from collector.jobs.kinds import get_kinds

MONITOR = "jobs.monitor"
RECENT_DAYS = 14
"""Failed jobs older than this are history (the jobs page still lists them)."""


def failed_jobs(actor: Actor, days: int = RECENT_DAYS) -> list[Job]:
    """The failed jobs of the actor's agencies finished in the last ``days`` days, newest first."""
    since = clock.now() - timedelta(days=days)
    query = (
        select(Job)
        .where(col(Job.status) == service.FAILED, col(Job.finished_at) >= since)
        .order_by(col(Job.finished_at).desc(), col(Job.id).desc())
    )
    return list(get_session().execute(scoped(query, MONITOR, actor)).scalars())


class FailedJobsPanel(ListPanel):
    name = "failed_jobs"
    title = lazy_gettext("Failed background jobs")
    area = "administer"
    action = MONITOR
    order = 40
    empty = lazy_gettext("No background job has failed in the last two weeks.")

    def rows(self, actor: Actor) -> Sequence[PanelRow]:
        kinds = dict(get_kinds(current_app._get_current_object()).items)  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
        return [
            PanelRow(
                gettext(
                    "Job %(id)s: %(kind)s",
                    id=job.id,
                    kind=str(kinds[job.kind].title) if job.kind in kinds else job.kind,
                ),
                url_for("jobs.job_page", job_id=job.id),
                gettext(
                    "failed %(time)s after %(attempts)s attempts",
                    time=job.finished_at.strftime("%Y-%m-%d %H:%M UTC") if job.finished_at else "–",
                    attempts=job.attempts,
                ),
                "overdue",
            )
            for job in failed_jobs(actor)
        ]

    def more(self, actor: Actor) -> str | None:
        return url_for("jobs.index")
