"""Reading and saving an agency's margins; every change audited with the change itself.

Saving replaces whole sets: the counts of one variable, year and unit (or the agency
as a whole) are entered together, so a new entry of them replaces the old one, and a
CSV replaces every set it holds and leaves the others alone. Rows are read through
``collector.access.scoped`` with the caller's action (``results.read`` to show them,
``margins.manage`` to change them, ``aggregates.read`` for weighting).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.guard import S
from collector.access.guard import unscoped
from collector.access.scoped import scoped
from collector.core import clock
from collector.core.hooktypes import Actor
from collector.margins.categories import VARIABLES
from collector.margins.models import MarginCell
from collector.margins.models import MarginSet

MANAGE = "margins.manage"
READ = "results.read"


@dataclass(frozen=True)
class Entry:
    """One set to save: a variable's counts for a year and a unit (None: the agency)."""

    year: int
    unit_id: int | None
    variable: str
    cells: tuple[tuple[str, int], ...]
    source: str

    @property
    def total(self) -> int:
        return sum(count for _, count in self.cells)


@dataclass(frozen=True)
class StoredSet:
    """A saved set with its cells, in entry order."""

    id: int
    year: int
    unit_id: int | None
    variable: str
    source: str
    changed_at: datetime
    cells: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.cells)

    def counts(self) -> dict[str, int]:
        return dict(self.cells)


def _maybe_scoped(statement: S, action: str, actor: Actor | None) -> S:
    """Scoped for a staff request; outside one (a command, the demo) the caller chose the
    agency, as ``collector analyse`` does."""
    if action == "":
        return unscoped(statement, "margins read outside a request")
    return scoped(statement, action, actor)


def stored_sets(
    session: Session,
    agency_id: int,
    action: str,
    actor: Actor | None = None,
    *,
    year: int | None = None,
) -> list[StoredSet]:
    """The agency's sets (of one year, or all), by year, unit and variable order.

    ``action`` "" reads without scoping (no request: commands and the demo)."""
    query = select(MarginSet).where(col(MarginSet.agency_id) == agency_id)
    if year is not None:
        query = query.where(col(MarginSet.year) == year)
    sets = list(session.execute(_maybe_scoped(query, action, actor)).scalars())
    if not sets:
        return []
    ids = [s.id for s in sets]
    cells_query = (
        select(MarginCell)
        .where(col(MarginCell.set_id).in_(ids))
        .order_by(col(MarginCell.set_id), col(MarginCell.position))
    )
    cells: dict[int, list[tuple[str, int]]] = {}
    for cell in session.execute(_maybe_scoped(cells_query, action, actor)).scalars():
        cells.setdefault(cell.set_id, []).append((cell.category, cell.count))
    order = {v: i for i, v in enumerate(VARIABLES)}
    out = [
        StoredSet(
            s.id or 0,
            s.year,
            s.unit_id,
            s.variable,
            s.source,
            s.changed_at,
            tuple(cells.get(s.id or 0, [])),
        )
        for s in sets
    ]
    return sorted(out, key=lambda s: (-s.year, s.unit_id or 0, order.get(s.variable, 99)))


def years(session: Session, agency_id: int, action: str, actor: Actor | None = None) -> list[int]:
    """The years the agency has margins for, newest first."""
    query = (
        select(col(MarginSet.year))
        .where(col(MarginSet.agency_id) == agency_id)
        .distinct()
        .order_by(col(MarginSet.year).desc())
    )
    return list(session.execute(_maybe_scoped(query, action, actor)).scalars())


def _remove(session: Session, set_ids: Iterable[int], actor: Actor | None) -> None:
    ids = list(set_ids)
    if not ids:
        return
    action = MANAGE if actor is not None else ""
    for model, column in ((MarginCell, MarginCell.set_id), (MarginSet, MarginSet.id)):
        statement = delete(model).where(col(column).in_(ids))
        # no ORM synchronisation: its own SELECT would bypass the scoping
        options = statement.execution_options(synchronize_session=False)
        session.execute(_maybe_scoped(options, action, actor))


def _existing(
    session: Session, agency_id: int, keys: set[tuple[int, int | None, str]], actor: Actor | None
) -> dict[tuple[int, int | None, str], StoredSet]:
    action = MANAGE if actor is not None else ""
    found = {}
    for year in sorted({k[0] for k in keys}):
        for s in stored_sets(session, agency_id, action, actor, year=year):
            if (s.year, s.unit_id, s.variable) in keys:
                found[(s.year, s.unit_id, s.variable)] = s
    return found


def save(
    session: Session,
    agency_id: int,
    entries: list[Entry],
    actor: Actor | None,
    *,
    how: str,
) -> int:
    """Replace the sets ``entries`` name with them, in the caller's write transaction,
    and audit it (``margins.changed``: each set's year, unit, variable, total and source,
    and the totals they replaced). ``how``: "form" or "csv". Returns the sets saved."""
    keys = {(e.year, e.unit_id, e.variable) for e in entries}
    old = _existing(session, agency_id, keys, actor)
    _remove(session, (s.id for s in old.values()), actor)
    session.flush()
    now = clock.utcnow()
    for entry in entries:
        row = MarginSet(
            agency_id=agency_id,
            unit_id=entry.unit_id,
            year=entry.year,
            variable=entry.variable,
            source=entry.source,
            changed_at=now,
            changed_by=actor.user_id if actor is not None else None,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        for position, (category, count) in enumerate(entry.cells):
            session.add(
                MarginCell(set_id=row.id, category=category, position=position, count=count)
            )
    session.flush()
    audit.record(
        session,
        "margins.changed",
        actor=actor,
        agency_id=agency_id,
        target=f"margins:{sorted({e.year for e in entries})}",
        detail={
            "how": how,
            "sets": [
                {
                    "year": e.year,
                    "unit_id": e.unit_id,
                    "variable": e.variable,
                    "total": e.total,
                    "categories": len(e.cells),
                    "replaced_total": old[(e.year, e.unit_id, e.variable)].total
                    if (e.year, e.unit_id, e.variable) in old
                    else None,
                    "source": e.source[:100],
                }
                for e in entries
            ],
        },
    )
    return len(entries)


def remove(
    session: Session, agency_id: int, year: int, unit_id: int | None, variable: str, actor: Actor
) -> bool:
    """Delete one set (audited ``margins.removed``); False when there was none."""
    old = _existing(session, agency_id, {(year, unit_id, variable)}, actor)
    if not old:
        return False
    stored = next(iter(old.values()))
    _remove(session, [stored.id], actor)
    audit.record(
        session,
        "margins.removed",
        actor=actor,
        agency_id=agency_id,
        target=f"margins:{year}",
        detail={"year": year, "unit_id": unit_id, "variable": variable, "total": stored.total},
    )
    return True
