"""The organisation every test starts from (ministry moi > agencies alpha, beta, each
with counters c1 and c2), and finding its rows again."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import QuestionnaireOffer
from collector.core.models import Unit
from collector.core.offering import forget


def seed_agencies(app: Flask) -> None:
    """Two agencies of one ministry, each with units: enough to test isolation."""
    with session_scope(app) as session:
        ministry = Agency(code="moi", name_zh="測試部", name_en="Test Ministry", level="ministry")
        session.add(ministry)
        session.flush()
        for code, zh, en in (
            ("alpha", "甲機關", "Agency Alpha"),
            ("beta", "乙機關", "Agency Beta"),
        ):
            agency = Agency(code=code, name_zh=zh, name_en=en, parent_id=ministry.id)
            session.add(agency)
            session.flush()
            assert agency.id is not None
            session.add(
                Unit(agency_id=agency.id, code="c1", name_zh="第一櫃台", name_en="Counter 1")
            )
            session.add(
                Unit(agency_id=agency.id, code="c2", name_zh="第二櫃台", name_en="Counter 2")
            )


def agency(session: Session, code: str) -> Agency:
    return session.execute(select(Agency).where(col(Agency.code) == code)).scalar_one()


def unit(session: Session, agency_code: str, code: str) -> Unit:
    owner = agency(session, agency_code)
    statement = select(Unit).where(col(Unit.agency_id) == owner.id, col(Unit.code) == code)
    return session.execute(statement).scalar_one()


def agency_id(app: Flask, code: str) -> int:
    with session_scope(app) as session:
        found = agency(session, code).id
    assert found is not None
    return found


def unit_id(app: Flask, agency_code: str, code: str) -> int:
    with session_scope(app) as session:
        found = unit(session, agency_code, code).id
    assert found is not None
    return found


LAND_OFFICE = ("land", "測試市中正地政事務所", "Test City Zhongzheng Land Office")
"""A land office (the land-office plugin offers its questionnaire there): code, names."""


def add_agency(
    app: Flask,
    code: str,
    name_zh: str,
    name_en: str,
    parent: str = "moi",
    units: tuple[str, ...] = ("c1",),
) -> int:
    """Another agency below ``parent``, with counters ``units``; its id."""
    with session_scope(app) as session:
        row = Agency(
            code=code, name_zh=name_zh, name_en=name_en, parent_id=agency(session, parent).id
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        for unit_code in units:
            session.add(Unit(agency_id=row.id, code=unit_code, name_zh="櫃台", name_en="Counter"))
        return row.id


def add_land_office(app: Flask) -> str:
    """The land office :data:`LAND_OFFICE`, with counter c1; its code."""
    add_agency(app, *LAND_OFFICE)
    return LAND_OFFICE[0]


def choose_offer(app: Flask, agency_code: str, slug: str, offered: bool = True) -> None:
    """Store an agency's own choice to offer a questionnaire or not (as the console does)."""
    with session_scope(app) as session:
        owner = agency(session, agency_code).id
        assert owner is not None
        session.merge(QuestionnaireOffer(agency_id=owner, slug=slug, offered=offered))
    forget(app)
