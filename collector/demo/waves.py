"""The demo's survey waves: half-years, named as Taiwan's agencies name them.

Agencies survey their counters in waves and compare one wave with the last; the
demo's waves are half-years (上半年: January to June, 下半年: July to December),
labelled in the ROC year that staff read (``114年下半年``). The last wave is the one
that holds today: its campaign is open and it is still filling up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from collector.core.workdays import WorkCalendar

ROC_OFFSET = 1911


@dataclass(frozen=True)
class Wave:
    """One half-year of fieldwork."""

    year: int  # Gregorian
    half: int  # 1: January to June, 2: July to December

    @property
    def starts_on(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def ends_on(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def roc_year(self) -> int:
        return self.year - ROC_OFFSET

    @property
    def label_zh(self) -> str:
        """``114年下半年``: how a wave is named on staff pages and in campaign titles."""
        return f"{self.roc_year}年{'上' if self.half == 1 else '下'}半年"

    @property
    def label_en(self) -> str:
        return f"{self.year} H{self.half}"

    def previous(self) -> Wave:
        return Wave(self.year - 1, 2) if self.half == 1 else Wave(self.year, 1)

    def holds(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def wave_of(day: date) -> Wave:
    return Wave(day.year, 1 if day.month <= 6 else 2)


def demo_waves(today: date, count: int) -> list[Wave]:
    """The ``count`` waves up to and including the one that holds ``today``, oldest first."""
    if count < 1:
        raise ValueError("the demo needs at least one wave")
    waves = [wave_of(today)]
    while len(waves) < count:
        waves.append(waves[-1].previous())
    return waves[::-1]


def office_days(wave: Wave, until: date, calendar: WorkCalendar) -> list[date]:
    """The days a counter is open in ``wave`` before ``until``: working days by the
    government calendar (weekdays where the calendar does not cover the year)."""
    days = []
    day = wave.starts_on
    while day <= wave.ends_on and day < until:
        if calendar.is_working_day(day) if calendar.covers(day) else day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days
