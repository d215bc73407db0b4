"""The logged-in staff member's own account (``/staff/account/...``): changing the password.

Changing the password ends every other session of the account (``session_version``
is bumped) and gives this browser a fresh session. Wrong current passwords back off
per account as failed log-ins do (``LOGIN_BACKOFF``, counted before the check), so
a session left open cannot be used to guess the password; every failure and the
change itself are audited.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col
from wtforms import PasswordField

from collector.access import audit
from collector.access import backoff
from collector.access.accounts import AccountError
from collector.access.accounts import change_password
from collector.access.backoff import Backoff
from collector.access.guard import unscoped
from collector.access.identity import current_actor
from collector.access.sessions import staff_area
from collector.access.sessions import start_session
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.forms import LocalisedForm
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import translator
from collector.core.models import User

bp = Blueprint("account", __name__, url_prefix="/staff/account", template_folder="../templates")
staff_area(bp)


class PasswordForm(LocalisedForm):
    """No WTForms validators: ``change_password`` checks every field, in the interface language."""

    current_password = PasswordField()
    new_password = PasswordField()
    confirm_password = PasswordField()


def _attempt(actor: Actor) -> backoff.Attempt:
    """Count this try of the current password against the account's back-off."""
    policy = Backoff.from_setting(current_app.config["LOGIN_BACKOFF"])
    key = backoff.Key("password-change", str(actor.user_id), policy)
    return backoff.attempt(get_engine(), (key,), clock.now().timestamp())


def _change(actor: Actor, user: User, form: PasswordForm, attempt: backoff.Attempt) -> User | None:
    """Change the password; the fresh account row, or None with the problem on the form
    (a wrong current password stays counted in the account's back-off and is audited)."""
    try:
        with Session(writing(get_engine()), expire_on_commit=False) as wdb:
            statement = select(User).where(col(User.id) == user.id).with_for_update()
            fresh = wdb.execute(unscoped(statement, "one's own account")).scalar_one()
            change_password(
                wdb,
                fresh,
                form.current_password.data or "",
                form.new_password.data or "",
                form.confirm_password.data or "",
                actor=actor,
            )
            wdb.commit()
    except AccountError as exc:
        if exc.key == "err_current_password" and form.current_password.data:
            audit.log(
                "password.change_failed", actor=actor, agency_id=actor.agency_id, target=actor.label
            )
        else:
            backoff.succeeded(get_engine(), attempt)
        field = getattr(form, exc.field)
        field.errors = [*field.errors, exc.text(current_language())]
        return None
    backoff.succeeded(get_engine(), attempt)
    return fresh


@bp.route("/password", methods=["GET", "POST"])
def password() -> Any:
    actor = current_actor()
    assert actor is not None  # staff_area
    text = translator(current_language())
    user = None
    if actor.user_id is not None and actor.source == "session":
        user = (
            get_session()
            .execute(
                unscoped(select(User).where(col(User.id) == actor.user_id), "one's own account")
            )
            .scalar_one_or_none()
        )
    form = PasswordForm()
    status = 422 if request.method == "POST" else 200
    notice = None
    if user is None or user.password_hash is None:
        # Single sign-on: the password (if any) is kept elsewhere.
        notice = text.gettext(
            "This account signs in through single sign-on; its password is not changed here."
        )
        status = 409 if request.method == "POST" else 200
    elif form.validate_on_submit():
        attempt = _attempt(actor)
        if not attempt.allowed:
            minutes = max(1, math.ceil(attempt.retry_after / 60))
            notice = text.ngettext(
                "Too many wrong current passwords; try again in %(num)s minute.",
                "Too many wrong current passwords; try again in %(num)s minutes.",
                minutes,
            )
            status = 429
        else:
            fresh = _change(actor, user, form, attempt)
            if fresh is not None:
                start_session(fresh)  # this browser stays in, with a new session
                return redirect(url_for("account.password", changed=1), code=303)
    for field in (form.current_password, form.new_password, form.confirm_password):
        field.data = ""
    page = render_template(
        "access/account_password.html",
        actor=actor,
        form=form,
        notice=notice,
        changed=request.args.get("changed") == "1",
        can_change=user is not None and user.password_hash is not None,
    )
    return page, status
