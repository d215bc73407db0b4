"""The complaint-handling statistics page (``/staff/cases/statistics``): one agency (or
unit) and one wave (a year, half-year or quarter), as the award's complaint chapter
reports it, with the handling-satisfaction follow-up beside it.

Case staff (``cases.read``) and analysts (``aggregates.read``) see their own agency,
per unit if they wish (``results.read`` or ``cases.read`` there); a ministry
administrator sees each agency below the ministry as a whole, aggregates only. The
figures and their definitions: ``collector.complaints.statistics``.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask import request
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import col
from wtforms import SelectField

from collector.access.identity import current_actor
from collector.access.permissions import agencies_for
from collector.access.permissions import allowed
from collector.access.permissions import may_somewhere
from collector.access.permissions import require
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.complaints import statistics as stats
from collector.complaints.followups import QUESTIONNAIRE
from collector.complaints.records import today_for
from collector.complaints.statistics_charts import statistics_charts
from collector.core import clock
from collector.core.db import get_session
from collector.core.forms import LocalisedForm
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import lazy_gettext
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import Unit
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.results.waves import KINDS
from collector.results.waves import Wave
from collector.results.waves import parse_period
from collector.results.waves import period
from collector.results.waves import periods_between
from collector.results.waves import previous_period

bp = Blueprint(
    "complaint_statistics",
    __name__,
    url_prefix="/staff/cases/statistics",
    template_folder="../templates",
)
staff_area(bp)

CASES = "cases.read"
AGGREGATES = "aggregates.read"
YEARS_BACK = 5
"""How many years of waves the picker offers before the agency's first case."""

WHOLE_AGENCY = ""


class PickerForm(LocalisedForm):
    """Which agency, wave and unit (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    agency = SelectField(validate_choice=True, coerce=str)  # labels: in the template
    wave = SelectField(validate_choice=True, coerce=str)
    unit = SelectField(validate_choice=True, coerce=str)


def _readable_agencies(actor: Actor) -> list[Agency]:
    ids = agencies_for(actor, CASES) | agencies_for(actor, AGGREGATES)
    db = get_session()
    return [
        agency
        for action in (CASES, AGGREGATES)
        for agency in db.execute(
            scoped(
                select(Agency)
                .where(col(Agency.id).in_(sorted(ids)), col(Agency.level) == "agency")
                .order_by(col(Agency.id)),
                action,
            )
        ).scalars()
    ]


def _waves(agency_id: int, action: str, today: date) -> list[Wave]:
    """Every period from the agency's first case (at most ``YEARS_BACK`` years ago) to
    today, newest first, years then halves then quarters."""
    first = (
        get_session()
        .execute(
            scoped(
                select(func.min(col(Complaint.received_on))).where(
                    col(Complaint.agency_id) == agency_id
                ),
                action,
            )
        )
        .scalar()
    )
    earliest = date(today.year - YEARS_BACK, 1, 1)
    start = max(first or today, earliest)
    return [w for kind in KINDS for w in reversed(periods_between(kind, start, today))]


def _questionnaire() -> dict[str, Any] | None:
    """The follow-up questionnaire's overall item, item groups and dimensions."""
    db = get_session()
    version = current_version(current_app, db, QUESTIONNAIRE)
    if version is None:
        return None
    questionnaire = definition_of(version)
    analysis = questionnaire.analysis
    if not analysis.overall:
        return None
    language = current_language()
    order = {"process": 0, "outcome": 1}
    groups = dict(sorted(analysis.groups.items(), key=lambda kv: order.get(kv[0], 2)))
    keys = {analysis.overall, *(k for items in groups.values() for k in items)}
    likert = {k for k in keys if questionnaire.question(k).type == "likert5"}
    labels = {k: questionnaire.text(questionnaire.question(k).label, language) for k in keys}
    choices = {
        k: {c.value: questionnaire.text(c.label, language) for c in (cs or [])}
        for k in keys - likert
        if (cs := questionnaire.choices_for(questionnaire.question(k))) is not None
    }
    return {
        "overall": analysis.overall,
        "groups": groups,
        "dimensions": dict(analysis.dimensions),
        "dimension_labels": {
            k: questionnaire.text(v, language) for k, v in analysis.dimension_labels.items()
        },
        "likert": likert,
        "labels": labels,
        "choices": choices,
    }


