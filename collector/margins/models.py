"""The margins' tables: one set per agency (or unit), year and variable, and its cells.

A set holds one variable's population counts (``margin_cell``: category and count) and
where they came from (``source``: household-registration statistics, the counter's
visitor counts). ``unit_id`` NULL is the agency as a whole; a unit's own set applies
when results are read for that unit alone (``collector.margins.service``). The tables
live with the feature; the migration is ``core/migrations/versions/0012``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy import Index
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlmodel import Field
from sqlmodel import SQLModel

from collector.access.guard import register_via
from collector.core.clock import utcnow

AGENCY_WIDE = text("unit_id IS NULL")


class MarginSet(SQLModel, table=True):
    """One variable's population counts for an agency (or one of its units) and a year."""

    __tablename__ = "margin_set"
    __table_args__ = (
        # A unit's sets are unique by unit; the agency-wide ones (unit NULL, which a
        # unique constraint would let repeat) by a partial index.
        UniqueConstraint("unit_id", "year", "variable"),
        Index(
            "ux_margin_set_agency_wide",
            "agency_id",
            "year",
            "variable",
            unique=True,
            sqlite_where=AGENCY_WIDE,
            postgresql_where=AGENCY_WIDE,
        ),
        CheckConstraint("year BETWEEN 1900 AND 2200", name="ck_margin_set_year"),
    )
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    year: int
    variable: str = Field(max_length=32)
    source: str = Field(default="", max_length=500)
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by: int | None = Field(default=None, foreign_key="staff_user.id")


class MarginCell(SQLModel, table=True):
    """One category's population count in a set, in the order it was entered."""

    __tablename__ = "margin_cell"
    __table_args__ = (CheckConstraint("count > 0", name="ck_margin_cell_count"),)
    set_id: int = Field(foreign_key="margin_set.id", primary_key=True)
    category: str = Field(max_length=64, primary_key=True)
    position: int
    count: int


register_via(MarginCell, "set_id", MarginSet)
