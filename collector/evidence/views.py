"""The evidence pack in the staff console (``/staff/evidence``, ``evidence.generate``).

The coordinator picks a period and asks for the pack: a job on the task queue builds
it (``collector.evidence.background``); its page (``/staff/jobs/<id>``) shows the
progress and offers the zip once done. Only the actor's own agency; every request is
audited (``evidence.generate``) and so is every download (``jobs.download``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import url_for
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import col
from wtforms import SelectField

from collector.access import audit
from collector.access.identity import current_actor
from collector.access.permissions import require
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.core import clock
from collector.core.db import get_session
from collector.core.forms import LocalisedForm
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import Job
from collector.core.models import Response
from collector.evidence import background
from collector.evidence.build import under_way
from collector.jobs import service as jobs
from collector.jobs.views import STATUS_LABELS
from collector.results.waves import Wave
from collector.results.waves import periods_between

bp = Blueprint("evidence", __name__, url_prefix="/staff/evidence", template_folder="templates")
staff_area(bp)


@bp.context_processor
def _actor() -> dict[str, Any]:
    """The staff layout shows the console's navigation and the account only with ``actor``."""
    return {"actor": current_actor()}


ACTION = background.ACTION
YEARS_BACK = 5
RECENT = 20

CHOOSE_PERIOD = lazy_gettext("Choose a period from the list.")


class PackForm(LocalisedForm):
    """Which period the pack covers (a year or a half-year)."""

    period = SelectField(validate_choice=True, coerce=str)


def _agency(actor: Actor) -> Agency:
    require(ACTION, actor.agency_id)
    agency = (
        get_session()
        .execute(scoped(select(Agency).where(col(Agency.id) == actor.agency_id), ACTION, actor))
        .scalar_one()
    )
    return agency


def periods(actor: Actor, today: date) -> list[Wave]:
    """Years and half-years from the agency's first response or case (at most
    ``YEARS_BACK`` years ago) to today, newest first: years, then half-years."""
    db = get_session()
    firsts = [
        db.execute(scoped(select(func.min(col(Response.submitted_at))), ACTION, actor)).scalar(),
        db.execute(scoped(select(func.min(col(Complaint.received_on))), ACTION, actor)).scalar(),
    ]
    days = [clock.local_date(d) if hasattr(d, "hour") else d for d in firsts if d is not None]
    earliest = date(today.year - YEARS_BACK, 1, 1)
    start = max(min(days, default=today), earliest)
    return [w for kind in ("year", "half") for w in reversed(periods_between(kind, start, today))]


def period_label(wave: Wave, today: date, language: str) -> str:
    """The period as the form offers it; one still under way says so, and up to which
    day its figures would go (a pack of it is not the whole period's)."""
    if not under_way(wave, today):
        return wave.label(language)
    return translator(language).gettext(
        "%(period)s: still under way, figures to %(date)s only",
        period=wave.label(language),
        date=today.isoformat(),
    )


def _recent(actor: Actor) -> list[Job]:
    statement = (
        select(Job)
        .where(col(Job.kind) == background.KIND, col(Job.agency_id) == actor.agency_id)
        .order_by(col(Job.id).desc())
        .limit(RECENT)
    )
    return list(get_session().execute(scoped(statement, ACTION, actor)).scalars())


@bp.route("", methods=["GET", "POST"])
def index() -> Any:
    actor = require(ACTION, any_agency=True)
    agency = _agency(actor)
    language = current_language()
    today = clock.today()
    offered = periods(actor, today)
    form = PackForm()
    form.period.choices = [(w.key, period_label(w, today, language)) for w in offered]
    if form.period.data is None and offered:
        halves = [w for w in offered if w.kind == "half" and w.end < today]
        form.period.data = (halves[0] if halves else offered[0]).key
    if form.is_submitted():
        if form.validate():
            job = jobs.create(
                current_app._get_current_object(),  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
                background.KIND,
                agency_id=agency.id,
                requested_by=actor.user_id,
                parameters={
                    "agency": agency.code,
                    "period": form.period.data,
                    "user_id": actor.user_id,
                },
            )
            audit.log(
                ACTION,
                actor=actor,
                agency_id=agency.id,
                target=f"job:{job.id}",
                detail={"period": form.period.data},
            )
            return redirect(url_for("jobs.job_page", job_id=job.id), code=303)
        if form.period.errors:
            form.period.errors = [str(CHOOSE_PERIOD)]
    status = 400 if form.errors else 200
    return (
        render_template(
            "evidence/index.html",
            form=form,
            agency=agency,
            recent=_recent(actor),
            statuses=STATUS_LABELS,
            english=language == "en",
        ),
        status,
    )
