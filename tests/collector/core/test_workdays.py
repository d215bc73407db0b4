"""The working-day calendar and Taiwan's data.

Expectations for the national data are written by hand from the DGPA's published
office calendars (政府行政機關辦公日曆表) and their press releases, not read from
``taiwan.yaml``, so a typo in the data fails here.
"""

from __future__ import annotations

import ast
import configparser
import dataclasses
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.core import workdays as calendar_module
from collector.core.workdays import CalendarDataError
from collector.core.workdays import SpecialDay
from collector.core.workdays import WorkCalendar
from collector.core.workdays import YearNotCovered
from collector.core.workdays import taiwan_calendar

ROOT = Path(__file__).resolve().parents[3]
TW = taiwan_calendar()


def off(*days: date) -> None:
    for day in days:
        assert not TW.is_working_day(day), day


def working(*days: date) -> None:
    for day in days:
        assert TW.is_working_day(day), day


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# -- national data, by year ----------------------------------------------------


def test_years_covered_and_2027_is_provisional() -> None:
    assert TW.years == {2024, 2025, 2026, 2027}
    assert TW.provisional_years == {2027}


@pytest.mark.parametrize(
    ("year", "total"),
    # DGPA totals: 2024 115 days off; 2025 revised edition 118; 2026 120.
    [(2024, 115), (2025, 118), (2026, 120)],
)
def test_days_off_per_year_match_the_dgpa_totals(year: int, total: int) -> None:
    assert len(TW.days_off(year)) == total


def test_2024() -> None:
    off(date(2024, 1, 1))
    # Lunar New Year: 8 Feb (adjusted) to 14 Feb; 17 Feb, a Saturday, is worked.
    off(*span(date(2024, 2, 8), date(2024, 2, 14)))
    working(date(2024, 2, 7), date(2024, 2, 15), date(2024, 2, 17))
    off(date(2024, 2, 28), date(2024, 4, 4), date(2024, 4, 5))
    off(date(2024, 6, 10), date(2024, 9, 17), date(2024, 10, 10))
    # Before the 2025 law these were working days.
    working(date(2024, 9, 27), date(2024, 10, 25), date(2024, 12, 25), date(2024, 5, 1))


def test_2025() -> None:
    off(date(2025, 1, 1), *span(date(2025, 1, 25), date(2025, 2, 2)))
    working(date(2025, 2, 3), date(2025, 2, 8))  # 8 Feb: make-up working Saturday
    off(date(2025, 2, 28), date(2025, 4, 3), date(2025, 4, 4), date(2025, 5, 30))
    off(date(2025, 10, 6), date(2025, 10, 10))
    # Added in June 2025: Teachers' Day (Sun, observed Mon 29 Sep), Restoration
    # Day (Sat, observed Fri 24 Oct), Constitution Day (Thu).
    off(date(2025, 9, 29), date(2025, 10, 24), date(2025, 12, 25))
    # Labour Day became a government holiday only from 2026.
    working(date(2025, 5, 1), date(2025, 9, 26), date(2025, 10, 27))


def test_2026() -> None:
    off(date(2026, 1, 1))
    # Nine days, Sat 14 Feb to Sun 22 Feb; the eve's eve (Sun 15 Feb) is observed Fri 20 Feb.
    off(*span(date(2026, 2, 14), date(2026, 2, 22)))
    working(date(2026, 2, 13), date(2026, 2, 23))
    off(date(2026, 2, 27))  # 228 falls on a Saturday
    off(date(2026, 4, 3), date(2026, 4, 6))  # Children's Day Sat, Tomb-Sweeping Sun
    off(date(2026, 5, 1), date(2026, 6, 19), date(2026, 9, 25), date(2026, 9, 28))
    off(date(2026, 10, 9), date(2026, 10, 26), date(2026, 12, 25))
    working(date(2026, 10, 27), date(2026, 12, 24), date(2026, 12, 31))
    # The 2025 rules no longer move working days: no Saturday is worked.
    saturdays = [d for d in span(date(2026, 1, 1), date(2026, 12, 31)) if d.weekday() == 5]
    assert not any(TW.is_working_day(d) for d in saturdays)


def test_2027_follows_the_statutory_rules() -> None:
    off(date(2027, 1, 1), *span(date(2027, 2, 4), date(2027, 2, 10)))
    working(date(2027, 2, 3), date(2027, 2, 11))
    off(date(2027, 3, 1), date(2027, 4, 5), date(2027, 4, 6), date(2027, 4, 30))
    off(date(2027, 10, 11), date(2027, 10, 25), date(2027, 12, 24))
    off(date(2027, 12, 31))  # 1 January 2028 is a Saturday


