"""Helpers for tests of the staff console: fast password hashing, people, log-in, a clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.access.passwords import hash_password
from collector.core.db import session_scope
from collector.core.models import Agency, User

FAST_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
"""Argon2id parameters cheap enough for tests (production uses argon2-cffi's defaults)."""

PASSWORD = "correct horse battery staple"

PEOPLE: dict[str, tuple[str, str | None]] = {
    "sysadmin@example.test": ("system_admin", None),
    "ministry@moi.example.test": ("ministry_admin", "moi"),
    "admin@alpha.example.test": ("agency_admin", "alpha"),
    "analyst@alpha.example.test": ("analyst", "alpha"),
    "cases@alpha.example.test": ("case_handler", "alpha"),
    "counter@alpha.example.test": ("counter_staff", "alpha"),
    "admin@beta.example.test": ("agency_admin", "beta"),
    "analyst@beta.example.test": ("analyst", "beta"),
}
"""One account per role of agency alpha, plus the ministry, the system and beta's staff."""


class Clock:
    """A controllable clock for ``app.config["CLOCK"]``."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def agency_id(app: Flask, code: str) -> int:
    with session_scope(app) as session:
        return session.execute(select(Agency.id).where(Agency.code == code)).scalar_one()


def make_user(
    app: Flask,
    email: str,
    role: str,
    agency_code: str | None,
    password: str | None = PASSWORD,
    display_name: str | None = None,
    **fields: Any,
) -> int:
    """Store an account directly (bypassing the checks under test elsewhere)."""
    agency = agency_id(app, agency_code) if agency_code else None
    with app.app_context():
        password_hash = hash_password(password, app) if password else None
    with session_scope(app) as session:
        user = User(
            email=email,
            display_name=display_name or email.split("@")[0],
            role=role,
            agency_id=agency,
            password_hash=password_hash,
            **fields,
        )
        session.add(user)
        session.flush()
        return user.id  # type: ignore[return-value]


def make_people(app: Flask) -> dict[str, int]:
    return {email: make_user(app, email, role, code) for email, (role, code) in PEOPLE.items()}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Auth:
    """Log in and out through the real pages (the tutorial's ``AuthActions``)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **query: str) -> Any:
        page = self.client.get("/staff/login", query_string=query)
        return self.client.post(
            "/staff/login",
            query_string=query,
            data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        )

    def csrf(self) -> str:
        page = self.client.get("/staff/")
        if page.status_code != 200:
            page = self.client.get("/staff/login")
        return csrf_from(page.text)

    def logout(self) -> Any:
        return self.client.post("/staff/logout", data={"csrf_token": self.csrf()})


def logged_in(response: Any) -> bool:
    return response.status_code == 303 and response.headers["Location"].endswith("/staff/")
