"""The kiosk feature as a plugin: the tablet's pages, the console's pages and its panel."""

from __future__ import annotations

from flask import Blueprint

from collector.core.db import get_session
from collector.core.hookspecs import hookimpl
from collector.kiosk import console_views
from collector.kiosk import device_views
from collector.kiosk import service
from collector.kiosk.panels import QuietKiosksPanel


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [device_views.bp, console_views.bp]


@hookimpl
def register_console_panels() -> list[type]:
    return [QuietKiosksPanel]


@hookimpl
def submission_device(channel: str, agency_id: int, cookies: dict[str, str]) -> int | None:
    """A kiosk answer through ``/api/v1/responses``: the agency's paired tablet, if the
    request holds its credential."""
    if channel != "kiosk":
        return None
    kiosk = service.device_of(get_session(), cookies.get(service.COOKIE))
    return kiosk.id if kiosk is not None and kiosk.agency_id == agency_id else None