@bp.get("")
def index() -> Any:
    actor = current_actor()
    if not (may_somewhere(actor, CASES) or may_somewhere(actor, AGGREGATES)):
        require(AGGREGATES, any_agency=True)  # refused: 403, audited
    assert actor is not None  # require() stopped an anonymous request
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    today = today_for(app)
    agencies = _readable_agencies(actor)
    form = PickerForm(request.args)
    language = current_language()
    form.agency.choices = [
        (str(a.id), a.name_en if language == "en" else a.name_zh) for a in agencies
    ]
    own = str(actor.agency_id) if any(a.id == actor.agency_id for a in agencies) else None
    default_agency = own or (str(agencies[0].id) if agencies else "")
    agency_raw = request.args.get("agency") or default_agency
    form.agency.data = agency_raw
    agency_id = (
        int(agency_raw)
        if agency_raw.isdigit() and any(str(a.id) == agency_raw for a in agencies)
        else int(default_agency or 0)
    )
    action = CASES if allowed(actor, CASES, agency_id) else AGGREGATES
    detailed = allowed(actor, CASES, agency_id) or allowed(actor, "results.read", agency_id)

    waves = _waves(agency_id, action, today) if agency_id else []
    form.wave.choices = {
        str(group): [(w.key, w.label(language)) for w in waves if w.kind == kind]
        for kind, group in WAVE_GROUPS.items()
    }
    default_wave = previous_period(period("half", today)).key
    wave_raw = request.args.get("wave") or default_wave
    parsed = parse_period(wave_raw)
    form.wave.data = parsed.key if parsed else wave_raw

    db = get_session()
    units = (
        list(
            db.execute(
                scoped(
                    select(Unit).where(col(Unit.agency_id) == agency_id).order_by(col(Unit.id)),
                    action,
                )
            ).scalars()
        )
        if detailed
        else []
    )
    form.unit.choices = [(WHOLE_AGENCY, str(lazy_gettext("The whole agency")))] + [
        (str(u.id), u.name_en if language == "en" else u.name_zh) for u in units
    ]
    form.unit.data = request.args.get("unit", WHOLE_AGENCY)

    valid = bool(agencies) and form.validate()
    context: dict[str, Any] = {
        "actor": actor,  # the layout's navigation and account
        "form": form,
        "detailed": detailed,
        "min_cell": stats.MIN_CELL,
        "today": today,
        "cases": None,
        "satisfaction": None,
        "charts": {},
        "run_rules": RUN_RULES,
        "inf": math.inf,
    }
    if not valid:
        return render_template("complaints/statistics.html", **context), 400
    wave = next(w for w in waves if w.key == form.wave.data)
    scope = stats.Scope(
        agency_id=agency_id,
        unit_id=int(form.unit.data) if form.unit.data else None,
        wave=wave,
        today=today,
        action=action,
        zone=clock.zone(app),
    )
    categories = {
        c.id: (c.name_en if language == "en" else c.name_zh)
        for c in db.execute(
            scoped(
                select(ComplaintCategory).where(col(ComplaintCategory.agency_id) == agency_id),
                action,
            )
        ).scalars()
    }
    questionnaire = _questionnaire()
    satisfaction = (
        stats.satisfaction(
            db,
            scope,
            questionnaire["groups"],
            questionnaire["dimensions"],
            questionnaire["overall"],
            questionnaire["likert"],
        )
        if questionnaire
        else None
    )
    cases = stats.case_statistics(db, scope)
    context.update(
        wave=wave,
        scope=scope,
        cases=cases,
        charts=statistics_charts(cases, language),
        categories=categories,
        questionnaire=questionnaire,
        satisfaction=satisfaction,
        agency_name=next((a[1] for a in form.agency.choices if a[0] == str(agency_id)), ""),
        unit_name=next((u[1] for u in form.unit.choices if u[0] == form.unit.data), ""),
    )
    return render_template("complaints/statistics.html", **context)


WAVE_GROUPS = {
    "year": lazy_gettext("Years"),
    "half": lazy_gettext("Half-years"),
    "quarter": lazy_gettext("Quarters"),
}

RUN_RULES = {
    "WE1": lazy_gettext("one month beyond the 3-sigma limits"),
    "WE2": lazy_gettext("two of three months beyond 2 sigma on one side"),
    "WE3": lazy_gettext("four of five months beyond 1 sigma on one side"),
    "WE4": lazy_gettext("eight months in a row on one side of the centre line"),
    "TREND": lazy_gettext("six months in a row rising or falling"),
}
"""The run rules of ``analysis.control_charts.run_rules`` as the page names a signal."""
