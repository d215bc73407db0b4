"""The staff console: home, staff accounts and the audit log (``/staff/...``).

Every view here runs behind ``collector.auth.staff_area`` (log-in required, the
scoped-query guard on) and reads agency data only through ``collector.scoped``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlmodel import Session
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from collector.accounts import AccountError, NewUser, create_user, may_assign, roles_for, set_active
from collector.audit import verify_chain
from collector.auth import MAX_PASSWORD, current_actor, now, staff_area
from collector.db import get_engine, get_session, writing
from collector.forms import LocalisedForm
from collector.i18n import current_language, translate
from collector.models import ROLES, Agency, AuditEvent, User
from collector.permissions import ACTIONS, Actor, allowed, may_somewhere, require
from collector.scoped import get_scoped, scoped

bp = Blueprint("staff", __name__, url_prefix="/staff")
staff_area(bp)

AUDIT_PAGE = 100
NO_AGENCY = "-"


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


def agency_name(agency: Agency | None) -> str:
    if agency is None:
        return translate("no_agency", current_language())
    return agency.name_en if current_language() == "en" else agency.name_zh


def _pages(actor: Actor) -> list[tuple[str, str]]:
    """Links to the console pages this actor may open (only pages that exist)."""
    pages = []
    if may_somewhere(actor, "users.manage"):
        pages.append(("staff_users", url_for("staff.users")))
    if may_somewhere(actor, "audit.read"):
        pages.append(("staff_audit", url_for("staff.audit_log")))
    if may_somewhere(actor, "agencies.manage"):
        pages.append(("staff_agencies", url_for("organisation.agencies")))
    if may_somewhere(actor, "units.manage"):
        pages.append(("staff_units", url_for("organisation.units")))
    if may_somewhere(actor, "campaigns.manage"):
        pages.append(("staff_survey", url_for("staff_survey.index")))
        pages.append(("staff_outbox", url_for("staff_survey.outbox")))
    elif may_somewhere(actor, "results.read"):
        pages.append(("staff_survey", url_for("staff_survey.results")))
    if may_somewhere(actor, "results.read"):
        pages.append(("staff_campaigns", url_for("campaigns.index")))
    if may_somewhere(actor, "paper.enter"):
        pages.append(("staff_paper", url_for("paper.setup")))
    if may_somewhere(actor, "aggregates.read"):
        pages.append(("staff_results", url_for("results.results")))
    if may_somewhere(actor, "cases.read"):
        pages.append(("staff_cases", url_for("cases.queue")))
    elif may_somewhere(actor, "cases.intake"):
        pages.append(("cs_intake", url_for("cases.new")))
    if may_somewhere(actor, "cases.manage"):
        pages.append(("staff_case_settings", url_for("case_settings.settings")))
    if may_somewhere(actor, "calendar.manage"):
        pages.append(("staff_calendar", url_for("case_settings.calendar")))
    if may_somewhere(actor, "cases.read"):
        pages.append(("dash_title", url_for("complaint_dashboard.index")))
    if may_somewhere(actor, "aggregates.read"):
        pages.append(("dash_agencies_title", url_for("complaint_dashboard.agencies")))
    if may_somewhere(actor, "cases.manage"):
        pages.append(("followup_title", url_for("complaint_followup.index")))
    if may_somewhere(actor, "responses.export"):
        pages.append(("followup_export", url_for("complaint_followup.export")))
    return pages


@bp.get("/")
def home() -> Any:
    actor = current_actor()
    assert actor is not None  # staff_area
    agency = None
    if actor.agency_id is not None:
        agency = (
            get_session()
            .execute(scoped(select(Agency).where(Agency.id == actor.agency_id), "console.use"))
            .scalar_one_or_none()
        )
    may = [a for a in ACTIONS if a != "console.use" and may_somewhere(actor, a)]
    return render_template(
        "staff/home.html",
        actor=actor,
        agency_label=agency_name(agency),
        actions=may,
        pages=_pages(actor),
    )


class CreateUserForm(LocalisedForm):
    email = EmailField(validators=[InputRequired(), Length(max=254)])
    display_name = StringField(validators=[InputRequired(), Length(max=100)])
    role = SelectField(validators=[InputRequired()])
    agency = SelectField()
    password = PasswordField(validators=[InputRequired(), Length(max=MAX_PASSWORD)])


def _user_form(actor: Actor, agencies: list[Agency]) -> CreateUserForm:
    """The form with only the choices this actor may make (checked again on save)."""
    form = CreateUserForm()
    language = current_language()
    agency_choices = [(a.code, f"{agency_name(a)} ({a.code})") for a in agencies]
    if allowed(actor, "users.manage", None):
        agency_choices.insert(0, (NO_AGENCY, translate("no_agency", language)))
    form.agency.choices = agency_choices
    offered = {r for a in agencies for r in roles_for(a) if may_assign(actor, r, a)}
    if allowed(actor, "users.manage", None):
        offered.add("system_admin")
    form.role.choices = [(r, translate(f"role_{r}", language)) for r in ROLES if r in offered]
    return form


@bp.route("/users", methods=["GET", "POST"])
def users() -> Any:
    actor = require("users.manage", any_agency=True)
    db = get_session()
    agencies = list(
        db.execute(scoped(select(Agency).order_by(Agency.code), "users.manage")).scalars()  # type: ignore[arg-type]
    )
    form = _user_form(actor, agencies)
    status = 200
    if form.validate_on_submit():
        by_code = {a.code: a for a in agencies}
        code = form.agency.data
        agency = None if code == NO_AGENCY else by_code.get(code or "")
        if code != NO_AGENCY and agency is None:
            abort(400)
        try:
            with _write_session() as wdb:
                create_user(
                    wdb,
                    NewUser(
                        email=form.email.data or "",
                        display_name=form.display_name.data or "",
                        role=form.role.data or "",
                        agency=agency,
                        password=form.password.data or "",
                    ),
                    actor=actor,
                )
                wdb.commit()
        except AccountError as exc:
            field = getattr(form, exc.field, None)
            message = translate(
                exc.key, current_language(), min=current_app.config["PASSWORD_MIN_LENGTH"]
            )
            if field is not None:
                field.errors = [*field.errors, message]
            status = 422
        else:
            return redirect(url_for("staff.users", created=1), code=303)
    elif request.method == "POST":
        status = 422
    form.password.data = ""
    listed = list(
        db.execute(
            scoped(select(User).order_by(User.agency_id, User.email), "users.manage")  # type: ignore[arg-type]
        ).scalars()
    )
    names = {a.id: agency_name(a) for a in agencies}
    return (
        render_template(
            "staff/users.html",
            actor=actor,
            form=form,
            users=listed,
            agency_names=names,
            created=request.args.get("created") == "1",
            locked={u.id for u in listed if u.locked_until and u.locked_until > now()},
        ),
        status,
    )


def _set_active(user_id: int, active: bool) -> Any:
    actor = current_actor()
    # 404 for another agency's account, 403 without the permission (both audited),
    # decided before the write transaction (SQLite: a denial is its own write).
    get_scoped(get_session(), User, user_id, "users.manage")
    with _write_session() as db:
        statement = scoped(select(User).where(User.id == user_id), "users.manage", actor)
        user = db.execute(statement).scalar_one()
        try:
            set_active(db, user, active, actor=actor)
        except AccountError:
            abort(409)
        db.commit()
    return redirect(url_for("staff.users"), code=303)


@bp.post("/users/<int:user_id>/disable")
def disable_user(user_id: int) -> Any:
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/enable")
def enable_user(user_id: int) -> Any:
    return _set_active(user_id, True)


@bp.get("/audit")
def audit_log() -> Any:
    actor = require("audit.read", any_agency=True)
    db = get_session()
    statement = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE)  # type: ignore[union-attr]
    before = request.args.get("before", type=int)
    if before is not None:
        statement = statement.where(AuditEvent.id < before)  # type: ignore[operator]
    events = list(db.execute(scoped(statement, "audit.read")).scalars())
    agencies = {
        a.id: a.code
        for a in db.execute(scoped(select(Agency), "audit.read")).scalars()  # type: ignore[arg-type]
    }
    return render_template(
        "staff/audit.html",
        actor=actor,
        events=events,
        agency_codes=agencies,
        status=verify_chain(db),
        older=events[-1].id if len(events) == AUDIT_PAGE else None,
    )