def test_holiday_names() -> None:
    assert TW.holiday_name(date(2026, 10, 10)) == "國慶日"
    assert TW.holiday_name(date(2026, 10, 9), "en") == "National Day (observed)"
    assert TW.holiday_name(date(2026, 2, 17), "zh-Hant-TW") == "春節"
    assert TW.holiday_name(date(2026, 3, 3)) is None
    assert TW.holiday_name(date(2026, 3, 7)) is None  # an ordinary Saturday
    assert TW.holiday_name(date(2025, 2, 8)) is None  # a make-up working day
    special = TW.special_day(date(2025, 2, 8))
    assert special is not None and special.kind == "workday"


# -- counting ------------------------------------------------------------------


def test_add_working_days_over_a_long_weekend_and_lunar_new_year() -> None:
    assert TW.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert TW.add_working_days(date(2026, 2, 26), 1) == date(2026, 3, 2)  # 27 Feb observed
    assert TW.add_working_days(date(2025, 2, 7), 1) == date(2025, 2, 8)  # make-up Saturday
    assert TW.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)
    # Across New Year: Thu 31 Dec 2026 -> Mon 4 Jan 2027.
    assert TW.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    with pytest.raises(ValueError, match="zero or more"):
        TW.add_working_days(date(2026, 3, 2), -1)


def test_working_days_between() -> None:
    # (13 Feb, 23 Feb 2026]: only Monday 23 Feb.
    assert TW.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert TW.working_days_between(date(2026, 2, 23), date(2026, 2, 13)) == -1
    assert TW.working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    # March 2026 has 22 weekdays and no holiday.
    assert TW.working_days_between(date(2026, 2, 28), date(2026, 3, 31)) == 22


def test_next_working_day() -> None:
    assert TW.next_working_day(date(2026, 3, 2)) == date(2026, 3, 2)
    assert TW.next_working_day(date(2026, 10, 9)) == date(2026, 10, 12)
    assert TW.next_working_day(date(2024, 2, 17)) == date(2024, 2, 17)


def test_a_year_without_data_raises() -> None:
    with pytest.raises(YearNotCovered, match="no data for 2028") as caught:
        TW.is_working_day(date(2028, 3, 1))
    assert caught.value.year == 2028
    assert caught.value.covered == (2024, 2025, 2026, 2027)
    with pytest.raises(YearNotCovered):
        TW.add_working_days(date(2027, 12, 30), 3)  # runs into 2028
    with pytest.raises(YearNotCovered):
        TW.holiday_name(date(2023, 12, 25))
    with pytest.raises(YearNotCovered):
        TW.working_days_between(date(2023, 12, 29), date(2024, 1, 5))
    assert not TW.covers(date(2028, 1, 3))
    assert TW.covers(date(2027, 12, 31))


# -- merging and immutability ----------------------------------------------------


def test_merged_agency_days_override() -> None:
    typhoon = SpecialDay(date(2026, 7, 14), "holiday", "颱風停止上班", "Typhoon closure")
    local = SpecialDay(date(2026, 5, 1), "workday", "照常上班", "Open on Labour Day")
    agency = TW.merged([typhoon, local], name="Example office")
    assert not agency.is_working_day(date(2026, 7, 14))
    assert agency.holiday_name(date(2026, 7, 14), "en") == "Typhoon closure"
    assert agency.is_working_day(date(2026, 5, 1))
    assert agency.name == "Example office"
    assert agency.years == TW.years
    # The national calendar is untouched.
    assert TW.is_working_day(date(2026, 7, 14))
    assert not TW.is_working_day(date(2026, 5, 1))
    assert TW.add_working_days(date(2026, 7, 13), 1) == date(2026, 7, 14)
    assert agency.add_working_days(date(2026, 7, 13), 1) == date(2026, 7, 15)


def test_merged_accepts_a_calendar_and_refuses_uncovered_days() -> None:
    other = WorkCalendar(
        name="x",
        years=frozenset({2026}),
        days=(SpecialDay(date(2026, 3, 3), "holiday", "例", "Example"),),
    )
    assert not TW.merged(other).is_working_day(date(2026, 3, 3))
    with pytest.raises(CalendarDataError, match="2028"):
        TW.merged([SpecialDay(date(2028, 1, 3), "holiday", "例", "Example")])
    day = SpecialDay(date(2026, 3, 3), "holiday", "例", "Example")
    with pytest.raises(CalendarDataError, match="twice"):
        TW.merged([day, day])


