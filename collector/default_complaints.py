"""The core's own complaint hooks, asked after every other plugin's: route a new
case by its category, and count deadlines on Taiwan's national calendar."""

from __future__ import annotations

from collector import hookimpl
from collector.complaints.calendar import WorkCalendar, taiwan_calendar
from collector.complaints.cases import Route
from collector.models import Complaint, ComplaintCategory


@hookimpl(trylast=True)
def route_complaint(case: Complaint, category: ComplaintCategory) -> Route | None:
    """The category's unit and handler, when it names either."""
    if category.unit_id is None and category.handler_id is None:
        return None
    return Route(unit_id=category.unit_id, handler_id=category.handler_id)


@hookimpl(trylast=True)
def complaint_calendar(agency_id: int) -> WorkCalendar | None:
    return taiwan_calendar()
