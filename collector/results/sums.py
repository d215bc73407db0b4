"""Per-stratum sums of answers, computed by the database (``GROUP BY`` agency and unit).

The console's overview and the agencies compared read a wave's responses as sums, not
rows: per agency and service unit (the design's strata) the rows, and per measure the
answered rows, Σy and Σy². ``analysis.strata`` turns them into domain estimates with
design-based standard errors equal to those from the rows, so the pages cost a few
hundred result rows whatever the number of responses.

A measure is a SQL expression over ``response.answers``: one Likert item
(:func:`item`), its top-two-box indicator (:func:`top_two`) or the mean of a
dimension's answered items per respondent (:func:`dimension`), as
``collector.results.views.dimensions`` computes it from rows.
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session
from sqlmodel import col

from analysis.strata import StratumCell
from collector.access.scoped import scoped
from collector.core.hooktypes import Actor
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response

NO_UNIT = -1
"""The stratum of responses taken without a service unit (an agency-wide link)."""


def item(key: str) -> ColumnElement[Any]:
    """The number stored for a question (``answers[key][0][0]``), NULL when unanswered."""
    return cast(col(Response.answers)[(key, 0, 0)].as_float(), Float)


def top_two(key: str, top: float = 4.0) -> ColumnElement[Any]:
    """1 for an answer in the top two boxes of a 1-5 item, 0 for any other answer."""
    value = item(key)
    return case((value >= top, 1.0), (value.is_not(None), 0.0), else_=None)


def dimension(keys: Sequence[str]) -> ColumnElement[Any]:
    """Per respondent, the mean of the dimension's items they answered (NULL for none)."""
    values = [item(k) for k in keys]
    answered = sum((case((v.is_not(None), 1.0), else_=0.0) for v in values), cast(0.0, Float))
    total = sum((func.coalesce(v, 0.0) for v in values), cast(0.0, Float))
    return case((answered > 0, total / answered), else_=None)


@dataclass(frozen=True)
class Sums:
    """What one ``GROUP BY`` returned: per (agency, unit) the rows, and per measure its
    stratum cells (stratum: the unit, or (agency, NO_UNIT); domain: the agency)."""

    rows: dict[tuple[int, int], int]
    cells: dict[str, list[StratumCell]]

    def agencies(self) -> dict[int, int]:
        """Responses per agency."""
        out: dict[int, int] = {}
        for (agency, _unit), n in self.rows.items():
            out[agency] = out.get(agency, 0) + n
        return out

    def units(self) -> dict[int, int]:
        """Responses per unit (NO_UNIT for those without one)."""
        out: dict[int, int] = {}
        for (_agency, unit), n in self.rows.items():
            out[unit] = out.get(unit, 0) + n
        return out

    def regrouped(self, domain_of: Mapping[int, Hashable]) -> Sums:
        """The same sums with each agency's cells moved to the domain ``domain_of`` gives
        it (a ministry for a system administrator's comparison); agencies it does not
        name are left out."""
        cells = {
            name: [
                StratumCell(c.stratum, domain_of[c.domain], c.rows, c.answered, c.total, c.squares)  # type: ignore[index]  # domains here are agency ids
                for c in measure
                if c.domain in domain_of
            ]
            for name, measure in self.cells.items()
        }
        rows: dict[tuple[int, int], int] = {}
        for (agency, unit), n in self.rows.items():
            if agency in domain_of:
                key = (int(domain_of[agency]), unit)  # type: ignore[call-overload]  # group ids are ints
                rows[key] = rows.get(key, 0) + n
        return Sums(rows, cells)


def stratum_sums(
    session: Session,
    actor: Actor,
    action: str,
    slug: str,
    measures: Mapping[str, ColumnElement[Any]],
    bounds: tuple[datetime, datetime],
    *,
    agency_ids: Sequence[int] | None = None,
    campaign_id: int | None = None,
) -> Sums:
    """The sums of ``measures`` over the responses to ``slug`` submitted within
    ``bounds`` (UTC, [from, to)) that ``actor`` may read under ``action``."""
    columns: list[Any] = [col(Response.agency_id), col(Response.unit_id), func.count()]
    for expression in measures.values():
        columns += [
            func.count(expression),
            func.coalesce(func.sum(expression), 0.0),
            func.coalesce(func.sum(expression * expression), 0.0),
        ]
    conditions = [
        col(QuestionnaireVersion.slug) == slug,
        col(Response.submitted_at) >= bounds[0],
        col(Response.submitted_at) < bounds[1],
    ]
    if agency_ids is not None:
        conditions.append(col(Response.agency_id).in_(list(agency_ids)))
    if campaign_id is not None:
        conditions.append(col(Response.campaign_id) == campaign_id)
    statement = (
        select(*columns)
        .join(
            QuestionnaireVersion, col(QuestionnaireVersion.id) == Response.questionnaire_version_id
        )
        .where(and_(*conditions))
        .group_by(col(Response.agency_id), col(Response.unit_id))
    )
    rows: dict[tuple[int, int], int] = {}
    cells: dict[str, list[StratumCell]] = {name: [] for name in measures}
    for record in session.execute(scoped(statement, action, actor)).all():
        agency, unit, n = int(record[0]), record[1], int(record[2])
        unit_key = NO_UNIT if unit is None else int(unit)
        rows[(agency, unit_key)] = n
        stratum: Hashable = unit_key if unit is not None else (agency, NO_UNIT)
        for i, name in enumerate(measures):
            answered, total, squares = record[3 + 3 * i : 6 + 3 * i]
            cells[name].append(
                StratumCell(stratum, agency, n, int(answered), float(total), float(squares))
            )
    return Sums(rows, cells)
