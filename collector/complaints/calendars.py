"""The deadline clock as the application sees it: which calendar an agency uses
(the ``complaint_calendar`` hook, then the editable ``calendar_day`` rows on top)
and the due date of a case. The rules themselves are pure: ``deadlines`` and
``calendar``.
"""

from __future__ import annotations

from datetime import date
from typing import Unpack

from flask import Flask
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.guard import unscoped
from collector.complaints import deadlines
from collector.complaints.deadlines import DeadlineDetails
from collector.complaints.deadlines import DeadlinePolicy
from collector.core.models import CalendarDay
from collector.core.plugins import get_plugins
from collector.core.workdays import SpecialDay
from collector.core.workdays import WorkCalendar
from collector.core.workdays import YearNotCovered
from collector.core.workdays import taiwan_calendar

Policy = DeadlinePolicy

_WEEKENDS = WorkCalendar(name="weekends", years=frozenset(range(1900, 2200)))
"""The last resort of :func:`due_date`: Saturdays and Sundays off, any year."""

FALLBACK_YEARS = 3
"""Years past the calendar's data that count by the weekend rule alone (flagged
provisional) rather than stopping intake when the data has not been updated."""


def _rows(session: Session, agency_id: int | None) -> list[CalendarDay]:
    condition = (
        col(CalendarDay.agency_id).is_(None)
        if agency_id is None
        else col(CalendarDay.agency_id) == agency_id
    )
    statement = select(CalendarDay).where(condition).order_by(col(CalendarDay.day))
    return list(session.execute(unscoped(statement, "the working-day calendar")).scalars())


def _special(row: CalendarDay) -> SpecialDay:
    return SpecialDay(
        day=row.day,
        kind="workday" if row.working else "holiday",
        name_zh=row.name_zh,
        name_en=row.name_en,
    )


def _with_fallback(calendar: WorkCalendar) -> WorkCalendar:
    last = max(calendar.years)
    extra = frozenset(range(last + 1, last + 1 + FALLBACK_YEARS))
    return WorkCalendar(
        name=calendar.name,
        years=calendar.years | extra,
        days=calendar.days,
        provisional_years=calendar.provisional_years | extra,
    )


def calendar_for(app: Flask, session: Session, agency_id: int) -> WorkCalendar:
    """The agency's calendar: a plugin's, else the national one; then the national
    and the agency's own edited days (``calendar_day``) override it."""
    base = get_plugins(app).hook.complaint_calendar(agency_id=agency_id)
    if base is None:  # only when the core's default plugin is disabled (unit tests)
        base = taiwan_calendar()
    calendar = _with_fallback(base)
    for scope in (None, agency_id):
        days = [_special(r) for r in _rows(session, scope) if r.day.year in calendar.years]
        if days:
            calendar = calendar.merged(days)
    return calendar


def due_date(
    received_on: date,
    policy: DeadlinePolicy,
    calendar: WorkCalendar,
    **details: Unpack[DeadlineDetails],
) -> date:
    """The due date (provisional while a pause is open: as if it ended today)."""
    try:
        return deadlines.due_date(received_on, policy, calendar, **details)
    except YearNotCovered:
        # Beyond even the fallback years: count calendar days on the weekend rule.
        return deadlines.due_date(received_on, policy, _WEEKENDS, **details)
