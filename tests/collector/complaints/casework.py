"""Helpers for complaint tests: categories, actors and cases made through the service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import select
from sqlmodel import Session

from collector.access.identity import actor_for_user
from collector.complaints import service
from collector.complaints.service import CaseService
from collector.core.db import get_engine, session_scope, writing
from collector.core.hooktypes import Actor
from collector.core.models import Agency, Complaint, ComplaintCategory, Unit, User

T = TypeVar("T")


def agency(session: Session, code: str) -> Agency:
    return session.execute(select(Agency).where(Agency.code == code)).scalar_one()


def unit(session: Session, agency_code: str, code: str) -> Unit:
    owner = agency(session, agency_code)
    statement = select(Unit).where(Unit.agency_id == owner.id, Unit.code == code)
    return session.execute(statement).scalar_one()


def add_category(app: Flask, agency_code: str, code: str = "roads", **fields: Any) -> int:
    """A complaint category (30 calendar days unless ``fields`` say otherwise)."""
    with session_scope(app) as session:
        row = ComplaintCategory(
            agency_id=agency(session, agency_code).id,
            code=code,
            name_zh=fields.pop("name_zh", "道路"),
            name_en=fields.pop("name_en", "Roads"),
            **fields,
        )
        session.add(row)
        session.flush()
        return row.id  # type: ignore[return-value]


def add_handler(app: Flask, agency_code: str, email: str, role: str = "case_handler") -> int:
    with session_scope(app) as session:
        user = User(
            email=email,
            display_name=email.split("@")[0],
            role=role,
            agency_id=agency(session, agency_code).id,
        )
        session.add(user)
        session.flush()
        return user.id  # type: ignore[return-value]


def actor(session: Session, user_id: int) -> Actor:
    user = session.get(User, user_id)
    assert user is not None
    return actor_for_user(user, db=session)


def file_case(app: Flask, agency_code: str, category_id: int, **fields: Any) -> service.NewCase:
    """A complaint filed online (anonymous unless contact details are given)."""
    values: dict[str, Any] = {
        "subject": "路燈不亮 Street light out",
        "description": "中山路 12 號前的路燈已經一週不亮。",
        "channel": "online",
        "language": "zh-Hant-TW",
    }
    values.update(fields)
    with app.app_context(), session_scope(app) as session:
        filed = CaseService(app, session).new_case(
            agency=agency(session, agency_code),
            category=session.get(ComplaintCategory, category_id),
            **values,
        )
        session.flush()
        session.expunge(filed.case)
    return filed


def act(app: Flask, case_id: int, work: Callable[[Session, Complaint], T]) -> T:
    """Run ``work`` on a fresh copy of the case in one write transaction (as a view does)."""
    with app.app_context(), Session(writing(get_engine(app)), expire_on_commit=False) as session:
        case = session.get(Complaint, case_id)
        assert case is not None
        result = work(session, case)
        session.commit()
        return result


def load(app: Flask, case_id: int) -> Complaint:
    with Session(get_engine(app), expire_on_commit=False) as session:
        case = session.get(Complaint, case_id)
        assert case is not None
        return case
