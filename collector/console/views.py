"""The staff console's home page (``/staff/``): who is logged in, and an overview of the
work their role does there, each task a link to its page."""

from __future__ import annotations

from dataclasses import dataclass
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
from collector.core.i18n import pgettext
from collector.core.models import Agency

bp = Blueprint("console", __name__, url_prefix="/staff", template_folder="templates")
staff_area(bp)


@dataclass(frozen=True)
class Task:
    """One link of the overview: where it leads and, under it, what is done there."""

    label: str
    href: str
    hint: str


@dataclass(frozen=True)
class Area:
    """A heading of the overview and the tasks under it the actor may do."""

    title: str
    tasks: list[Task]


def _complaint_tasks(actor: Actor) -> list[Task]:
    tasks = []
    if may_somewhere(actor, "cases.read"):
        tasks += [
            Task(
                gettext("Cases due"),
                url_for("cases.queue"),
                gettext("Open cases, the soonest due first."),
            ),
            Task(
                gettext("Overdue cases"),
                url_for("cases.queue", overdue=1),
                gettext("Open cases past their due date."),
            ),
            Task(
                gettext("New complaints to assign"),
                url_for("cases.queue", status="received"),
                gettext("Received, not yet given to a unit or a handler."),
            ),
        ]
    if may_somewhere(actor, "cases.intake"):
        tasks.append(
            Task(
                gettext("Record a complaint"),
                url_for("case_intake.new"),
                gettext("Received by phone, at the counter, by letter or e-mail."),
            )
        )
    if may_somewhere(actor, "cases.read"):
        tasks.append(
            Task(
                gettext("Complaint dashboard"),
                url_for("complaint_dashboard.index"),
                gettext(
                    "Per unit and month: cases received, answered on time, days to close, satisfaction."
                ),
            )
        )
    if may_somewhere(actor, "aggregates.read"):
        tasks.append(
            Task(
                gettext("Complaint dashboard: agencies compared"),
                url_for("complaint_dashboard.agencies"),
                gettext("The agencies side by side (small counts suppressed)."),
            )
        )
    if may_somewhere(actor, "cases.manage"):
        tasks += [
            Task(
                gettext("Complaint handling: phone follow-up"),
                url_for("complaint_followup.index"),
                gettext("Draw a sample of closed cases and key in the calls."),
            ),
            Task(
                gettext("Complaint settings"),
                url_for("case_settings.settings"),
                gettext("Deadlines, categories, routing and reply templates."),
            ),
        ]
    if may_somewhere(actor, "calendar.manage"):
        tasks.append(
            Task(
                gettext("Working-day calendar"),
                url_for("case_settings.calendar"),
                gettext("Holidays and make-up working days that deadlines count."),
            )
        )
    return tasks


def _survey_tasks(actor: Actor) -> list[Task]:
    tasks = []
    if may_somewhere(actor, "results.read"):
        tasks.append(
            Task(
                gettext("Survey campaigns"),
                url_for("campaigns.index"),
                gettext("Campaigns, their links and QR posters, responses so far."),
            )
        )
    if may_somewhere(actor, "campaigns.manage"):
        tasks.append(
            Task(
                gettext("New campaign"),
                url_for("campaigns.create"),
                gettext("A questionnaire for chosen units, a period and a target sample size."),
            )
        )
    if may_somewhere(actor, "aggregates.read"):
        tasks.append(
            Task(
                gettext("Results"),
                url_for("results.results"),
                gettext("Satisfaction, item means and exports (small counts suppressed)."),
            )
        )
    if may_somewhere(actor, "paper.enter"):
        tasks.append(
            Task(
                gettext("Paper questionnaire entry"),
                url_for("paper.setup"),
                gettext("Key in questionnaires filled in on paper."),
            )
        )
    if may_somewhere(actor, "campaigns.manage"):
        tasks.append(
            Task(
                gettext("Internal staff survey"),
                url_for("staff_survey.index"),
                gettext("Staff lists, one-time links, reminders and response rates."),
            )
        )
    elif may_somewhere(actor, "results.read"):
        tasks.append(
            Task(
                gettext("Internal staff survey"),
                url_for("staff_survey.results"),
                gettext("Response rates and results."),
            )
        )
    if may_somewhere(actor, "responses.export"):
        tasks.append(
            Task(
                gettext("Complaint follow-up answers with their sampling design (CSV)"),
                url_for("complaint_followup.export"),
                gettext("For analysis with the sampling weights."),
            )
        )
    return tasks


def _admin_tasks(actor: Actor) -> list[Task]:
    tasks = []
    if may_somewhere(actor, "agencies.manage"):
        tasks.append(
            Task(
                gettext("Agencies"),
                url_for("organisation.agencies"),
                gettext("Ministries and the agencies below them."),
            )
        )
    if may_somewhere(actor, "units.manage"):
        tasks.append(
            Task(
                gettext("Service units"),
                url_for("organisation.units"),
                gettext("Counters and branch offices that take responses."),
            )
        )
    if may_somewhere(actor, "users.manage"):
        tasks.append(
            Task(
                gettext("Staff accounts"),
                url_for("users.users"),
                gettext("Create accounts, give roles, disable and enable."),
            )
        )
    if may_somewhere(actor, "audit.read"):
        tasks.append(
            Task(
                gettext("Audit log"),
                url_for("audit.audit_log"),
                gettext("Who viewed, exported or changed what, and when."),
            )
        )
    return tasks


def overview(actor: Actor) -> list[Area]:
    """The console's pages this actor may open, by area of work (only pages that exist)."""
    areas = [
        Area(gettext("Complaints"), _complaint_tasks(actor)),
        Area(pgettext("console area", "Surveys"), _survey_tasks(actor)),
        Area(gettext("Administration"), _admin_tasks(actor)),
    ]
    return [area for area in areas if area.tasks]


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
        areas=overview(actor),
    )
