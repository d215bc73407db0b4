"""Background jobs in the staff console (``/staff/jobs``).

- ``/staff/jobs``: the jobs of each kind in the agencies where the actor may do that
  kind's action (an export: ``responses.export``), with their progress; to those who
  may ``jobs.monitor`` (administrators), every job of their agencies and the errors of
  the failed ones.
- ``/staff/jobs/<id>``: one job and its progress (the page reloads itself with a meta
  refresh, no script, until the job ends), and its download link when done.
- ``/staff/jobs/<id>/download``: the result file, audited.

Both object pages need the job kind's action in the job's agency: 404 for another
agency's job, 403 inside the actor's tree without the action.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import render_template
from flask import send_file
from sqlalchemy import select
from sqlmodel import col

from collector.access import audit
from collector.access.guard import unscoped
from collector.access.identity import current_actor
from collector.access.permissions import may_somewhere
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.hooktypes import JobKind
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_pgettext
from collector.core.models import Agency
from collector.core.models import Job
from collector.jobs import service
from collector.jobs.kinds import get_kinds
from collector.jobs.runner import result_path

bp = Blueprint("jobs", __name__, url_prefix="/staff/jobs", template_folder="templates")
staff_area(bp)

LIST_LIMIT = 100
REFRESH_SECONDS = 5

STATUS_LABELS = {
    service.QUEUED: lazy_pgettext("job status", "Queued"),
    service.RUNNING: lazy_pgettext("job status", "Running"),
    service.DONE: lazy_pgettext("job status", "Done"),
    service.FAILED: lazy_pgettext("job status", "Failed"),
}
"""Each job status as the pages name it."""

UNKNOWN_KIND = lazy_gettext("Work no longer known to this installation")


@bp.context_processor
def _layout_actor() -> dict[str, Any]:
    """The staff layout shows the console's navigation and the account only with ``actor``."""
    return {"actor": current_actor()}


def _actor() -> Actor:
    actor = current_actor()
    if actor is None:
        abort(401)
    return actor


def _kinds() -> dict[str, JobKind]:
    from_app = get_kinds(bp_app())
    return dict(from_app.items)


def bp_app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy


def _visible_jobs(actor: Actor) -> list[Job]:
    """Each kind's jobs where the actor may do its action; all jobs where it may monitor."""
    db = get_session()
    found: dict[int, Job] = {}
    by_action: dict[str, list[str]] = {}
    for name, kind in _kinds().items():
        by_action.setdefault(kind.action, []).append(name)
    queries = [
        select(Job).where(col(Job.kind).in_(names))
        for action, names in by_action.items()
        if may_somewhere(actor, action)
    ]
    actions = [action for action in by_action if may_somewhere(actor, action)]
    if may_somewhere(actor, "jobs.monitor"):
        queries.append(select(Job))
        actions.append("jobs.monitor")
    for statement, action in zip(queries, actions, strict=True):
        newest = statement.order_by(col(Job.id).desc()).limit(LIST_LIMIT)
        for job in db.execute(scoped(newest, action, actor)).scalars():
            assert job.id is not None
            found[job.id] = job
    return sorted(found.values(), key=lambda j: j.id or 0, reverse=True)[:LIST_LIMIT]


def _agency_codes(actor: Actor) -> dict[int, str]:
    rows = get_session().execute(scoped(select(Agency), "console.use", actor)).scalars()
    return {a.id: a.code for a in rows if a.id is not None}


def _kind_title(job: Job) -> Any:
    kind = _kinds().get(job.kind)
    return kind.title if kind is not None else UNKNOWN_KIND


def _mine(job: Job, actor: Actor) -> bool:
    kind = _kinds().get(job.kind)
    return kind is not None and may_somewhere(actor, kind.action)


@bp.get("/")
def index() -> Any:
    actor = _actor()
    jobs = _visible_jobs(actor)
    active = any(j.status in (service.QUEUED, service.RUNNING) for j in jobs)
    return render_template(
        "jobs/index.html",
        jobs=[j for j in jobs if j.status != service.FAILED or _mine(j, actor)],
        failed=[j for j in jobs if j.status == service.FAILED]
        if may_somewhere(actor, "jobs.monitor")
        else [],
        monitor=may_somewhere(actor, "jobs.monitor"),
        refresh=REFRESH_SECONDS if active else None,
        kind_title=_kind_title,
        statuses=STATUS_LABELS,
        agency_codes=_agency_codes(actor),
        downloadable=lambda job: job.status == service.DONE and _mine(job, actor),
    )


def _job(job_id: int) -> Job:
    """The job, for the action of its kind: 404 for another agency's, 403 without it."""
    kind_name = (
        get_session()
        .execute(
            unscoped(
                select(col(Job.kind)).where(col(Job.id) == job_id),
                "which action guards this job (the job itself is read scoped)",
            )
        )
        .scalar()
    )
    if kind_name is None:
        abort(404)
    kind = _kinds().get(kind_name)
    action = kind.action if kind is not None else "jobs.monitor"
    job: Job = get_scoped(get_session(), Job, job_id, action)
    return job


@bp.get("/<int:job_id>")
def job_page(job_id: int) -> Any:
    job = _job(job_id)
    ended = job.status in (service.DONE, service.FAILED)
    return render_template(
        "jobs/job.html",
        job=job,
        title=_kind_title(job),
        statuses=STATUS_LABELS,
        refresh=None if ended else REFRESH_SECONDS,
        available=result_path(bp_app(), job) is not None,
    )


@bp.get("/<int:job_id>/download")
def download(job_id: int) -> Any:
    job = _job(job_id)
    path = result_path(bp_app(), job)
    if path is None:
        abort(404)
    audit.log(
        "jobs.download",
        agency_id=job.agency_id,
        target=f"job:{job.id}",
        detail={"kind": job.kind, "sha256": job.result_sha256, "bytes": job.result_size},
    )
    response = send_file(
        path,
        mimetype=job.result_type or "application/octet-stream",
        as_attachment=True,
        download_name=job.result_name or path.name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
