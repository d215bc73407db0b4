"""Finding the demo's own rows again: an agency's administrator (who makes its
campaigns and staff surveys) and its units by code."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.identity import actor_for_user
from collector.core.hooktypes import Actor
from collector.core.models import Unit
from collector.core.models import User


def admin_actor(session: Session, agency_code: str) -> Actor:
    """The demo agency's administrator (``admin@<code>.example``), as an actor."""
    admin = session.execute(
        select(User).where(col(User.email) == f"admin@{agency_code}.example")
    ).scalar_one()
    return actor_for_user(admin, source="demo", db=session)


def units_by_code(session: Session, agency_id: int) -> dict[str, Unit]:
    return {
        u.code: u
        for u in session.execute(select(Unit).where(col(Unit.agency_id) == agency_id)).scalars()
    }


def unit_ids(units: dict[str, Unit]) -> dict[str, int]:
    """Each stored unit's id by its code."""
    return {code: u.id for code, u in units.items() if u.id is not None}
