"""The complaints feature as a plugin: its pages, the ``complaints`` command, and the
core's own complaint hooks, asked after every other plugin's (route a new case by
its category, count deadlines on Taiwan's national calendar)."""

from __future__ import annotations

import click
from flask import Blueprint

from collector.complaints import labels
from collector.complaints import remind
from collector.complaints import rescanning
from collector.complaints.overview import CasesDuePanel
from collector.complaints.views import api
from collector.complaints.views import cases
from collector.complaints.views import dashboard
from collector.complaints.views import feedback
from collector.complaints.views import intake
from collector.complaints.views import open311
from collector.complaints.views import public
from collector.complaints.views import settings
from collector.complaints.views import statistics
from collector.core.hookspecs import hookimpl
from collector.core.hooktypes import JobKind
from collector.core.hooktypes import Route
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.workdays import WorkCalendar
from collector.core.workdays import taiwan_calendar


@hookimpl(trylast=True)
def route_complaint(case: Complaint, category: ComplaintCategory) -> Route | None:
    """The category's unit and handler, when it names either."""
    if category.unit_id is None and category.handler_id is None:
        return None
    return Route(unit_id=category.unit_id, handler_id=category.handler_id)


@hookimpl(trylast=True)
def complaint_calendar(agency_id: int) -> WorkCalendar | None:
    return taiwan_calendar()


def _labels() -> dict[str, object]:
    return {"complaint_labels": labels}


@hookimpl
def register_blueprints() -> list[Blueprint]:
    blueprints = [
        public.bp,
        api.bp,
        open311.bp,
        feedback.public_bp,
        feedback.bp,
        cases.bp,
        intake.bp,
        settings.bp,
        dashboard.bp,
        statistics.bp,
    ]
    for blueprint in blueprints:
        # The complaint pages name codes through labels' tables ({{ complaint_labels.CASE_STATUS[s] }}).
        if _labels not in blueprint.template_context_processors[None]:
            blueprint.context_processor(_labels)
    return blueprints


@hookimpl
def register_commands() -> list[click.Command]:
    return list(remind.COMMANDS)


@hookimpl
def register_console_panels() -> list[type]:
    return [CasesDuePanel]


@hookimpl
def register_job_kinds() -> list[JobKind]:
    return [remind.REMINDERS, rescanning.SCAN]
