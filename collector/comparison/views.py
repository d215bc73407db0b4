"""``/staff/results/agencies`` (``aggregates.read``): agencies, or for a system
administrator ministries, side by side on one questionnaire and wave.

The wave is a half-year or a year (``?wave=2025H1``, ``?wave=2025``, ROC keys such as
``114H1`` too); campaigns are an agency's own and do not line up across agencies. The
table sorts on the server (``?sort=share&dir=desc``), with links in the column
headings and ``aria-sort`` on the sorted one. Figures: ``collector.comparison.service``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint
from flask import render_template
from flask import request
from flask import url_for

from collector.access.permissions import require
from collector.access.sessions import staff_area
from collector.comparison import service
from collector.core import clock
from collector.core.db import get_session
from collector.core.disclosure import MIN_CELL
from collector.core.i18n import agency_name
from collector.core.i18n import current_language
from collector.core.i18n import gettext
from collector.core.i18n import translator
from collector.core.plugins import get_plugins
from collector.results.charts import Chart
from collector.results.charts import sparkline
from collector.results.waves import Wave
from collector.results.waves import parse_period
from collector.results.waves import period
from collector.results.waves import periods_between

bp = Blueprint("comparison", __name__, url_prefix="/staff/results", template_folder="templates")
staff_area(bp)

YEARS_OFFERED = 4
SORTS = ("name", "n", "share", "score", "on_time", "handling")


def offered_waves(today: date) -> list[Wave]:
    """Half-years and years of the last few years, newest first."""
    first = date(today.year - YEARS_OFFERED + 1, 1, 1)
    halves = periods_between("half", first, today)
    years = periods_between("year", first, today)
    return sorted(halves + years, key=lambda w: (w.end, w.kind == "half"), reverse=True)


def _sort_key(name: str, row: service.Row) -> Any:
    """Rows without the figure (suppressed, no answers) go last whatever the direction."""
    value: Any
    if name == "name":
        return (0, row.group.agency.code)
    if name == "n":
        value = None if row.suppressed else row.n
    elif name in ("share", "score", "handling"):
        figure = getattr(row, name)
        value = figure.estimate if figure is not None else None
    else:
        value = row.on_time
    return (1, 0) if value is None else (0, value)


def sort_rows(rows: list[service.Row], name: str, descending: bool) -> list[service.Row]:
    present = [r for r in rows if _sort_key(name, r)[0] == 0]
    absent = [r for r in rows if _sort_key(name, r)[0] == 1]
    present.sort(key=lambda r: _sort_key(name, r)[1], reverse=descending)
    return present + sorted(absent, key=lambda r: r.group.agency.code)


@bp.get("/agencies")
def agencies() -> Any:
    actor = require(service.ACTION, any_agency=True)
    db = get_session()
    language = current_language()
    plugins = get_plugins()
    questionnaires = [q for q in plugins.questionnaires.values() if q.kind == "citizen"]
    problems: list[str] = []
    slug = request.args.get("questionnaire", "citizen-satisfaction")
    questionnaire = next((q for q in questionnaires if q.slug == slug), None)
    if questionnaire is None:
        if "questionnaire" in request.args:
            problems.append(gettext("There is no such citizen questionnaire; showing the first."))
        questionnaire = questionnaires[0] if questionnaires else None
    today = clock.today()
    waves = offered_waves(today)
    wave = period("half", today)
    raw_wave = request.args.get("wave", "")
    if raw_wave:
        asked = parse_period(raw_wave)
        if asked is None or asked.start > today:
            problems.append(
                gettext("Choose a half-year or a year up to now, such as 2025H1 or 114H1.")
            )
        else:
            wave = asked
    sort = request.args.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    descending = request.args.get("dir", "asc" if sort == "name" else "desc") == "desc"
    level, groups = service.groups_for(db, actor)
    rows: list[service.Row] = []
    whole = None
    if questionnaire is not None and groups:
        rows, whole = service.compare(db, actor, questionnaire, wave, groups)
    rows = sort_rows(rows, sort, descending)
    query: dict[str, Any] = {
        "questionnaire": questionnaire.slug if questionnaire else "",
        "wave": wave.key,
    }

    def sort_link(name: str) -> str:
        """The heading's link: the other direction on the sorted column, else the
        column's natural one (names A to Z, figures highest first)."""
        if sort == name:
            direction = "asc" if descending else "desc"
        else:
            direction = "asc" if name == "name" else "desc"
        return url_for("comparison.agencies", **query, sort=name, dir=direction)

    labels = {}
    if questionnaire is not None:
        spec = questionnaire.analysis
        labels = {
            name: questionnaire.text(spec.dimension_labels[name], language)
            if name in spec.dimension_labels
            else name
            for name in spec.dimensions
        }
    trend_labels = [
        w.label(language)
        for w in periods_between("half", date(wave.end.year - 3, wave.end.month, 1), wave.end)
    ][-service.TREND_WAVES :]
    return (
        render_template(
            "comparison/agencies.html",
            actor=actor,
            level=level,
            questionnaires=questionnaires,
            questionnaire=questionnaire,
            waves=waves,
            wave=wave,
            wave_label=wave.label(language),
            rows=rows,
            whole=whole,
            dimension_labels=labels,
            sort=sort,
            descending=descending,
            sort_link=sort_link,
            sparkline=lambda values, name: trend_line(values, name, trend_labels, language),
            name=lambda agency: agency_name(agency, language),
            problems=problems,
            min_cell=MIN_CELL,
        ),
        400 if problems else 200,
    )


def trend_line(values: list[float | None], name: str, labels: list[str], language: str) -> Chart:
    """A row's half-year shares as a sparkline (percent), named with the waves it spans;
    a withheld wave (None) is skipped by the line and shown as a dash in its table."""
    shown = labels[-len(values) :] if values else []
    title = translator(language).gettext(
        "%(name)s: share satisfied by half-year, %(first)s to %(last)s (%%)",
        name=name,
        first=shown[0] if shown else "",
        last=shown[-1] if shown else "",
    )
    percent = [v * 100 if v is not None else None for v in values]
    return sparkline(percent, title=title, language=language)
