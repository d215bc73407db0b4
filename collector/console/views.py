"""The staff console's home page (``/staff/``): who is logged in, and an overview of the
work their role does there, each task a link to its page."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
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
from collector.core.i18n import LazyText
from collector.core.i18n import agency_name
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_pgettext
from collector.core.models import Agency

bp = Blueprint("console", __name__, url_prefix="/staff", template_folder="templates")
staff_area(bp)


@dataclass(frozen=True)
class Task:
    """One link of the overview: shown to whoever may do ``action`` somewhere (and not
    ``unless``: they get another link for it), leading to ``endpoint``, with a line
    saying what is done there."""

    area: str
    action: str
    label: LazyText
    endpoint: str
    hint: LazyText
    args: dict[str, Any] = field(default_factory=dict)
    unless: str | None = None

    def href(self) -> str:
        return url_for(self.endpoint, **self.args)


AREAS: dict[str, LazyText] = {
    "complaints": lazy_gettext("Complaints"),
    "surveys": lazy_pgettext("console area", "Surveys"),
    "administration": lazy_gettext("Administration"),
}
"""The overview's headings, in page order."""

TASKS: tuple[Task, ...] = (
    Task(
        "complaints",
        "cases.read",
        lazy_gettext("Cases due"),
        "cases.queue",
        lazy_gettext("Open cases, the soonest due first."),
    ),
    Task(
        "complaints",
        "cases.read",
        lazy_gettext("Overdue cases"),
        "cases.queue",
        lazy_gettext("Open cases past their due date."),
        {"overdue": 1},
    ),
    Task(
        "complaints",
        "cases.read",
        lazy_gettext("New complaints to assign"),
        "cases.queue",
        lazy_gettext("Received, not yet given to a unit or a handler."),
        {"status": "received"},
    ),
    Task(
        "complaints",
        "cases.intake",
        lazy_gettext("Record a complaint"),
        "case_intake.new",
        lazy_gettext("Received by phone, at the counter, by letter or e-mail."),
    ),
    Task(
        "complaints",
        "cases.read",
        lazy_gettext("Complaint dashboard"),
        "complaint_dashboard.index",
        lazy_gettext(
            "Per unit and month: cases received, answered on time, days to close, satisfaction."
        ),
    ),
    Task(
        "complaints",
        "aggregates.read",
        lazy_gettext("Complaint dashboard: agencies compared"),
        "complaint_dashboard.agencies",
        lazy_gettext("The agencies side by side (small counts suppressed)."),
    ),
    Task(
        "complaints",
        "cases.manage",
        lazy_gettext("Complaint handling: phone follow-up"),
        "complaint_followup.index",
        lazy_gettext("Draw a sample of closed cases and key in the calls."),
    ),
    Task(
        "complaints",
        "cases.manage",
        lazy_gettext("Complaint settings"),
        "case_settings.settings",
        lazy_gettext("Deadlines, categories, routing and reply templates."),
    ),
    Task(
        "complaints",
        "calendar.manage",
        lazy_gettext("Working-day calendar"),
        "case_settings.calendar",
        lazy_gettext("Holidays and make-up working days that deadlines count."),
    ),
    Task(
        "surveys",
        "results.read",
        lazy_gettext("Survey campaigns"),
        "campaigns.index",
        lazy_gettext("Campaigns, their links and QR posters, responses so far."),
    ),
    Task(
        "surveys",
        "campaigns.manage",
        lazy_gettext("New campaign"),
        "campaigns.create",
        lazy_gettext("A questionnaire for chosen units, a period and a target sample size."),
    ),
    Task(
        "surveys",
        "campaigns.manage",
        lazy_gettext("Questionnaires offered"),
        "questionnaire_offers.index",
        lazy_gettext("Which questionnaires the agency's units may use."),
    ),
    Task(
        "surveys",
        "aggregates.read",
        lazy_gettext("Results"),
        "results.results",
        lazy_gettext("Satisfaction, item means and exports (small counts suppressed)."),
    ),
    Task(
        "surveys",
        "aggregates.read",
        lazy_gettext("Internal staff survey results"),
        "results.staff_results",
        lazy_gettext("The staff survey by wave: headline, dimensions, trend and breakdowns."),
    ),
    Task(
        "surveys",
        "paper.enter",
        lazy_gettext("Paper questionnaire entry"),
        "paper.setup",
        lazy_gettext("Key in questionnaires filled in on paper."),
    ),
    Task(
        "surveys",
        "paper.enter",
        lazy_gettext("Keyed questionnaires"),
        "paper_keyed.index",
        lazy_gettext("Those keyed in so far: correct, void or restore them."),
    ),
    Task(
        "surveys",
        "campaigns.manage",
        lazy_gettext("Internal staff survey"),
        "staff_survey.index",
        lazy_gettext("Staff lists, one-time links, reminders and response rates."),
    ),
    Task(
        "surveys",
        "results.read",
        lazy_gettext("Internal staff survey"),
        "staff_survey.results",
        lazy_gettext("Response rates and results."),
        unless="campaigns.manage",
    ),
    Task(
        "surveys",
        "responses.export",
        lazy_gettext("Complaint follow-up answers with their sampling design (CSV)"),
        "complaint_followup.export",
        lazy_gettext("For analysis with the sampling weights."),
    ),
    Task(
        "administration",
        "agencies.manage",
        lazy_gettext("Agencies"),
        "organisation.agencies",
        lazy_gettext("Ministries and the agencies below them."),
    ),
    Task(
        "administration",
        "units.manage",
        lazy_gettext("Service units"),
        "organisation.units",
        lazy_gettext("Counters and branch offices that take responses."),
    ),
    Task(
        "administration",
        "users.manage",
        lazy_gettext("Staff accounts"),
        "users.users",
        lazy_gettext("Create accounts, give roles, disable and enable."),
    ),
    Task(
        "administration",
        "audit.read",
        lazy_gettext("Audit log"),
        "audit.audit_log",
        lazy_gettext("Who viewed, exported or changed what, and when."),
    ),
)
"""Every task of the overview, in page order within its area."""


def overview(actor: Actor) -> list[tuple[LazyText, list[Task]]]:
    """The areas of work with the tasks this actor may do there (areas without any left out)."""
    shown = [
        task
        for task in TASKS
        if may_somewhere(actor, task.action)
        and not (task.unless and may_somewhere(actor, task.unless))
    ]
    areas = [(title, [t for t in shown if t.area == area]) for area, title in AREAS.items()]
    return [(title, tasks) for title, tasks in areas if tasks]


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
