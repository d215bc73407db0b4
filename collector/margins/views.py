"""The margins in the staff console (``/staff/margins``).

- ``/staff/margins`` (``results.read``): the agency's margins of a year, per unit,
  with each variable's total and a warning when the totals disagree.
- ``/staff/margins/<year>/<variable>`` (``margins.manage``): one variable's counts,
  agency-wide or for ``?unit=<id>``; ``.../remove`` deletes them.
- ``/staff/margins/upload`` (``margins.manage``): a CSV of any number of sets.

Every refusal lists each problem (a CSV's with its row) and saves nothing; every
change is audited (``collector.margins.store``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col

from collector.access.permissions import agencies_for
from collector.access.permissions import allowed
from collector.access.permissions import require
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.error_summary import report_error
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import Unit
from collector.core.plugins import get_plugins
from collector.margins import csvfile
from collector.margins import store
from collector.margins.categories import VARIABLE_LABELS
from collector.margins.categories import VARIABLES
from collector.margins.categories import Scheme
from collector.margins.categories import agency_schemes
from collector.margins.csvfile import resolve_category
from collector.margins.forms import FREE_ROWS
from collector.margins.forms import UploadForm
from collector.margins.forms import VariableForm
from collector.margins.forms import variable_form_class
from collector.margins.validation import FIRST_YEAR
from collector.margins.validation import MAX_COUNT
from collector.margins.validation import SOURCE_MAX
from collector.margins.validation import Problem
from collector.margins.validation import parse_count
from collector.margins.validation import source_ok
from collector.margins.validation import totals_warnings

bp = Blueprint("margins", __name__, url_prefix="/staff", template_folder="templates")
staff_area(bp)

READ = store.READ
MANAGE = store.MANAGE
MAX_LISTED_PROBLEMS = 200


def _agency(actor: Actor, action: str) -> Agency:
    """The agency whose margins the page shows: the actor's own when allowed there."""
    ids = agencies_for(actor, action)
    if not ids:
        abort(403)
    chosen = actor.agency_id if actor.agency_id in ids else min(ids)
    query = scoped(select(Agency).where(col(Agency.id) == chosen), action, actor)
    agency = get_session().execute(query).scalar_one_or_none()
    if agency is None:
        abort(404)
    return agency


def _units(agency: Agency, action: str) -> list[Unit]:
    query = select(Unit).where(col(Unit.agency_id) == agency.id).order_by(col(Unit.code))
    return list(get_session().execute(scoped(query, action)).scalars())


def _schemes(agency: Agency, action: str) -> dict[str, Scheme]:
    return agency_schemes(
        get_session(), get_plugins(), agency, lambda statement: scoped(statement, action)
    )


def _this_year() -> int:
    return clock.today(current_app).year


def _year_arg(default: int) -> int:
    raw = request.args.get("year", "")
    if raw.isascii() and raw.isdigit() and FIRST_YEAR <= int(raw) <= _this_year() + 1:
        return int(raw)
    return default


def _unit_name(unit: Unit) -> str:
    return unit.name_en if current_language() == "en" else unit.name_zh


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


def _save(agency: Agency, entries: list[store.Entry], actor: Actor, how: str) -> bool:
    """Save in one write transaction; False if a concurrent save won the unique index."""
    assert agency.id is not None
    try:
        with _write_session() as wdb:
            store.save(wdb, agency.id, entries, actor, how=how)
            wdb.commit()
    except IntegrityError:
        return False
    return True


# -- the overview --------------------------------------------------------------------


@bp.get("/margins")
def index() -> Any:
    actor = require(READ, any_agency=True)
    agency = _agency(actor, READ)
    assert agency.id is not None
    session = get_session()
    this_year = _this_year()
    years = store.years(session, agency.id, READ)
    year = _year_arg(years[0] if years else this_year)
    sets = store.stored_sets(session, agency.id, READ, year=year)
    units = {u.id: u for u in _units(agency, READ)}
    scopes: dict[int | None, dict[str, store.StoredSet]] = {None: {}}
    for s in sets:
        scopes.setdefault(s.unit_id, {})[s.variable] = s
    warnings = totals_warnings(
        (s.year, str(s.unit_id) if s.unit_id else None, s.variable, s.total) for s in sets
    )
    language = current_language()
    schemes = _schemes(agency, READ)
    return render_template(
        "margins/index.html",
        actor=actor,
        agency=agency,
        year=year,
        years=sorted(set(years) | {this_year, this_year - 1}, reverse=True),
        scopes=scopes,
        units=units,
        unit_name=_unit_name,
        variables=VARIABLES,
        variable_labels=VARIABLE_LABELS,
        schemes=schemes,
        language=language,
        warnings={(w.year, int(w.unit) if w.unit else None): w for w in warnings},
        may_manage=allowed(actor, MANAGE, agency.id),
        done=request.args.get("done", "")[:16],
        text=translator(language),
    )


