"""Staff accounts for tests: fast password hashing, one account per role, a clock."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Flask

from collector.access.passwords import hash_password
from collector.core.db import session_scope
from collector.core.models import User
from collector.testing.organisation import agency_id

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
        assert user.id is not None
        return user.id


def make_people(app: Flask) -> dict[str, int]:
    return {email: make_user(app, email, role, code) for email, (role, code) in PEOPLE.items()}
