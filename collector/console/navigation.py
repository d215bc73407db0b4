"""The console's navigation: every page grouped by task (collect, analyse, complaints,
administer), each link shown only to an actor who may use it.

The staff layout draws it on every page (``staff_navigation()`` in templates); the
home page falls back to it, with each task's hint, for a role no panel speaks to.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import url_for

from collector.access.identity import current_actor
from collector.access.permissions import may_somewhere
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_pgettext


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
    "collect": lazy_pgettext("console area", "Collect"),
    "analyse": lazy_pgettext("console area", "Analyse"),
    "complaints": lazy_pgettext("console area", "Complaints"),
    "administer": lazy_pgettext("console area", "Administer"),
}
"""The console's areas of work, in page order (``collector.console.panels.AREAS``)."""

TASKS: tuple[Task, ...] = (
    Task(
        "collect",
        "results.read",
        lazy_gettext("Survey campaigns"),
        "campaigns.index",
        lazy_gettext("Campaigns, their links and QR posters, responses so far."),
    ),
    Task(
        "collect",
        "campaigns.manage",
        lazy_gettext("New campaign"),
        "campaigns.create",
        lazy_gettext("A questionnaire for chosen units, a period and a target sample size."),
    ),
    Task(
        "collect",
        "campaigns.manage",
        lazy_gettext("Questionnaires offered"),
        "questionnaire_offers.index",
        lazy_gettext("Which questionnaires the agency's units may use."),
    ),
    Task(
        "collect",
        "paper.enter",
        lazy_gettext("Paper questionnaire entry"),
        "paper.setup",
        lazy_gettext("Key in questionnaires filled in on paper."),
    ),
    Task(
        "collect",
        "paper.enter",
        lazy_gettext("Keyed questionnaires"),
        "paper_keyed.index",
        lazy_gettext("Those keyed in so far: correct, void or restore them."),
    ),
    Task(
        "collect",
        "kiosks.manage",
        lazy_gettext("Kiosks"),
        "kiosks.index",
        lazy_gettext("Counter tablets: pair one, see which report, revoke one."),
    ),
    Task(
        "collect",
        "campaigns.manage",
        lazy_gettext("Internal staff survey"),
        "staff_survey.index",
        lazy_gettext("Staff lists, one-time links, reminders and response rates."),
    ),
    Task(
        "analyse",
        "aggregates.read",
        lazy_gettext("Results"),
        "results.results",
        lazy_gettext("Satisfaction, item means and exports (small counts suppressed)."),
    ),
    Task(
        "analyse",
        "aggregates.read",
        lazy_gettext("Internal staff survey results"),
        "results.staff_results",
        lazy_gettext("The staff survey by wave: headline, dimensions, trend and breakdowns."),
    ),
    Task(
        "analyse",
        "results.read",
        lazy_gettext("Population margins"),
        "margins.index",
        lazy_gettext("Counts by sex, age group and district that results are weighted to."),
    ),
    Task(
        "analyse",
        "improvement.read",
        lazy_gettext("Improvement actions"),
        "improvement.index",
        lazy_gettext(
            "What is done about weak results (檢討改善): owners, due dates, before and after."
        ),
    ),
    Task(
        "analyse",
        "evidence.generate",
        lazy_gettext("Award evidence pack"),
        "evidence.index",
        lazy_gettext(
            "Every number, table and chart of the award's service-evaluation chapter, in one file."
        ),
    ),
    Task(
        "analyse",
        "aggregates.read",
        lazy_gettext("Agencies compared"),
        "comparison.agencies",
        lazy_gettext(
            "Agencies (or ministries) side by side on one questionnaire and wave, "
            "each tested against the whole."
        ),
    ),
    Task(
        "analyse",
        "results.read",
        lazy_gettext("Internal staff survey"),
        "staff_survey.results",
        lazy_gettext("Response rates and results."),
        unless="campaigns.manage",
    ),
    Task(
        "analyse",
        "responses.export",
        lazy_gettext("Complaint follow-up answers with their sampling design (CSV)"),
        "complaint_followup.export",
        lazy_gettext("For analysis with the sampling weights."),
    ),
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
        "administer",
        "agencies.manage",
        lazy_gettext("Agencies"),
        "organisation.agencies",
        lazy_gettext("Ministries and the agencies below them."),
    ),
    Task(
        "administer",
        "units.manage",
        lazy_gettext("Service units"),
        "organisation.units",
        lazy_gettext("Counters and branch offices that take responses."),
    ),
    Task(
        "administer",
        "users.manage",
        lazy_gettext("Staff accounts"),
        "users.users",
        lazy_gettext("Create accounts, give roles, disable and enable."),
    ),
    Task(
        "administer",
        "audit.read",
        lazy_gettext("Audit log"),
        "audit.audit_log",
        lazy_gettext("Who viewed, exported or changed what, and when."),
    ),
)
"""Every task of the console, in page order within its area."""


def overview(actor: Actor) -> list[tuple[str, LazyText, list[Task]]]:
    """The areas of work (key, heading) with the tasks this actor may do there (areas
    without any left out)."""
    shown = [
        task
        for task in TASKS
        if may_somewhere(actor, task.action)
        and not (task.unless and may_somewhere(actor, task.unless))
    ]
    areas = [(area, title, [t for t in shown if t.area == area]) for area, title in AREAS.items()]
    return [(area, title, tasks) for area, title, tasks in areas if tasks]


def staff_navigation() -> list[tuple[str, LazyText, list[Task]]]:
    """The current actor's navigation (empty when nobody is logged in), for templates."""
    actor = current_actor()
    return overview(actor) if actor is not None else []
