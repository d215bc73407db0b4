"""Where a new case goes: the ``route_complaint`` hook (plugins first, the core's rule by
category last), with any unit or handler of another agency, or disabled, ignored."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session

from collector.access.guard import get_unscoped
from collector.core.hooktypes import Route
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import Unit
from collector.core.models import User
from collector.core.plugins import get_plugins


def route(app: Flask, session: Session, case: Complaint, category: ComplaintCategory) -> Route:
    """Ask the ``route_complaint`` hook (plugins first, the core's category rule last)."""
    answer = get_plugins(app).hook.route_complaint(case=case, category=category)
    if answer is None:
        return Route()
    unit_id, handler_id = answer.unit_id, answer.handler_id
    if unit_id is not None:
        unit = get_unscoped(session, Unit, unit_id, "around an authorised case")
        if unit is None or unit.agency_id != case.agency_id:
            unit_id = None
    if handler_id is not None:
        handler = get_unscoped(session, User, handler_id, "around an authorised case")
        if handler is None or handler.agency_id != case.agency_id or not handler.active:
            handler_id = None
    return Route(unit_id=unit_id, handler_id=handler_id)
