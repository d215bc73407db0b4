"""Staff log-in and log-out (``/staff/login``, ``/staff/logout``); see ``collector.access.auth``."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from wtforms import EmailField
from wtforms import PasswordField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from collector.access.identity import current_actor
from collector.access.passwords import MAX_PASSWORD
from collector.access.ratelimit import address_key
from collector.access.ratelimit import limit
from collector.access.sessions import LoginResult
from collector.access.sessions import authenticate
from collector.access.sessions import logout
from collector.access.sessions import safe_next
from collector.access.sessions import staff_area
from collector.access.sessions import start_session
from collector.core.forms import LocalisedForm
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import ngettext

bp = Blueprint("auth", __name__, url_prefix="/staff", template_folder="../templates")
staff_area(bp, exempt=("auth.login", "auth.logout"))

ENDED_REASONS: dict[str, LazyText] = {
    "idle": lazy_gettext("You were logged out after a period of inactivity. Please log in again."),
    "absolute": lazy_gettext("Your session reached its maximum length. Please log in again."),
    "revoked": lazy_gettext("Your session was ended. Please log in again."),
    "logout": lazy_gettext("You have logged out."),
}
"""Why a session ended (``?ended=``), as the log-in page tells it."""
LOGIN_FAILED = lazy_gettext("The email or password is incorrect, or the account is disabled.")
LOGIN_THROTTLED = lazy_gettext("Too many failed log-ins from this address. Please try again later.")


def _refusal(result: LoginResult) -> str:
    """Why the log-in failed: the same words for a wrong address, a wrong password and a
    disabled account; a back-off says how long to wait (the same for every account)."""
    if result.reason == "throttled":
        return str(LOGIN_THROTTLED)
    if result.reason == "backoff":
        minutes = max(1, math.ceil(result.retry_after / 60))
        return ngettext(
            "Too many failed log-ins for this account from here. Please try again in %(num)s minute.",
            "Too many failed log-ins for this account from here. Please try again in %(num)s minutes.",
            minutes,
        )
    return str(LOGIN_FAILED)


class LoginForm(LocalisedForm):
    email = EmailField(validators=[InputRequired(), Length(max=254)])
    password = PasswordField(validators=[InputRequired(), Length(max=MAX_PASSWORD)])


@bp.route("/login", methods=["GET", "POST"])
@limit("RATELIMIT_LOGIN", methods=("POST",), key=address_key)
def login() -> Any:
    destination = safe_next(request.args.get("next"))
    if current_actor() is not None:
        return redirect(destination or url_for("console.home"))
    form = LoginForm()
    error: str | None = None
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        result = authenticate(form.email.data or "", form.password.data or "")
        if result.ok and result.user is not None:
            start_session(result.user)
            return redirect(destination or url_for("console.home"), code=303)
        error = _refusal(result)
        if result.retry_after:
            status, headers = 429, {"Retry-After": str(result.retry_after)}
    elif request.method == "POST":
        error = str(LOGIN_FAILED)
    form.password.data = ""
    ended = request.args.get("ended")
    return (
        render_template(
            "access/login.html",
            form=form,
            error=error,
            ended=ENDED_REASONS.get(ended or ""),
            next=destination,
        ),
        status,
        headers,
    )


@bp.post("/logout")
def logout_view() -> Any:
    if current_actor() is not None:
        logout()
    return redirect(url_for("auth.login", ended="logout"), code=303)
