"""Staff log-in and log-out (``/staff/login``, ``/staff/logout``); see ``collector.access.auth``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from collector.access.identity import current_actor
from collector.access.passwords import MAX_PASSWORD
from collector.access.ratelimit import address_key, limit
from collector.access.sessions import authenticate, logout, safe_next, staff_area, start_session
from collector.core.forms import LocalisedForm

bp = Blueprint("auth", __name__, url_prefix="/staff", template_folder="../templates")
staff_area(bp, exempt=("auth.login", "auth.logout"))

ENDED_REASONS = {"idle", "absolute", "revoked", "logout"}


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
    error = None
    status = 200
    if form.validate_on_submit():
        result = authenticate(form.email.data or "", form.password.data or "")
        if result.ok and result.user is not None:
            start_session(result.user)
            return redirect(destination or url_for("console.home"), code=303)
        error = "login_throttled" if result.reason == "throttled" else "login_failed"
        status = 429 if result.reason == "throttled" else 200
    elif request.method == "POST":
        error = "login_failed"
    form.password.data = ""
    ended = request.args.get("ended")
    return (
        render_template(
            "access/login.html",
            form=form,
            error=error,
            ended=ended if ended in ENDED_REASONS else None,
            next=destination,
        ),
        status,
    )


@bp.post("/logout")
def logout_view() -> Any:
    if current_actor() is not None:
        logout()
    return redirect(url_for("auth.login", ended="logout"), code=303)
