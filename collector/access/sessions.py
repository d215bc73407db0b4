"""Staff log-in and sessions, and the staff area that requires them.

- Passwords are checked by ``collector.access.passwords``; every failure gets the
  same message.
- Failed log-ins lock nothing (a lock anyone can trigger is a lock-out of anyone):
  they back off per account and address (``LOGIN_BACKOFF``: a few free failures,
  then waits that double) and per address on every account
  (``LOGIN_ADDRESS_BACKOFF``), counted atomically in the database by
  ``collector.access.backoff`` before the password is checked. The owner logging in
  from elsewhere is never held back by a stranger's failures.
- A log-in clears the session and issues a new one (a new random ``staff_sid``)
  so that a session planted before log-in is worth nothing. The session records
  the account's ``session_version``: disabling an account or logging out bumps it,
  which ends every session of that account on its next request. Sessions end
  after ``SESSION_IDLE_MINUTES`` without a request and ``SESSION_ABSOLUTE_HOURS``
  after log-in whatever the activity.
- :func:`session_actor` is the core's answer to ``actor_from_request``
  (``collector.access.identity.current_actor`` asks the hook).

Time comes from ``collector.core.clock``, which tests replace through the ``CLOCK`` setting.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint
from flask import Flask
from flask import Request
from flask import current_app
from flask import g
from flask import jsonify
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access import backoff
from collector.access.backoff import Backoff
from collector.access.guard import enforce_on_this_request
from collector.access.guard import unscoped
from collector.access.identity import actor_for_user
from collector.access.identity import current_actor
from collector.access.identity import find_user
from collector.access.identity import load_user
from collector.access.identity import normalise_email
from collector.access.passwords import hash_password
from collector.access.passwords import hasher
from collector.access.passwords import verify_password
from collector.access.permissions import deny
from collector.access.permissions import may_somewhere
from collector.access.permissions import scope_of
from collector.access.ratelimit import client_address
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.i18n import staff_language
from collector.core.models import User

SESSION_KEYS = ("staff_uid", "staff_sv", "staff_sid", "staff_login", "staff_seen")
SEEN_GRANULARITY = 15  # seconds: how stale ``staff_seen`` may get before it is rewritten


# -- passwords --------------------------------------------------------------


# -- actors -----------------------------------------------------------------


def _end(reason: str) -> None:
    for key in SESSION_KEYS:
        session.pop(key, None)
    g.session_ended = reason


def session_actor(req: Request) -> Actor | None:
    """The actor of the staff session, enforcing time-outs and revocation.

    The core's ``actor_from_request`` (``collector.access.hooks``).
    """
    user_id = session.get("staff_uid")
    if user_id is None:
        return None
    moment = clock.now().timestamp()
    config = current_app.config
    login_at = float(session.get("staff_login", 0))
    seen = float(session.get("staff_seen", 0))
    if moment - login_at > config["SESSION_ABSOLUTE_HOURS"] * 3600:
        _end("absolute")
        return None
    if moment - seen > config["SESSION_IDLE_MINUTES"] * 60:
        _end("idle")
        return None
    db = get_session()
    user = load_user(db, user_id)
    if user is None or not user.active or session.get("staff_sv") != user.session_version:
        _end("revoked")
        return None
    if moment - seen >= SEEN_GRANULARITY:
        session["staff_seen"] = moment
    return actor_for_user(user, db=db)


# -- log-in -----------------------------------------------------------------


@dataclass
class LoginResult:
    user: User | None
    reason: str  # ok | unknown | password | disabled | throttled | backoff
    retry_after: int = 0  # seconds to wait, when throttled or backing off

    @property
    def ok(self) -> bool:
        return self.reason == "ok"


def login_keys(email: str) -> tuple[backoff.Key, ...]:
    """What a log-in attempt counts against: the account from this address, and this
    address on every account (a success takes only itself back there)."""
    config = current_app.config
    address = client_address(request)
    return (
        backoff.Key("login", f"{email}|{address}", Backoff.from_setting(config["LOGIN_BACKOFF"])),
        backoff.Key(
            "login-address",
            address,
            Backoff.from_setting(config["LOGIN_ADDRESS_BACKOFF"]),
            resets=False,
        ),
    )


def authenticate(email: str, password: str) -> LoginResult:
    """Check a log-in attempt, count failures, audit it. Does not touch the session."""
    address = request.remote_addr
    email = normalise_email(email)[:254]
    engine = get_engine()
    attempt = backoff.attempt(engine, login_keys(email), clock.now().timestamp())
    if attempt.refused_by is not None:
        reason = "throttled" if attempt.refused_by.kind == "login-address" else "backoff"
        detail = {"reason": reason, "retry_after": attempt.retry_after}
        audit.log("login.failure", actor_label=email, target=email, detail=detail)
        return LoginResult(None, reason, attempt.retry_after)

    user = find_user(email)
    password_ok = verify_password(user.password_hash if user else None, password)
    with Session(writing(engine), expire_on_commit=False) as db:
        fresh = None
        if user is not None:
            statement = select(User).where(col(User.id) == user.id).with_for_update()
            fresh = db.execute(unscoped(statement, "log-in")).scalar_one()
        if fresh is None:
            reason = "unknown"
        elif not fresh.active:
            reason = "disabled"
        elif not password_ok:
            reason = "password"
        else:
            reason = "ok"
        actor_label = fresh.email if fresh else email
        agency_id = fresh.agency_id if fresh else None
        if reason == "ok" and fresh is not None:
            fresh.last_login_at = clock.now()
            if fresh.password_hash and hasher().check_needs_rehash(fresh.password_hash):
                fresh.password_hash = hash_password(password)
            db.add(fresh)
        for key, failures, seconds in attempt.started_waiting if reason != "ok" else ():
            audit.record(
                db,
                "login.throttled",
                actor_label=actor_label,
                agency_id=agency_id if key.kind == "login" else None,
                target=actor_label if key.kind == "login" else "",
                detail={"per": key.kind, "failures": failures, "seconds": int(seconds)},
                address=address,
            )
        audit.record(
            db,
            "login.success" if reason == "ok" else "login.failure",
            actor_user_id=fresh.id if fresh is not None and reason == "ok" else None,
            actor_label=actor_label,
            agency_id=agency_id,
            target=actor_label,
            detail={} if reason == "ok" else {"reason": reason},
            address=address,
        )
        db.commit()
    if reason == "ok":
        backoff.succeeded(engine, attempt)
    return LoginResult(fresh if reason == "ok" else None, reason)


def start_session(user: User) -> None:
    """Rotate the session: drop everything (a planted session id, CSRF token) and
    issue a new one for ``user``."""
    language = session.get("lang")
    session.clear()
    moment = clock.now().timestamp()
    session["staff_uid"] = user.id
    session["staff_sv"] = user.session_version
    session["staff_sid"] = secrets.token_urlsafe(24)
    session["staff_login"] = moment
    session["staff_seen"] = moment
    if language:
        session["lang"] = language
    g.pop("collector_actor", None)


def end_all_sessions(db: Session, user: User) -> None:
    """End every session of ``user`` (on its next request): bump ``session_version``."""
    user.session_version += 1
    db.add(user)


def logout() -> None:
    """End this account's sessions everywhere and clear this browser's session."""
    actor = current_actor()
    if actor is not None and actor.user_id is not None and actor.source == "session":
        with Session(writing(get_engine()), expire_on_commit=False) as db:
            statement = select(User).where(col(User.id) == actor.user_id).with_for_update()
            user = db.execute(unscoped(statement, "log-out")).scalar_one_or_none()
            if user is not None:
                end_all_sessions(db, user)
            audit.record(
                db,
                "logout",
                actor=actor,
                agency_id=actor.agency_id,
                target=actor.label,
                address=request.remote_addr,
            )
            db.commit()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    g.pop("collector_actor", None)


# -- guarding the staff area ------------------------------------------------


def safe_next(target: str | None) -> str | None:
    """A post-log-in destination inside the staff area, or None (no open redirects)."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/"):
        return None
    if target.startswith("//"):
        return None
    return target


