"""Finding agencies, units and questionnaire versions by their public codes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session
from sqlmodel import SQLModel
from sqlmodel import col

from collector.core.models import Agency
from collector.core.models import Unit


def plausible_code(code: object) -> bool:
    """Whether ``code`` may be an agency's, unit's or category's code at all: a string of
    1 to 32 characters without NUL (PostgreSQL cannot compare text holding it: a query
    with one was a 500)."""
    return isinstance(code, str) and 0 < len(code) <= 32 and "\x00" not in code


def agency_by_code(session: Session, code: str) -> Agency | None:
    """A (non-ministry) agency that takes responses."""
    if not plausible_code(code):
        return None
    return session.execute(
        select(Agency).where(col(Agency.code) == code, col(Agency.level) == "agency")
    ).scalar_one_or_none()


def unit_by_code(session: Session, agency: Agency, code: str) -> Unit | None:
    if not plausible_code(code):
        return None
    return session.execute(
        select(Unit).where(col(Unit.agency_id) == agency.id, col(Unit.code) == code)
    ).scalar_one_or_none()


def public_agencies(session: Session) -> list[tuple[Agency, list[Unit]]]:
    """Agencies that take responses, each with its units, in code order."""
    agencies = (
        session.execute(
            select(Agency).where(col(Agency.level) == "agency").order_by(col(Agency.code))
        )
        .scalars()
        .all()
    )
    units = (
        session.execute(select(Unit).order_by(col(Unit.agency_id), col(Unit.code))).scalars().all()
    )
    by_agency: dict[int, list[Unit]] = {}
    for unit in units:
        by_agency.setdefault(unit.agency_id, []).append(unit)
    return [(a, by_agency.get(a.id or 0, [])) for a in agencies]


# Agencies and units found by code, cached per app (so per worker process) for a
# short while: a submission then costs no lookup. Only found rows are cached, so a
# new agency or unit is usable at once; a renamed or removed one is still accepted
# for at most CACHE_SECONDS. Cached rows are detached copies, never in a session.
CACHE_SECONDS = 30.0


def _cached(app: Flask, key: tuple, load: Callable[[], SQLModel | None]) -> Any:
    cache: dict[tuple, tuple[float, Any]] = app.extensions.setdefault("collector.core.lookups", {})
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    found = load()
    if found is None:
        cache.pop(key, None)
        return None
    copy = detached_copy(found)
    cache[key] = (now + CACHE_SECONDS, copy)
    return copy


def detached_copy(row: SQLModel) -> Any:
    """A copy of a loaded row that belongs to no session (safe to share between threads)."""
    copy = type(row).model_validate(row.model_dump())
    make_transient_to_detached(copy)
    return copy


def cached_agency_by_code(app: Flask, session: Callable[[], Session], code: str) -> Agency | None:
    """:func:`agency_by_code` through the per-app cache; ``session`` is called on a miss."""
    if not plausible_code(code):
        return None
    return _cached(app, ("agency", code), lambda: agency_by_code(session(), code))


def cached_unit_by_code(
    app: Flask, session: Callable[[], Session], agency: Agency, code: str
) -> Unit | None:
    """:func:`unit_by_code` through the per-app cache; ``session`` is called on a miss."""
    if not plausible_code(code):
        return None
    return _cached(app, ("unit", agency.id, code), lambda: unit_by_code(session(), agency, code))


def clear_cache(app: Flask) -> None:
    """Forget every cached agency and unit (e.g. after editing them)."""
    app.extensions.pop("collector.core.lookups", None)
