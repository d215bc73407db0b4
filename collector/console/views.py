"""The staff console's home page (``/staff/``): who is logged in, and the pages they may open."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import render_template
from flask import url_for
from sqlalchemy import select
from sqlmodel import col

from collector.access.identity import current_actor
from collector.access.permissions import ACTION_LABELS
from collector.access.permissions import ACTIONS
from collector.access.permissions import ROLE_LABELS
from collector.access.permissions import may_somewhere
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import agency_name
from collector.core.i18n import gettext
from collector.core.models import Agency

bp = Blueprint("console", __name__, url_prefix="/staff", template_folder="templates")
staff_area(bp)


def _pages(actor: Actor) -> list[tuple[str, str]]:
    """Links to the console pages this actor may open (only pages that exist)."""
    pages = []
    if may_somewhere(actor, "users.manage"):
        pages.append((gettext("Staff accounts"), url_for("users.users")))
    if may_somewhere(actor, "audit.read"):
        pages.append((gettext("Audit log"), url_for("audit.audit_log")))
    if may_somewhere(actor, "agencies.manage"):
        pages.append((gettext("Agencies"), url_for("organisation.agencies")))
    if may_somewhere(actor, "units.manage"):
        pages.append((gettext("Service units"), url_for("organisation.units")))
    if may_somewhere(actor, "campaigns.manage"):
        pages.append((gettext("Questionnaires offered"), url_for("questionnaire_offers.index")))
        pages.append((gettext("Internal staff survey"), url_for("staff_survey.index")))
        pages.append((gettext("Outbox (development)"), url_for("staff_survey.outbox")))
    elif may_somewhere(actor, "results.read"):
        pages.append((gettext("Internal staff survey"), url_for("staff_survey.results")))
    if may_somewhere(actor, "results.read"):
        pages.append((gettext("Survey campaigns"), url_for("campaigns.index")))
    if may_somewhere(actor, "paper.enter"):
        pages.append((gettext("Paper questionnaire entry"), url_for("paper.setup")))
        pages.append((gettext("Keyed questionnaires"), url_for("paper_keyed.index")))
    if may_somewhere(actor, "aggregates.read"):
        pages.append((gettext("Results"), url_for("results.results")))
    if may_somewhere(actor, "cases.read"):
        pages.append((gettext("Complaint cases"), url_for("cases.queue")))
    elif may_somewhere(actor, "cases.intake"):
        pages.append((gettext("Record a complaint"), url_for("case_intake.new")))
    if may_somewhere(actor, "cases.manage"):
        pages.append((gettext("Complaint settings"), url_for("case_settings.settings")))
    if may_somewhere(actor, "calendar.manage"):
        pages.append((gettext("Working-day calendar"), url_for("case_settings.calendar")))
    if may_somewhere(actor, "cases.read"):
        pages.append((gettext("Complaint dashboard"), url_for("complaint_dashboard.index")))
    if may_somewhere(actor, "aggregates.read"):
        pages.append(
            (
                gettext("Complaint dashboard: agencies compared"),
                url_for("complaint_dashboard.agencies"),
            )
        )
    if may_somewhere(actor, "cases.manage"):
        pages.append(
            (gettext("Complaint handling: phone follow-up"), url_for("complaint_followup.index"))
        )
    if may_somewhere(actor, "responses.export"):
        pages.append(
            (
                gettext("Complaint follow-up answers with their sampling design (CSV)"),
                url_for("complaint_followup.export"),
            )
        )
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
        role_labels=ROLE_LABELS,
        action_labels=ACTION_LABELS,
        pages=_pages(actor),
    )