def _login_redirect() -> Any:
    if request.path.startswith("/api/") or request.path.startswith("/-/"):
        return jsonify({"error": "log in first"}), 401
    args: dict[str, Any] = {}
    if request.method == "GET" and safe_next(request.full_path.rstrip("?")):
        args["next"] = request.full_path.rstrip("?")
    if g.get("session_ended"):
        args["ended"] = g.session_ended
    return redirect(url_for("auth.login", **args))


def staff_area(bp: Blueprint, exempt: tuple[str, ...] = ()) -> None:
    """Protect every view of ``bp``: a logged-in actor allowed ``console.use``, the
    scoped-query guard on, the staff language chosen. ``exempt`` endpoints skip the
    log-in check (the log-in page itself)."""

    @bp.before_request
    def _staff_only() -> Any:
        enforce_on_this_request()
        staff_language()
        if request.endpoint in exempt:
            return None
        actor = current_actor()
        if actor is None:
            return _login_redirect()
        if not may_somewhere(actor, "console.use"):
            deny(actor, "console.use", actor.agency_id, status=403)
        return None


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a view outside a ``staff_area`` blueprint (a plugin's page)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        enforce_on_this_request()
        if current_actor() is None:
            return _login_redirect()
        return view(*args, **kwargs)

    return wrapper


def init_app(app: Flask) -> None:
    @app.errorhandler(401)
    def _unauthorised(_exc: Exception) -> Any:
        return _login_redirect()

    hasher(app)  # fail at start-up on bad PASSWORD_HASH parameters (hashing nothing yet)
    app.add_template_global(scope_of)  # the console's navigation asks the role's scope
