"""One clock: the time now, and local dates and times in the configured time zone.

Everything that asks "what time is it" or "which day is it where the agencies are"
asks here. ``app.config["CLOCK"]`` (a callable returning an aware datetime)
replaces the real time in tests; ``app.config["TIMEZONE"]`` (default Asia/Taipei)
says where local days begin. Without an application (pure helpers, command-line
tools) the real time and Asia/Taipei are used. Stored times are aware UTC.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo
from functools import cache
from zoneinfo import ZoneInfo

from flask import Flask
from flask import current_app
from flask import has_app_context

DEFAULT_TIMEZONE = "Asia/Taipei"
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
"""The times a client may send (:func:`parse_time`): a year of margin below Python's
``datetime.max``, so that a day or a season can be added or taken away."""


def utcnow() -> datetime:
    """The real time now, in UTC, timezone-aware (column defaults use it)."""
    return datetime.now(UTC)


def _app(app: Flask | None) -> Flask | None:
    if app is not None:
        return app
    return current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy


def now(app: Flask | None = None) -> datetime:
    """The app's time now (UTC, aware): the ``CLOCK`` setting if set, else the real time."""
    app = _app(app)
    clock = app.config.get("CLOCK") if app is not None else None
    return clock() if clock is not None else utcnow()


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(app: Flask | None = None) -> ZoneInfo:
    """The agencies' time zone: the ``TIMEZONE`` setting."""
    app = _app(app)
    name = app.config.get("TIMEZONE") if app is not None else None
    return _zone(name or DEFAULT_TIMEZONE)


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone; a naive stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local(moment: datetime, app: Flask | None = None) -> datetime:
    """``moment`` as local time in the agencies' time zone."""
    return aware(moment).astimezone(zone(app))


def local_date(moment: datetime, app: Flask | None = None) -> date:
    """The local date of ``moment``."""
    return local(moment, app).date()


def local_text(moment: datetime, app: Flask | None = None) -> str:
    """``YYYY-MM-DD HH:MM`` in local time, as staff and citizens read it."""
    return local(moment, app).strftime("%Y-%m-%d %H:%M")


def today(app: Flask | None = None) -> date:
    """Today where the agencies are, on the app's clock."""
    return local_date(now(app), app)


def day_bounds(start: date, end: date, app: Flask | None = None) -> tuple[datetime, datetime]:
    """UTC instants of local midnight on ``start`` and of the midnight after ``end``."""
    tz = zone(app)
    first = datetime.combine(start, time(), tzinfo=tz)
    last = datetime.combine(end + timedelta(days=1), time(), tzinfo=tz)
    return first.astimezone(UTC), last.astimezone(UTC)


def from_local(moment: datetime, app: Flask | None = None) -> datetime:
    """A naive local time (as typed or sent without an offset) as an aware UTC instant."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment.replace(tzinfo=zone(app)).astimezone(UTC)


def parse_time(text: str, naive: tzinfo = UTC) -> datetime:
    """An ISO 8601 date and time sent by a client, as an aware UTC instant from
    :data:`EARLIEST` up to :data:`LATEST`; one without an offset is in ``naive``.

    Raises ValueError for anything else: ``0001-01-01T00:00:00+14:00`` parses, but
    falls before year 1 in UTC (an OverflowError in ``astimezone``).
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text!r} is out of range") from None
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"{text!r} is out of range")
    return moment