def test_calendars_are_immutable_and_hashable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TW.name = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        TW.days[0].kind = "workday"  # type: ignore[misc]
    assert hash(TW) == hash(TW.merged([]))
    assert TW.merged([]) == TW
    assert TW.merged([SpecialDay(date(2026, 3, 3), "holiday", "例", "Example")]) != TW


# -- loading --------------------------------------------------------------------

GOOD = """
name: test
years:
  2026: {status: official, days_off: 104}
days:
  - {date: 2026-03-03, kind: holiday, name_zh: 例, name_en: Example}
  - {date: "2026-03-07", kind: workday, name_zh: 補班, name_en: Make-up}
"""


def test_loading_from_yaml_and_file(tmp_path: Path) -> None:
    calendar = WorkCalendar.from_yaml(GOOD)
    assert not calendar.is_working_day(date(2026, 3, 3))
    assert calendar.is_working_day(date(2026, 3, 7))  # a date given as a string
    path = tmp_path / "agency.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert WorkCalendar.from_file(path) == calendar


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("days: []", "'years'"),
        ("years: {2026: {}}\nextra: 1", "unknown keys"),
        ("years: {2026: {status: maybe}}", "official or provisional"),
        ("years: {2026: {days_off: 107}}", "104 days off but days_off says 107"),
        (
            "years: {2026: {}}\ndays: [{date: 2026-03-03, kind: off, name_zh: a, name_en: b}]",
            r"days\[0\].*holiday or workday",
        ),
        ("years: {2026: {}}\ndays: [{date: 2026-03-03, kind: holiday, name_zh: a}]", "missing"),
        (
            "years: {2026: {}}\ndays: [{date: 2026-13-03, kind: holiday, name_zh: a, name_en: b}]",
            "not valid YAML",
        ),
        (
            "years: {2026: {}}\ndays: [{date: '26-3-3', kind: holiday, name_zh: a, name_en: b}]",
            "not a date",
        ),
        (
            "years: {2026: {}}\ndays: [{date: 2025-03-03, kind: holiday, name_zh: a, name_en: b}]",
            "2025 is not among",
        ),
        (
            "years: {2026: {}}\ndays:\n"
            "  - {date: 2026-03-03, kind: holiday, name_zh: a, name_en: b}\n"
            "  - {date: 2026-03-03, kind: workday, name_zh: a, name_en: b}",
            "listed twice",
        ),
        (
            "years: {2026: {}}\ndays: [{date: 2026-03-03, kind: holiday, name_zh: ' ', name_en: b}]",
            "required",
        ),
        ("years: [2026", "not valid YAML"),
    ],
)
def test_bad_data_is_refused_with_the_place(text: str, message: str) -> None:
    with pytest.raises(CalendarDataError, match=message):
        WorkCalendar.from_yaml(text, "agency.yaml")


def test_the_data_file_is_package_data() -> None:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    patterns = parser["options.package_data"]["collector"]
    assert "core/data/*.yaml" in [p.strip() for p in patterns.split(",")]


def test_the_modules_import_neither_flask_nor_the_database() -> None:
    for path in ("core/workdays.py", "complaints/deadlines.py"):
        tree = ast.parse((ROOT / "collector" / path).read_text())
        imported = {
            name.split(".")[0]
            for node in ast.walk(tree)
            for name in (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
        }
        assert not imported & {"flask", "sqlalchemy", "sqlmodel", "alembic"}, path
    assert calendar_module.taiwan_calendar() is TW  # loaded once


# -- properties -----------------------------------------------------------------

covered_days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 9, 30))


@given(covered_days, st.integers(min_value=0, max_value=60))
def test_counting_back_gives_n(day: date, n: int) -> None:
    later = TW.add_working_days(day, n)
    assert TW.working_days_between(day, later) == n
    if n:
        assert TW.is_working_day(later)
        assert TW.working_days_between(day, later - timedelta(days=1)) == n - 1


@given(covered_days)
def test_next_working_day_is_the_first(day: date) -> None:
    found = TW.next_working_day(day)
    assert TW.is_working_day(found)
    assert all(not TW.is_working_day(d) for d in span(day, found - timedelta(days=1)))


@given(covered_days, covered_days)
def test_between_is_antisymmetric(a: date, b: date) -> None:
    assert TW.working_days_between(a, b) == -TW.working_days_between(b, a)
