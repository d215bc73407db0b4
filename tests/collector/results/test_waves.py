"""Waves: calendar periods, campaign keys, ROC labels."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from collector.results import waves


@pytest.mark.parametrize(
    ("kind", "day", "key", "start", "end"),
    [
        ("year", date(2025, 5, 3), "2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("half", date(2025, 6, 30), "2025H1", date(2025, 1, 1), date(2025, 6, 30)),
        ("half", date(2025, 7, 1), "2025H2", date(2025, 7, 1), date(2025, 12, 31)),
        ("quarter", date(2024, 2, 29), "2024Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("quarter", date(2025, 12, 31), "2025Q4", date(2025, 10, 1), date(2025, 12, 31)),
    ],
)
def test_period_contains_the_day(kind: str, day: date, key: str, start: date, end: date) -> None:
    wave = waves.period(kind, day)
    assert (wave.key, wave.start, wave.end) == (key, start, end)
    assert wave.contains(day)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("2025", "2025"),
        ("2025h2", "2025H2"),
        ("114H1", "2025H1"),
        ("114", "2025"),
        ("2026Q3", "2026Q3"),
    ],
)
def test_parse_period_accepts_gregorian_and_roc_keys(key: str, expected: str) -> None:
    wave = waves.parse_period(key)
    assert wave is not None and wave.key == expected


@pytest.mark.parametrize("key", ["", "2025H3", "2025Q5", "c12", "20251", "abc", "0000"])
def test_parse_period_refuses_what_is_not_a_period(key: str) -> None:
    assert waves.parse_period(key) is None


def test_campaign_keys() -> None:
    assert waves.campaign_id("c12") == 12
    assert waves.campaign_id("c0") is None
    assert waves.campaign_id("2025") is None
    wave = waves.campaign_wave(12, "2025 counter survey", date(2025, 3, 1), date(2025, 4, 30))
    assert wave.key == "c12" and wave.label("en") == "2025 counter survey"


def test_previous_period_crosses_the_year() -> None:
    assert waves.previous_period(waves.period("half", date(2025, 2, 1))).key == "2024H2"
    assert waves.previous_period(waves.period("quarter", date(2025, 2, 1))).key == "2024Q4"
    with pytest.raises(ValueError):
        waves.previous_period(waves.campaign_wave(1, "x", date(2025, 1, 1), date(2025, 2, 1)))


def test_periods_between_lists_every_period_oldest_first() -> None:
    keys = [w.key for w in waves.periods_between("half", date(2024, 3, 1), date(2025, 8, 1))]
    assert keys == ["2024H1", "2024H2", "2025H1", "2025H2"]
    assert waves.periods_between("year", date(2025, 1, 1), date(2024, 1, 1)) == []


def test_bounds_are_the_local_days_in_utc() -> None:
    wave = waves.period("half", date(2025, 1, 1))
    start, after = wave.bounds(ZoneInfo("Asia/Taipei"))
    assert start == datetime(2024, 12, 31, 16, tzinfo=UTC)
    assert after == datetime(2025, 6, 30, 16, tzinfo=UTC)


def test_labels_show_the_roc_year_in_both_languages() -> None:
    wave = waves.parse_period("2025H1")
    assert wave is not None
    assert wave.label("en") == "2025 H1 (ROC 114)"
    assert wave.label("zh-Hant-TW") == "民國 114 年上半年（2025 H1）"
    quarter = waves.parse_period("2025Q3")
    assert quarter is not None and quarter.label("zh-Hant-TW") == "民國 114 年第 3 季（2025 Q3）"
