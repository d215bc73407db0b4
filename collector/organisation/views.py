"""Agencies and service units in the staff console (``/staff/agencies``, ``/staff/units``).

- ``/staff/agencies`` (``agencies.manage``): the agencies the actor may manage and a
  form to create one: a system administrator creates ministries and agencies, a
  ministry administrator agencies below its ministry.
- ``/staff/agencies/<id>``: rename one (404 outside the actor's tree).
- ``/staff/units`` (``units.manage``): the units of the agencies the actor may
  manage, and a form to create one; ``/staff/units/<id>``: rename one.

The rules are in ``collector.organisation.service``; every row is read through
``collector.access.scoped`` and every change is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import InputRequired

from collector.access.identity import current_actor
from collector.access.permissions import allowed
from collector.access.permissions import require
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.forms import LocalisedForm
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import Unit
from collector.organisation import service as org

bp = Blueprint("organisation", __name__, url_prefix="/staff", template_folder="templates")
staff_area(bp)

AGENCIES = "agencies.manage"
UNITS = "units.manage"
TOP = "-"  # the parent choice "none": a ministry, or a stand-alone agency

T = TypeVar("T")


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


def _name(row: Agency | Unit) -> str:
    return row.name_en if current_language() == "en" else row.name_zh


# Text fields carry no WTForms validators: ``collector.organisation.service`` checks them and
# :func:`_checked` reports every problem at once, in the interface language.
class NamesForm(LocalisedForm):
    name_zh = StringField()
    name_en = StringField()


class AgencyForm(NamesForm):
    code = StringField()
    level = SelectField(validators=[InputRequired()])
    parent = SelectField(validators=[InputRequired()])


class UnitForm(NamesForm):
    agency = SelectField(validators=[InputRequired()])
    code = StringField()


def _errors_to_form(form: FlaskForm, exc: org.OrganisationError) -> None:
    field = getattr(form, exc.field, None)
    message = org.ORGANISATION_ERRORS[exc.key].format(max=org.NAME_MAX)
    if field is not None:
        field.errors = [*field.errors, message]


def _checked(form: FlaskForm, *, code: bool) -> bool:
    """Check the code (when asked) and both names, every failing field marked; True if all pass."""
    problems = []
    if code:
        try:
            org.check_code((form.code.data or "").strip())
        except org.OrganisationError as exc:
            problems.append(exc)
    for field in ("name_zh", "name_en"):
        try:
            org.check_names(
                org.Names(
                    **{"name_zh": "x", "name_en": "x", field: getattr(form, field).data or ""}
                )
            )
        except org.OrganisationError as exc:
            problems.append(exc)
    for problem in problems:
        _errors_to_form(form, problem)
    return not problems


def _names(form: FlaskForm) -> org.Names:
    return org.Names(form.name_zh.data or "", form.name_en.data or "")


def _status() -> int:
    """A page shown again after a POST shows what was refused: 422."""
    return 422 if request.method == "POST" else 200


def _save(form: FlaskForm, change: Callable[[Session], T]) -> T | None:
    """Make ``change`` in a write transaction and commit it: what it returned, or None
    when it was refused (every reason marked on ``form``'s fields)."""
    try:
        with _write_session() as wdb:
            done = change(wdb)
            wdb.commit()
    except org.OrganisationError as exc:
        _errors_to_form(form, exc)
        return None
    except IntegrityError:
        # Two requests created the same code at once: the database's unique index decided.
        _errors_to_form(form, org.OrganisationError("code", "err_org_code_taken"))
        return None
    return done


# -- agencies ------------------------------------------------------------------------


def _agency_form(actor: Actor, agencies: list[Agency]) -> AgencyForm:
    language = current_language()
    form = AgencyForm()
    system = allowed(actor, AGENCIES, None)
    parents = [
        (str(a.id), f"{_name(a)} ({a.code})")
        for a in agencies
        if a.level == "ministry" and org.may_create_agency(actor, "agency", a)
    ]
    if system:
        # Last: a stand-alone agency is the exception, and cannot be moved later.
        parents.append(
            (TOP, translator(language).gettext("(none: managed by the system administrators)"))
        )
    form.parent.choices = parents
    text = translator(language)
    levels = [("agency", text.render(org.LEVEL_LABELS["agency"]))]
    if system:
        levels.append(("ministry", text.render(org.LEVEL_LABELS["ministry"])))
    form.level.choices = levels
    return form


@bp.route("/agencies", methods=["GET", "POST"])
def agencies() -> Any:
    actor = require(AGENCIES, any_agency=True)
    db = get_session()
    listed = list(db.execute(scoped(select(Agency).order_by(col(Agency.code)), AGENCIES)).scalars())
    form = _agency_form(actor, listed)
    if form.validate_on_submit() and _checked(form, code=True):
        by_id = {str(a.id): a for a in listed}
        choice = form.parent.data or ""
        parent = None if choice == TOP else by_id.get(choice)
        if choice != TOP and parent is None:
            abort(400)  # not a choice the form offered

        def create(wdb: Session) -> str:
            fresh = parent
            if fresh is not None:  # fresh, in the write transaction
                fresh = wdb.execute(
                    scoped(select(Agency).where(col(Agency.id) == fresh.id), AGENCIES, actor)
                ).scalar_one()
            created = org.create_agency(
                wdb,
                code=(form.code.data or "").strip(),
                names=_names(form),
                level=form.level.data or "",
                parent=fresh,
                actor=actor,
            )
            return created.code

        code = _save(form, create)
        if code is not None:
            return redirect(url_for("organisation.agencies", created=code), code=303)
    names = {a.id: f"{_name(a)} ({a.code})" for a in listed}
    return (
        render_template(
            "organisation/agencies.html",
            level_labels=org.LEVEL_LABELS,
            actor=actor,
            form=form,
            agencies=listed,
            names=names,
            created=request.args.get("created", "")[: org.CODE_MAX],
            renamed=request.args.get("renamed", "").isdigit(),
            may_units={a.id for a in listed if allowed(actor, UNITS, a.id)},
            code_max=org.CODE_MAX,
        ),
        _status(),
    )


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
def agency(agency_id: int) -> Any:
    return _rename(
        Agency,
        agency_id,
        AGENCIES,
        org.rename_agency,
        url_for("organisation.agencies", renamed=agency_id),
        "organisation/agency.html",
        "agency",
    )


def _rename(
    model: Any,
    ident: int,
    action: str,
    rename: Any,
    done_url: str,
    template: str,
    name: str,
) -> Any:
    """The rename page of one agency or unit: names only, codes are fixed."""
    db = get_session()
    row = get_scoped(db, model, ident, action)
    actor = current_actor()
    assert actor is not None
    form = NamesForm(obj=row if request.method == "GET" else None)
    if form.validate_on_submit() and _checked(form, code=False):

        def change(wdb: Session) -> dict[str, list[str]]:
            fresh = wdb.execute(
                scoped(select(model).where(model.id == ident), action, actor)
            ).scalar_one()
            return rename(wdb, fresh, _names(form), actor=actor)

        if _save(form, change) is not None:
            return redirect(done_url, code=303)
    return render_template(template, actor=actor, form=form, **{name: row}), _status()


# -- units ----------------------------------------------------------------------------


@bp.route("/units", methods=["GET", "POST"])
def units() -> Any:
    actor = require(UNITS, any_agency=True)
    db = get_session()
    agencies = [
        a
        for a in db.execute(scoped(select(Agency).order_by(col(Agency.code)), UNITS)).scalars()
        if a.level == "agency"
    ]
    form = UnitForm()
    form.agency.choices = [(str(a.id), f"{_name(a)} ({a.code})") for a in agencies]
    if request.method == "GET" and actor.agency_id is not None:
        form.agency.data = str(actor.agency_id)
    if form.validate_on_submit() and _checked(form, code=True):
        chosen = next((a for a in agencies if str(a.id) == form.agency.data), None)
        if chosen is None:
            abort(400)  # not a choice the form offered

        def create(wdb: Session) -> Unit:
            fresh = wdb.execute(
                scoped(select(Agency).where(col(Agency.id) == chosen.id), UNITS, actor)
            ).scalar_one()
            code = (form.code.data or "").strip()
            return org.create_unit(wdb, fresh, code=code, names=_names(form), actor=actor)

        if _save(form, create) is not None:
            return redirect(url_for("organisation.units", created=1), code=303)
    listed = list(
        db.execute(
            scoped(select(Unit).order_by(col(Unit.agency_id), col(Unit.code)), UNITS)
        ).scalars()
    )
    return (
        render_template(
            "organisation/units.html",
            actor=actor,
            form=form,
            units=listed,
            agency_names={a.id: f"{_name(a)} ({a.code})" for a in agencies},
            several=len(agencies) > 1,
            created=request.args.get("created") == "1",
            renamed=request.args.get("renamed") == "1",
            code_max=org.CODE_MAX,
        ),
        _status(),
    )


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit(unit_id: int) -> Any:
    return _rename(
        Unit,
        unit_id,
        UNITS,
        org.rename_unit,
        url_for("organisation.units", renamed=1),
        "organisation/unit.html",
        "unit",
    )
