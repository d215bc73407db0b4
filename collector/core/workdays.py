"""The working-day calendar that complaint deadlines are counted on.

A :class:`WorkCalendar` is the weekend rule (Saturday and Sunday off) plus explicit
days: holidays (days off, named in Chinese and English) and make-up working days
(補行上班日, a Saturday that is a working day). It knows which years its data
covers and raises :class:`YearNotCovered` for any other year: a missing year must
stop a deadline computation, never be read as "every weekday is a working day".

Taiwan's national calendar ships as ``data/taiwan.yaml`` (:func:`taiwan_calendar`);
an agency's own days (an office closed for a local festival, a typhoon day) are
laid over it with :meth:`WorkCalendar.merged`. Everything here is pure: no Flask, no
database, so a plugin may build and return calendars freely.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from typing import Literal
from typing import get_args

import yaml

DayKind = Literal["holiday", "workday"]
YearStatus = Literal["official", "provisional"]

_KINDS: tuple[str, ...] = get_args(DayKind)
_STATUSES: tuple[str, ...] = get_args(YearStatus)
_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


class CalendarError(ValueError):
    """Base class for the calendar's errors, so callers can catch them together."""


class YearNotCovered(CalendarError, LookupError):
    """A date in a year the calendar has no data for.

    Raised instead of guessing, because a wrong working day silently shifts a
    statutory deadline.
    """

    def __init__(self, day: date, covered: Iterable[int]) -> None:
        self.day = day
        self.year = day.year
        self.covered = tuple(sorted(covered))
        listed = ", ".join(str(y) for y in self.covered) or "none"
        super().__init__(
            f"the working-day calendar has no data for {self.year} (asked about "
            f"{day.isoformat()}; years covered: {listed}); add the year's holidays "
            "and make-up working days to the calendar data"
        )


