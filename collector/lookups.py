"""Finding agencies, units and questionnaire versions by their public codes."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from collector.models import Agency, Unit


def agency_by_code(session: Session, code: str) -> Agency | None:
    """A (non-ministry) agency that takes responses."""
    if not code or len(code) > 32:
        return None
    return session.execute(
        select(Agency).where(Agency.code == code, Agency.level == "agency")
    ).scalar_one_or_none()


def unit_by_code(session: Session, agency: Agency, code: str) -> Unit | None:
    if not code or len(code) > 32:
        return None
    return session.execute(
        select(Unit).where(Unit.agency_id == agency.id, Unit.code == code)
    ).scalar_one_or_none()


def public_agencies(session: Session) -> list[tuple[Agency, list[Unit]]]:
    """Agencies that take responses, each with its units, in code order."""
    agencies = (
        session.execute(select(Agency).where(Agency.level == "agency").order_by(Agency.code))
        .scalars()
        .all()
    )
    units = session.execute(select(Unit).order_by(Unit.agency_id, Unit.code)).scalars().all()
    by_agency: dict[int, list[Unit]] = {}
    for unit in units:
        by_agency.setdefault(unit.agency_id, []).append(unit)
    return [(a, by_agency.get(a.id or 0, [])) for a in agencies]
