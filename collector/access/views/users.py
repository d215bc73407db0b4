"""Staff accounts (``/staff/users``): list, create, disable and enable.

Every view here runs behind ``collector.access.sessions.staff_area`` (log-in required, the
scoped-query guard on) and reads agency data only through ``collector.access.scoped``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from collector.access.accounts import AccountError
from collector.access.accounts import NewUser
from collector.access.accounts import create_user
from collector.access.accounts import may_assign
from collector.access.accounts import roles_for
from collector.access.accounts import set_active
from collector.access.identity import current_actor
from collector.access.passwords import MAX_PASSWORD
from collector.access.permissions import ROLE_LABELS
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
from collector.core.i18n import agency_name
from collector.core.i18n import current_language
from collector.core.i18n import translator
from collector.core.models import ROLES
from collector.core.models import Agency
from collector.core.models import User

bp = Blueprint("users", __name__, url_prefix="/staff", template_folder="../templates")
staff_area(bp)

AUDIT_PAGE = 100
NO_AGENCY = "-"


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


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
        agency_choices.insert(0, (NO_AGENCY, translator(language).gettext("(whole system)")))
    form.agency.choices = agency_choices
    offered = {r for a in agencies for r in roles_for(a) if may_assign(actor, r, a)}
    if allowed(actor, "users.manage", None):
        offered.add("system_admin")
    text = translator(language)
    form.role.choices = [(r, text.render(ROLE_LABELS[r])) for r in ROLES if r in offered]
    return form


@bp.route("/users", methods=["GET", "POST"])
def users() -> Any:
    actor = require("users.manage", any_agency=True)
    db = get_session()
    agencies = list(
        db.execute(scoped(select(Agency).order_by(col(Agency.code)), "users.manage")).scalars()
    )
    form = _user_form(actor, agencies)
    status = 200
    error = None  # a refusal no field of the form explains
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
            message = exc.text(current_language())
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                error = message
            status = 422
        else:
            return redirect(url_for("users.users", created=1), code=303)
    elif request.method == "POST":
        status = 422
    form.password.data = ""
    listed = list(
        db.execute(
            scoped(select(User).order_by(col(User.agency_id), col(User.email)), "users.manage")
        ).scalars()
    )
    names = {a.id: agency_name(a) for a in agencies}
    return (
        render_template(
            "access/users.html",
            actor=actor,
            form=form,
            users=listed,
            agency_names=names,
            role_labels=ROLE_LABELS,
            error=error,
            created=request.args.get("created") == "1",
        ),
        status,
    )


def _set_active(user_id: int, active: bool) -> Any:
    actor = current_actor()
    # 404 for another agency's account, 403 without the permission (both audited),
    # decided before the write transaction (SQLite: a denial is its own write).
    get_scoped(get_session(), User, user_id, "users.manage")
    with _write_session() as db:
        statement = scoped(select(User).where(col(User.id) == user_id), "users.manage", actor)
        user = db.execute(statement).scalar_one()
        try:
            set_active(db, user, active, actor=actor)
        except AccountError:
            abort(409)
        db.commit()
    return redirect(url_for("users.users"), code=303)


@bp.post("/users/<int:user_id>/disable")
def disable_user(user_id: int) -> Any:
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/enable")
def enable_user(user_id: int) -> Any:
    return _set_active(user_id, True)
