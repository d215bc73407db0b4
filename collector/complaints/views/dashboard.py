"""The complaint dashboard (``/staff/cases/dashboard``): per unit and month for the
agency's case staff (``cases.read``), and agencies side by side for aggregate
readers such as a ministry (``aggregates.read``, small cells suppressed).

Figures and their definitions: ``collector.complaints.dashboard``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from sqlalchemy import select
from sqlmodel import col

from collector.access.permissions import agencies_for
from collector.access.permissions import chosen_agency
from collector.access.permissions import require
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.complaints import dashboard as dash
from collector.complaints.followups import QUESTIONNAIRE
from collector.complaints.records import today_for
from collector.core.db import get_session
from collector.core.i18n import current_language
from collector.core.models import Agency
from collector.core.models import Unit
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of

bp = Blueprint(
    "complaint_dashboard",
    __name__,
    url_prefix="/staff/cases/dashboard",
    template_folder="../templates",
)
staff_area(bp)

READ = "cases.read"
AGGREGATES = "aggregates.read"
MAX_MONTHS = 36


def _month(value: str | None) -> date | None:
    if not value or len(value) != 7:
        return None
    try:
        return date.fromisoformat(value + "-01")
    except ValueError:
        return None


def _period() -> tuple[date, date, str, str]:
    """First and last day of the months asked for (default: the last 12 months)."""
    today = today_for(current_app._get_current_object())  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    default_end = today.replace(day=1)
    end_month = _month(request.args.get("to")) or default_end
    start_default = date(end_month.year - 1, end_month.month, 1)
    if end_month.month == 12:
        start_default = date(end_month.year, 1, 1)
    else:
        start_default = date(end_month.year - 1, end_month.month + 1, 1)
    start_month = _month(request.args.get("from")) or start_default
    if start_month > end_month:
        abort(400)
    months = (end_month.year - start_month.year) * 12 + end_month.month - start_month.month + 1
    if months > MAX_MONTHS:
        abort(400)
    next_month = date(end_month.year + end_month.month // 12, end_month.month % 12 + 1, 1)
    end = date.fromordinal(next_month.toordinal() - 1)
    return start_month, end, f"{start_month:%Y-%m}", f"{end_month:%Y-%m}"


def _items() -> tuple[dash.Items | None, dict[str, str]]:
    """The questionnaire's overall item and dimensions, and each item's label."""
    version = current_version(current_app, get_session(), QUESTIONNAIRE)
    if version is None:
        return None, {}
    questionnaire = definition_of(version)
    analysis = questionnaire.analysis
    if not analysis.overall:
        return None, {}
    # Process first, then outcome, then any other dimension: the order the award reads them.
    order = {"process": 0, "outcome": 1}
    dimensions = dict(sorted(analysis.dimensions.items(), key=lambda kv: order.get(kv[0], 2)))
    items = dash.Items(overall=analysis.overall, dimensions=dimensions)
    language = current_language()
    labels = {
        key: questionnaire.text(questionnaire.question(key).label, language) for key in items.all
    }
    return items, labels


def _in_period(key: tuple[Any, ...], first: str, last: str) -> bool:
    return first <= key[1] <= last


def _figures(action: str, agency_ids: list[int], group: str) -> dict[str, Any]:
    start, end, first, last = _period()
    db = get_session()
    rows = dash.load_case_rows(db, action, start, end, agency_ids)
    if group == "unit":
        cells = dash.case_metrics(rows, lambda r: -1 if r.unit_id is None else r.unit_id)
    else:
        cells = dash.case_metrics(rows, lambda r: r.agency_id)
        cells = {k: dash.suppress(v) for k, v in cells.items()}
    items, labels = _items()
    satisfaction = {}
    if items is not None:
        feedback = dash.load_feedback_rows(db, action, rows, items)
        satisfaction = dash.satisfaction(feedback, items, group=group)
    return {
        "first": first,
        "last": last,
        "cells": {k: v for k, v in cells.items() if _in_period(k, first, last)},
        "satisfaction": {k: v for k, v in satisfaction.items() if _in_period(k, first, last)},
        "items": items,
        "labels": labels,
        "min_cell": dash.MIN_CELL,
    }


@bp.get("")
def index() -> Any:
    actor = require(READ, any_agency=True)
    allowed = sorted(agencies_for(actor, READ))
    agency_id = chosen_agency(actor, allowed)
    db = get_session()
    agencies = list(
        db.execute(scoped(select(Agency).where(col(Agency.id).in_(allowed)), READ)).scalars()
    )
    units = {
        u.id: u
        for u in db.execute(
            scoped(select(Unit).where(col(Unit.agency_id) == agency_id), READ)
        ).scalars()
    }
    return render_template(
        "complaints/dashboard.html",
        actor=actor,
        mode="units",
        agencies=agencies,
        agency_id=agency_id,
        names={k: (u.name_zh, u.name_en) for k, u in units.items()},
        **_figures(READ, [agency_id], "unit"),
    )


@bp.get("/agencies")
def agencies() -> Any:
    actor = require(AGGREGATES, any_agency=True)
    allowed = sorted(agencies_for(actor, AGGREGATES))
    db = get_session()
    rows = list(
        db.execute(
            scoped(
                select(Agency).where(col(Agency.id).in_(allowed), col(Agency.level) == "agency"),
                AGGREGATES,
            )
        ).scalars()
    )
    return render_template(
        "complaints/dashboard.html",
        actor=actor,
        mode="agencies",
        agencies=rows,
        agency_id=None,
        names={a.id: (a.name_zh, a.name_en) for a in rows},
        **_figures(AGGREGATES, [a.id for a in rows], "agency"),
    )
