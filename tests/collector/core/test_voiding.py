"""A voided response is left out of every ORM read of responses, however it is written,
and seen again only when a statement asks for it with ``including_voided``."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from collector.core.clock import utcnow
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Response
from collector.core.plugins import get_plugins
from collector.core.voiding import including_voided
from collector.results.reading import load_table
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses


def void(app: Flask, receipt: str) -> None:
    with session_scope(app) as session:
        session.execute(
            update(Response).where(Response.receipt == receipt).values(voided_at=utcnow())  # type: ignore[arg-type]
        )


def test_voided_responses_are_left_out_of_every_read(app: Flask) -> None:
    kept = add_responses(app, "alpha", count=2)
    (voided,) = add_responses(app, "alpha", campaign_id=None)
    void(app, voided)
    statements: list[Any] = [
        select(Response.receipt),
        select(Response),
        select(Agency.code, Response.receipt).join(Response, Response.agency_id == Agency.id),  # type: ignore[arg-type]
        select(Response.receipt).where(
            Response.id.in_(select(Response.id).where(Response.agency_id.is_not(None)))  # type: ignore[union-attr]
        ),
    ]
    with session_scope(app) as session:
        for statement in statements:
            rows = session.execute(statement).all()
            receipts = {r[-1] if isinstance(r[-1], str) else r[-1].receipt for r in rows}
            assert receipts == set(kept), statement
        assert session.execute(select(func.count()).select_from(Response)).scalar_one() == 2
        grouped = select(Response.agency_id, func.count()).group_by(Response.agency_id)
        assert [n for _a, n in session.execute(grouped).all()] == [2]
        everything = session.execute(including_voided(select(Response.receipt))).scalars()
        assert set(everything) == {*kept, voided}
        with app.app_context():
            table = load_table(session, get_plugins(app), SLUG)
        assert sorted(table.frame["receipt"]) == sorted(kept)


def test_a_voided_response_loaded_on_purpose_can_still_be_refreshed(app: Flask) -> None:
    (receipt,) = add_responses(app, "alpha")
    void(app, receipt)
    with session_scope(app) as session:
        statement = including_voided(select(Response).where(Response.receipt == receipt))
        response = session.execute(statement).scalar_one()
        session.expire(response)
        assert response.voided_at is not None  # reloaded, not refused as missing
