"""The demo's waves: half-years named in the ROC year, the current one last."""

from __future__ import annotations

from datetime import date

import pytest

from collector.core.workdays import taiwan_calendar
from collector.demo.waves import Wave
from collector.demo.waves import demo_waves
from collector.demo.waves import office_days


def test_waves_end_with_the_current_half_year() -> None:
    waves = demo_waves(date(2026, 11, 23), 5)
    assert [w.label_zh for w in waves] == [
        "113年下半年",
        "114年上半年",
        "114年下半年",
        "115年上半年",
        "115年下半年",
    ]
    assert waves[-1].holds(date(2026, 11, 23))
    assert [w.label_en for w in demo_waves(date(2026, 3, 2), 2)] == ["2025 H2", "2026 H1"]
    assert (waves[0].starts_on, waves[0].ends_on) == (date(2024, 7, 1), date(2024, 12, 31))


def test_at_least_one_wave() -> None:
    with pytest.raises(ValueError):
        demo_waves(date(2026, 11, 23), 0)


def test_office_days_skip_weekends_and_holidays() -> None:
    days = office_days(Wave(2026, 1), date(2026, 3, 1), taiwan_calendar())
    assert date(2026, 1, 1) not in days  # 開國紀念日
    assert date(2026, 1, 2) in days
    assert date(2026, 1, 3) not in days  # a Saturday
    assert all(d < date(2026, 3, 1) for d in days)
    assert date(2026, 2, 16) not in days  # 農曆除夕