class CalendarDataError(CalendarError):
    """Calendar data that cannot be loaded: says which entry and why."""


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """A day that departs from the weekend rule, or a named holiday on a weekend."""

    day: date
    kind: DayKind
    name_zh: str
    name_en: str

    def __post_init__(self) -> None:
        if type(self.day) is not date:
            raise CalendarDataError(f"day must be a date, not {self.day!r}")
        if self.kind not in _KINDS:
            raise CalendarDataError(
                f"{self.day}: kind must be holiday or workday, not {self.kind!r}"
            )
        if not self.name_zh.strip() or not self.name_en.strip():
            raise CalendarDataError(f"{self.day}: name_zh and name_en are both required")

    def name(self, language: str = "zh") -> str:
        """The name in ``zh`` (any ``zh-*`` tag) or English (anything else)."""
        return self.name_zh if language.lower().startswith("zh") else self.name_en


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Working days for the ``years`` covered: immutable and hashable.

    ``days`` departs from the weekend rule; ``provisional_years`` are covered but
    not yet checked against an official publication (the deadline screens may warn).
    """

    name: str
    years: frozenset[int]
    days: tuple[SpecialDay, ...] = ()
    provisional_years: frozenset[int] = frozenset()
    _by_day: Mapping[date, SpecialDay] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        years = frozenset(self.years)
        provisional = frozenset(self.provisional_years)
        if not years:
            raise CalendarDataError(f"calendar {self.name!r} covers no year")
        if not provisional <= years:
            extra = sorted(provisional - years)
            raise CalendarDataError(f"provisional years {extra} are not covered")
        by_day: dict[date, SpecialDay] = {}
        for special in self.days:
            if special.day.year not in years:
                raise CalendarDataError(
                    f"{special.day}: the year {special.day.year} is not among the "
                    f"calendar's years {sorted(years)}"
                )
            if special.day in by_day:
                raise CalendarDataError(f"{special.day}: listed twice")
            by_day[special.day] = special
        object.__setattr__(self, "years", years)
        object.__setattr__(self, "provisional_years", provisional)
        object.__setattr__(self, "days", tuple(sorted(by_day.values(), key=lambda s: s.day)))
        object.__setattr__(self, "_by_day", by_day)

    # -- single days ---------------------------------------------------------

    def covers(self, day: date) -> bool:
        """Whether the calendar has data for ``day``'s year."""
        return day.year in self.years

    def _check(self, day: date) -> None:
        if day.year not in self.years:
            raise YearNotCovered(day, self.years)

    def special_day(self, day: date) -> SpecialDay | None:
        """The explicit entry for ``day`` (holiday or make-up working day), if any."""
        self._check(day)
        return self._by_day.get(day)

    def is_working_day(self, day: date) -> bool:
        """Explicit entries win; otherwise Monday to Friday work, weekends do not."""
        self._check(day)
        special = self._by_day.get(day)
        if special is not None:
            return special.kind == "workday"
        return day.weekday() < _SATURDAY

    def holiday_name(self, day: date, language: str = "zh") -> str | None:
        """The holiday's name, or None on an ordinary day or a make-up working day."""
        special = self.special_day(day)
        if special is None or special.kind != "holiday":
            return None
        return special.name(language)

    # -- counting ------------------------------------------------------------

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first one after it."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (the day after counts first).

        ``n == 0`` returns ``day`` unchanged, even when it is not a working day.
        """
        if n < 0:
            raise ValueError(f"n must be zero or more, not {n}")
        self._check(day)
        while n:
            day += _ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; negative (``-(end, start]``) when end < start.

        So ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        self._check(start)
        count = 0
        day = start
        while day < end:
            day += _ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count

    def days_off(self, year: int) -> list[date]:
        """Every day off in ``year`` (weekends and holidays, less make-up working days)."""
        day = date(year, 1, 1)
        self._check(day)
        found = []
        while day.year == year:
            if not self.is_working_day(day):
                found.append(day)
            day += _ONE_DAY
        return found

    def __iter__(self) -> Iterator[SpecialDay]:
        return iter(self.days)

    # -- combining -----------------------------------------------------------

    def merged(self, other_days: Iterable[SpecialDay], name: str | None = None) -> WorkCalendar:
        """A calendar with ``other_days`` (an agency's own) overriding this one's.

        The years covered stay this calendar's: extra days cannot extend coverage,
        and a day outside it raises :class:`CalendarDataError`. Passing another
        ``WorkCalendar`` merges its days.
        """
        combined = dict(self._by_day)
        seen: set[date] = set()
        for special in other_days:
            if special.day in seen:
                raise CalendarDataError(f"{special.day}: listed twice in the merged days")
            seen.add(special.day)
            combined[special.day] = special
        return WorkCalendar(
            name=self.name if name is None else name,
            years=self.years,
            days=tuple(combined.values()),
            provisional_years=self.provisional_years,
        )

    # -- loading -------------------------------------------------------------

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "<data>") -> WorkCalendar:
        """Build from parsed data shaped like ``data/taiwan.yaml`` (see the docs)."""
        if not isinstance(data, Mapping):
            raise CalendarDataError(f"{source}: expected a mapping at the top level")
        unknown = set(data) - {"name", "years", "days"}
        if unknown:
            raise CalendarDataError(f"{source}: unknown keys {sorted(unknown)}")
        years_data = data.get("years")
        if not isinstance(years_data, Mapping) or not years_data:
            raise CalendarDataError(f"{source}: 'years' must map each covered year to its details")
        years: set[int] = set()
        provisional: set[int] = set()
        totals: dict[int, int] = {}
        for year, details in years_data.items():
            where = f"{source}: years.{year}"
            if type(year) is not int:
                raise CalendarDataError(f"{where}: the year must be a number")
            details = details or {}
            if not isinstance(details, Mapping):
                raise CalendarDataError(f"{where}: expected status, days_off and source")
            unknown = set(details) - {"status", "days_off", "source"}
            if unknown:
                raise CalendarDataError(f"{where}: unknown keys {sorted(unknown)}")
            status = details.get("status", "official")
            if status not in _STATUSES:
                raise CalendarDataError(f"{where}: status must be official or provisional")
            years.add(year)
            if status == "provisional":
                provisional.add(year)
            if "days_off" in details:
                if type(details["days_off"]) is not int:
                    raise CalendarDataError(f"{where}: days_off must be a number")
                totals[year] = details["days_off"]
        entries = data.get("days") or []
        if not isinstance(entries, list):
            raise CalendarDataError(f"{source}: 'days' must be a list")
        days = [_special_day(entry, f"{source}: days[{i}]") for i, entry in enumerate(entries)]
        try:
            calendar = cls(
                name=str(data.get("name") or source),
                years=frozenset(years),
                days=tuple(days),
                provisional_years=frozenset(provisional),
            )
        except CalendarDataError as error:
            raise CalendarDataError(f"{source}: {error}") from None
        for year, expected in sorted(totals.items()):
            actual = len(calendar.days_off(year))
            if actual != expected:
                raise CalendarDataError(
                    f"{source}: {year} has {actual} days off but days_off says {expected}: "
                    "a day is missing, extra or of the wrong kind"
                )
        return calendar

    @classmethod
    def from_yaml(cls, text: str, source: str = "<yaml>") -> WorkCalendar:
        """Parse YAML text (safe loader) and build the calendar."""
        try:
            data = yaml.safe_load(text)
        except (yaml.YAMLError, ValueError) as error:
            # PyYAML raises ValueError for an impossible date such as 2026-13-03.
            raise CalendarDataError(f"{source}: not valid YAML: {error}") from None
        return cls.from_mapping(data, source)

    @classmethod
    def from_file(cls, path: str | Path) -> WorkCalendar:
        """Load a calendar file such as an agency's own copy of ``taiwan.yaml``."""
        path = Path(path)
        return cls.from_yaml(path.read_text(encoding="utf-8"), str(path))


def _special_day(entry: Any, where: str) -> SpecialDay:
    if not isinstance(entry, Mapping):
        raise CalendarDataError(f"{where}: expected date, kind, name_zh and name_en")
    missing = {"date", "kind", "name_zh", "name_en"} - set(entry)
    unknown = set(entry) - {"date", "kind", "name_zh", "name_en"}
    if missing or unknown:
        raise CalendarDataError(f"{where}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    raw = entry["date"]
    try:
        day = raw if type(raw) is date else date.fromisoformat(str(raw))
    except ValueError:
        raise CalendarDataError(f"{where}: {raw!r} is not a date (YYYY-MM-DD)") from None
    try:
        return SpecialDay(day, entry["kind"], str(entry["name_zh"]), str(entry["name_en"]))
    except CalendarDataError as error:
        raise CalendarDataError(f"{where}: {error}") from None


@functools.cache
def taiwan_calendar() -> WorkCalendar:
    """Taiwan's national calendar for government agencies, from ``data/taiwan.yaml``."""
    text = resources.files(__package__).joinpath("data/taiwan.yaml").read_text(encoding="utf-8")
    return WorkCalendar.from_yaml(text, "collector/core/data/taiwan.yaml")