# -- one variable ------------------------------------------------------------------


def _unit_choice(agency: Agency, raw: str | None) -> Unit | None:
    """The unit ``raw`` names among the agency's (None: agency-wide); 404 for any other."""
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit():
        abort(404)
    unit = next((u for u in _units(agency, MANAGE) if u.id == int(raw)), None)
    if unit is None:
        abort(404)
    return unit


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= _this_year() + 1:
        abort(404)


def _read_form(
    form: VariableForm, scheme: Scheme, rows: int
) -> tuple[list[tuple[str, int]], list[Problem]]:
    """The counts entered, or every problem (marked on its field as well)."""
    language = current_language()
    cells: list[tuple[str, int]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    if scheme.categories is None:
        entries = [
            (i, (getattr(form, f"name_{i}").data or "").strip(), getattr(form, f"count_{i}"))
            for i in range(rows)
        ]
    else:
        entries = [
            (i, c.value, getattr(form, f"count_{i}")) for i, c in enumerate(scheme.categories)
        ]
    for i, name, field in entries:
        raw = (field.data or "").strip()
        if scheme.categories is None:
            if not name and not raw:
                continue
            category, problem = resolve_category(i + 1, scheme, name)
            if problem is not None:
                getattr(form, f"name_{i}").errors = [problem.text(language)]
                problems.append(problem)
                continue
            assert category is not None
            if category in seen:
                problem = Problem(i + 1, "mg_err_repeat", {"other": seen[category]})
                getattr(form, f"name_{i}").errors = [problem.text(language)]
                problems.append(problem)
                continue
            seen[category] = i + 1
        else:
            category = name
            if not raw:
                continue  # a category the source does not count (e.g. "other")
        count = parse_count(raw)
        if isinstance(count, str):
            problem = Problem(i + 1, count, {"max": f"{MAX_COUNT:,}", "cell": raw[:40]})
            field.errors = [problem.text(language)]
            problems.append(problem)
            continue
        cells.append((category, count))
    if not source_ok(form.source.data or ""):
        problem = Problem(0, "mg_err_source", {"max": SOURCE_MAX})
        form.source.errors = [problem.text(language)]
        problems.append(problem)
    if not problems and len(cells) < 2:
        problem = Problem(
            0, "mg_err_too_few", {"variable": scheme.variable, "year": "", "unit": ""}
        )
        report_error(problem.text(language), "count_0")
        problems.append(problem)
    return cells, problems


def _set_request(year: int, variable: str) -> tuple[Actor, Agency, Unit | None]:
    """Who asks, for which agency and unit: one variable's set of one year (404 for an
    unknown variable, year or unit)."""
    actor = require(MANAGE, any_agency=True)
    if variable not in VARIABLES:
        abort(404)
    _check_year(year)
    agency = _agency(actor, MANAGE)
    return actor, agency, _unit_choice(agency, request.values.get("unit"))


@bp.route("/margins/<int:year>/<variable>", methods=["GET", "POST"])
def variable(year: int, variable: str) -> Any:
    actor, agency, unit = _set_request(year, variable)
    assert agency.id is not None
    unit_id = unit.id if unit is not None else None
    scheme = _schemes(agency, MANAGE)[variable]
    session = get_session()
    sets = store.stored_sets(session, agency.id, MANAGE, year=year)
    mine = [s for s in sets if s.unit_id == unit_id]
    current = next((s for s in mine if s.variable == variable), None)
    stored = current.counts() if current else {}
    free_names = list(stored) if scheme.categories is None else []
    rows = max(FREE_ROWS, len(free_names) + 5)
    form = variable_form_class(scheme, rows)()
    if request.method == "GET":
        form.unit.data = str(unit_id or "")
        form.source.data = current.source if current else ""
        if scheme.categories is None:
            for i, name in enumerate(free_names):
                getattr(form, f"name_{i}").data = name
                getattr(form, f"count_{i}").data = f"{stored[name]}"
        else:
            for i, c in enumerate(scheme.categories):
                if c.value in stored:
                    getattr(form, f"count_{i}").data = f"{stored[c.value]}"
    status = 200
    entered_total = None
    if request.method == "POST" and scheme.categories != ():
        if form.validate_on_submit():
            cells, problems = _read_form(form, scheme, rows)
            entered_total = sum(c for _, c in cells)
            if not problems:
                entry = store.Entry(
                    year, unit_id, variable, tuple(cells), (form.source.data or "").strip()
                )
                if _save(agency, [entry], actor, "form"):
                    return redirect(url_for("margins.index", year=year, done="saved"), code=303)
                report_error(Problem(0, "mg_err_concurrent").text(current_language()))
        status = 422
    elif request.method == "POST":
        status = 422
    others = {s.variable: s.total for s in mine if s.variable != variable}
    return (
        render_template(
            "margins/variable.html",
            actor=actor,
            agency=agency,
            year=year,
            variable=variable,
            variable_labels=VARIABLE_LABELS,
            scheme=scheme,
            form=form,
            rows=rows,
            unit=unit,
            unit_name=_unit_name,
            current=current,
            others=others,
            entered_total=entered_total,
            language=current_language(),
            source_max=SOURCE_MAX,
        ),
        status,
    )


@bp.post("/margins/<int:year>/<variable>/remove")
def remove(year: int, variable: str) -> Any:
    actor, agency, unit = _set_request(year, variable)
    assert agency.id is not None
    form = VariableForm()
    if not form.validate_on_submit():
        abort(400)
    with _write_session() as wdb:
        removed = store.remove(wdb, agency.id, year, unit.id if unit else None, variable, actor)
        wdb.commit()
    return redirect(
        url_for("margins.index", year=year, done="removed" if removed else ""), code=303
    )


# -- a CSV -------------------------------------------------------------------------


@bp.route("/margins/upload", methods=["GET", "POST"])
def upload() -> Any:
    actor = require(MANAGE, any_agency=True)
    agency = _agency(actor, MANAGE)
    assert agency.id is not None
    # Read a file somewhat over the limit, to say so on the form instead of a bare 413.
    request.max_content_length = csvfile.MAX_BYTES * 2 + 16_384
    form = UploadForm()
    language = current_language()
    problems: list[Problem] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            problems = _upload(form, agency, actor)
            if not problems:
                return redirect(url_for("margins.index", done="imported"), code=303)
    text = translator(language)
    listed = [(p.line, p.text(language)) for p in problems[:MAX_LISTED_PROBLEMS]]
    for line, message in listed:
        label = text.gettext("Row %(line)s", line=line) if line else None
        report_error(message, "file", label)
    return (
        render_template(
            "margins/upload.html",
            actor=actor,
            agency=agency,
            form=form,
            problems=listed,
            more=max(0, len(problems) - MAX_LISTED_PROBLEMS),
            max_kb=csvfile.MAX_BYTES // 1000,
            max_rows=csvfile.MAX_ROWS,
            units=_units(agency, MANAGE),
            unit_name=_unit_name,
            source_max=SOURCE_MAX,
        ),
        status,
    )


def _upload(form: UploadForm, agency: Agency, actor: Actor) -> list[Problem]:
    """Check the file and save it whole, or return every problem and save nothing."""
    upload = form.file.data
    data = (
        upload.read(csvfile.MAX_BYTES + 1)
        if upload is not None and hasattr(upload, "read")
        else b""
    )
    problems: list[Problem] = []
    source = (form.source.data or "").strip()
    if not source_ok(source):
        problems.append(Problem(0, "mg_err_source", {"max": SOURCE_MAX}))
    if upload is None or not getattr(upload, "filename", ""):
        return [Problem(0, "mg_err_no_file"), *problems]
    units = {u.code: u for u in _units(agency, MANAGE)}
    rows, file_problems = csvfile.parse(data, _schemes(agency, MANAGE), set(units), _this_year())
    problems += file_problems
    if problems:
        return problems
    grouped: dict[tuple[int, str | None, str], list[csvfile.Row]] = {}
    for row in rows:
        grouped.setdefault((row.year, row.unit, row.variable), []).append(row)
    entries = [
        store.Entry(
            year,
            units[unit].id if unit else None,
            variable,
            tuple((r.category, r.count) for r in members),
            source,
        )
        for (year, unit, variable), members in grouped.items()
    ]
    if not _save(agency, entries, actor, "csv"):
        return [Problem(0, "mg_err_concurrent")]
    return []
