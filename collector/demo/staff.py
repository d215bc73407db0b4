"""One demo staff account per role for the demo agencies, all with one password."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlmodel import col

from collector.access import audit
from collector.access.passwords import hash_password
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import User
from collector.demo.responses import MINISTRY

DEMO_PASSWORD = "collector-demo-2026"
"""The password of every demo staff account (README). Demo data only: never in production."""


DEMO_STAFF: list[tuple[str, str, str, str | None]] = [
    ("sysadmin@demo.example", "示範系統管理者", "system_admin", None),
    ("ministry@demo-city.example", "示範市府管理者", "ministry_admin", MINISTRY[0]),
    *[
        (f"{prefix}@{code}.example", f"{short}{label}", role, code)
        for code, short in (("demo-land", "中正地政"), ("demo-household", "大安戶政"))
        for prefix, label, role in (
            ("admin", "管理者", "agency_admin"),
            ("analyst", "分析人員", "analyst"),
            ("cases", "陳情承辦人", "case_handler"),
            ("counter", "櫃台人員", "counter_staff"),
        )
    ],
]
"""(email, display name, role, agency code): one account per role for the demo agencies."""


def seed_demo_staff(app: Flask) -> list[tuple[str, str, str | None]]:
    """Create the demo staff accounts that do not exist yet; list every demo account."""

    with session_scope(app) as session:
        codes = {a.code: a.id for a in session.execute(select(Agency)).scalars()}
        existing = set(session.execute(select(col(User.email))).scalars())
        password_hash = None
        for email, name, role, agency_code in DEMO_STAFF:
            if email in existing or (agency_code is not None and agency_code not in codes):
                continue
            if password_hash is None:  # one hash for all: hashing is deliberately slow
                with app.app_context():
                    password_hash = hash_password(DEMO_PASSWORD, app)
            agency_id = codes[agency_code] if agency_code is not None else None
            user = User(
                email=email,
                display_name=name,
                role=role,
                agency_id=agency_id,
                password_hash=password_hash,
            )
            session.add(user)
            session.flush()
            audit.record(
                session,
                "user.created",
                actor_label="demo",
                agency_id=agency_id,
                target=email,
                detail={"user_id": user.id, "role": role, "demo": True},
            )
    return [(email, role, code) for email, _name, role, code in DEMO_STAFF]
