"""The one clock: the configured time source and the agencies' time zone."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from collector.core import clock
from tests.helpers.staff import Clock


def test_now_follows_the_configured_clock(make_app: Any) -> None:
    fake = Clock(datetime(2026, 3, 1, 15, 59, tzinfo=UTC))
    app = make_app(CLOCK=fake)
    with app.app_context():
        assert clock.now() == fake.now
        fake.advance(hours=1)
        assert clock.now() == fake.now
    assert clock.now(app) == fake.now


def test_without_a_clock_setting_it_is_the_real_time(app: Flask) -> None:
    before = datetime.now(UTC)
    with app.app_context():
        moment = clock.now()
    assert before <= moment <= datetime.now(UTC)
    assert moment.tzinfo is not None


def test_local_days_begin_at_midnight_in_taipei(make_app: Any) -> None:
    fake = Clock(datetime(2026, 3, 1, 15, 59, tzinfo=UTC))  # 23:59 in Taipei
    app = make_app(CLOCK=fake)
    assert clock.today(app) == date(2026, 3, 1)
    fake.advance(minutes=1)
    assert clock.today(app) == date(2026, 3, 2)
    assert clock.local_text(fake.now, app) == "2026-03-02 00:00"


def test_the_time_zone_comes_from_the_configuration(make_app: Any) -> None:
    app = make_app(TIMEZONE="Europe/London", CLOCK=Clock(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)))
    assert clock.today(app) == date(2026, 7, 2)  # British summer time, UTC+1
    assert str(clock.zone(app)) == "Europe/London"


def test_without_an_app_it_is_taipei() -> None:
    assert str(clock.zone()) == "Asia/Taipei"
    assert clock.local_date(datetime(2026, 1, 1, 16, 0)) == date(2026, 1, 2)  # naive is UTC


def test_day_bounds_are_local_midnights_in_utc() -> None:
    first, last = clock.day_bounds(date(2026, 5, 1), date(2026, 5, 31))
    assert first == datetime(2026, 4, 30, 16, 0, tzinfo=UTC)
    assert last == datetime(2026, 5, 31, 16, 0, tzinfo=UTC)


def test_a_time_without_offset_is_local() -> None:
    assert clock.from_local(datetime(2026, 5, 1, 8, 0)) == datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
    aware = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    assert clock.from_local(aware) == aware


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
        "1899-12-31T23:59:59Z",
        "9999-01-01T00:00:00Z",
        "yesterday",
        "",
    ],
)
def test_a_time_out_of_range_or_unreadable_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        clock.parse_time(text)


def test_a_time_without_an_offset_is_read_in_the_zone_given() -> None:
    assert clock.parse_time("2026-11-02T08:00:00", ZoneInfo("Asia/Taipei")) == datetime(
        2026, 11, 2, 0, 0, tzinfo=UTC
    )
    assert clock.parse_time("1900-01-01T00:00:00") == clock.EARLIEST
