"""The staff console's home page (``/staff/``): who is logged in, and the pages they may open."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for
from sqlalchemy import select
from sqlmodel import col

from collector.access.identity import current_actor
from collector.access.permissions import ACTIONS, may_somewhere
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import agency_name
from collector.core.models import Agency

bp = Blueprint("console", __name__, url_prefix="/staff", template_folder="templates")
staff_area(bp)


def _pages(actor: Actor) -> list[tuple[str, str]]:
    """Links to the console pages this actor may open (only pages that exist)."""
    pages = []
    if may_somewhere(actor, "users.manage"):
        pages.append(("staff_users", url_for("users.users")))
    if may_somewhere(actor, "audit.read"):
        pages.append(("staff_audit", url_for("audit.audit_log")))
    if may_somewhere(actor, "agencies.manage"):
        pages.append(("staff_agencies", url_for("organisation.agencies")))
    if may_somewhere(actor, "units.manage"):
        pages.append(("staff_units", url_for("organisation.units")))
    if may_somewhere(actor, "campaigns.manage"):
        pages.append(("staff_survey", url_for("staff_survey.index")))
        pages.append(("staff_outbox", url_for("staff_survey.outbox")))
    elif may_somewhere(actor, "results.read"):
        pages.append(("staff_survey", url_for("staff_survey.results")))
    if may_somewhere(actor, "results.read"):
        pages.append(("staff_campaigns", url_for("campaigns.index")))
    if may_somewhere(actor, "paper.enter"):
        pages.append(("staff_paper", url_for("paper.setup")))
    if may_somewhere(actor, "aggregates.read"):
        pages.append(("staff_results", url_for("results.results")))
    if may_somewhere(actor, "cases.read"):
        pages.append(("staff_cases", url_for("cases.queue")))
    elif may_somewhere(actor, "cases.intake"):
        pages.append(("cs_intake", url_for("cases.new")))
    if may_somewhere(actor, "cases.manage"):
        pages.append(("staff_case_settings", url_for("case_settings.settings")))
    if may_somewhere(actor, "calendar.manage"):
        pages.append(("staff_calendar", url_for("case_settings.calendar")))
    if may_somewhere(actor, "cases.read"):
        pages.append(("dash_title", url_for("complaint_dashboard.index")))
    if may_somewhere(actor, "aggregates.read"):
        pages.append(("dash_agencies_title", url_for("complaint_dashboard.agencies")))
    if may_somewhere(actor, "cases.manage"):
        pages.append(("followup_title", url_for("complaint_followup.index")))
    if may_somewhere(actor, "responses.export"):
        pages.append(("followup_export", url_for("complaint_followup.export")))
    return pages


@bp.get("/")
def home() -> Any:
    actor = current_actor()
    assert actor is not None  # staff_area
    agency = None
    if actor.agency_id is not None:
        agency = (
            get_session()
            .execute(scoped(select(Agency).where(col(Agency.id) == actor.agency_id), "console.use"))
            .scalar_one_or_none()
        )
    may = [a for a in ACTIONS if a != "console.use" and may_somewhere(actor, a)]
    return render_template(
        "console/home.html",
        actor=actor,
        agency_label=agency_name(agency),
        actions=may,
        pages=_pages(actor),
    )
