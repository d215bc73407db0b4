"""Handling deadlines of complaint cases (陳情), computed on a working-day calendar.

Legal basis and the rules applied (docs/complaints-deadlines.md explains them):

* The period: the Executive Yuan directive on complaints (行政院及所屬各機關處理
  人民陳情案件要點) sets 30 days as the general handling period unless another rule
  sets one; agencies often promise less (Taipei 1999: 6 working days). A
  :class:`DeadlinePolicy` is therefore ``days`` of one ``kind``: ``"calendar"`` or
  ``"working"`` days, chosen per agency and category by the caller.
* The receipt day is not counted (行政程序法 §48 II: 期間始日不計算). Day 1 is the day
  after ``received_on``.
* ``"working"``: the due date is the N-th working day after receipt.
* ``"calendar"``: the due date is the N-th calendar day after receipt; if that day is
  not a working day it moves to the next working day (§48 IV: a period ending on a
  Sunday, national holiday or other day off ends on the next day; a Saturday, on the
  Monday). A make-up working day (補行上班日) is a working day, so a period may end on
  it (法務部 letter of 3 Feb 2010 (民國99年2月3日): a Saturday made a working day is no
  day off for §48 IV).
* Pauses: while the case awaits a supplement from the complainant (補正) the clock
  stops. A pause ``(start, end)`` is the day the request went out and the day the
  supplement arrived. The start day still counts (the agency worked the case that
  day); the days after it up to and including ``end`` do not, because the day the
  supplement arrives is treated like a new receipt day, which §48 II does not
  count. The clock runs again from ``end + 1``. A pause with ``start == end``
  stops nothing. An open pause (``end`` is None) means no final due date exists
  yet: the due date is computed as if the supplement arrived ``today`` (the
  earliest it can be) and :attr:`Deadline.provisional` is set.
* Extensions (延長, approved with a written reason to the complainant): extra days
  of the policy's kind, added to the count.
* A transfer (移送) to the competent agency restarts the clock there: the caller
  passes the date the receiving agency got the case as ``received_on`` (and that
  agency's policy and calendar); the pauses and extensions at the first agency do
  not carry over.

``today`` is always passed in, as a date in Taiwan (Asia/Taipei): this module never
reads the clock, so a server running on UTC cannot shift a deadline by a day.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from enum import StrEnum
from typing import Literal
from typing import TypedDict
from typing import Unpack
from typing import get_args

from collector.core.workdays import WorkCalendar

DeadlineKind = Literal["calendar", "working"]
Pause = tuple[date, date | None]

_KINDS: tuple[str, ...] = get_args(DeadlineKind)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    """How long an agency has for a case: ``days`` calendar or working days."""

    days: int = 30
    kind: DeadlineKind = "calendar"

    def __post_init__(self) -> None:
        if type(self.days) is not int or self.days < 1:
            raise ValueError(f"a deadline needs at least one day, not {self.days!r}")
        if self.kind not in _KINDS:
            raise ValueError(f"kind must be 'calendar' or 'working', not {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Deadline:
    """A computed due date and how it came about.

    ``provisional`` is True while a pause is open: the due date then assumes the
    supplement arrives on ``today`` and moves later each day the pause lasts.
    ``paused_days`` counts the calendar days that did not run (inside pauses).
    """

    due: date
    provisional: bool
    paused_days: int


class DeadlineDetails(TypedDict, total=False):
    """What a case adds to its receipt day, policy and calendar (see :func:`deadline`)."""

    pauses: Sequence[Pause]
    extension_days: int
    today: date | None


class ClockState(StrEnum):
    """Where a case stands against its due date."""

    OVERDUE = "overdue"
    PAUSED = "paused"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"


def _stopped_days(
    received_on: date, pauses: Iterable[Pause], today: date | None
) -> tuple[list[tuple[date, date]], bool]:
    """The pauses as merged, sorted inclusive ranges of days the clock does not run."""
    ranges: list[tuple[date, date]] = []
    is_open = False
    for start, end in pauses:
        if start < received_on:
            raise ValueError(f"a pause cannot start ({start}) before receipt ({received_on})")
        if end is None:
            if today is None:
                raise ValueError("an open pause needs today to fix a provisional due date")
            if today < start:
                raise ValueError(f"the open pause starts ({start}) after today ({today})")
            end = today
            is_open = True
        elif end < start:
            raise ValueError(f"a pause cannot end ({end}) before it starts ({start})")
        if end > start:
            ranges.append((start + _ONE_DAY, end))
    ranges.sort()
    merged: list[tuple[date, date]] = []
    for first, last in ranges:
        if merged and first <= merged[-1][1] + _ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged, is_open


def deadline(
    received_on: date,
    policy: DeadlinePolicy,
    calendar: WorkCalendar,
    pauses: Sequence[Pause] = (),
    extension_days: int = 0,
    today: date | None = None,
) -> Deadline:
    """The due date with its details; see the module docstring for the rules."""
    if type(extension_days) is not int or extension_days < 0:
        raise ValueError(f"extension_days must be zero or more, not {extension_days!r}")
    stopped, is_open = _stopped_days(received_on, pauses, today)
    remaining = policy.days + extension_days
    day = received_on
    paused_days = 0
    ranges = iter(stopped)
    upcoming = next(ranges, None)
    while remaining:
        day += _ONE_DAY
        if upcoming is not None and day >= upcoming[0]:
            # Jump over the whole pause: its days do not count.
            paused_days += (upcoming[1] - upcoming[0]).days + 1
            day = upcoming[1]
            upcoming = next(ranges, None)
            continue
        if policy.kind == "calendar" or calendar.is_working_day(day):
            remaining -= 1
    due = calendar.next_working_day(day)
    return Deadline(due=due, provisional=is_open, paused_days=paused_days)


def due_date(
    received_on: date,
    policy: DeadlinePolicy,
    calendar: WorkCalendar,
    **details: Unpack[DeadlineDetails],
) -> date:
    """The due date alone (``deadline(...).due``): a working day on ``calendar``.

    With an open pause, ``today`` is required and the date is provisional.
    """
    return deadline(received_on, policy, calendar, **details).due


def days_left(due: date, today: date, calendar: WorkCalendar, kind: DeadlineKind) -> int:
    """Days from ``today`` to ``due`` in the policy's kind: 0 on the due date, negative after.

    Working days count ``(today, due]``, so a case due tomorrow (a working day) has 1
    left and a case due last Friday, seen on Monday, has -1.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'calendar' or 'working', not {kind!r}")
    if kind == "calendar":
        return (due - today).days
    return calendar.working_days_between(today, due)


def clock_state(
    due: date,
    today: date,
    calendar: WorkCalendar,
    *,
    due_soon_within: int = 3,
    paused: bool = False,
) -> ClockState:
    """Overdue after the due date; paused while awaiting a supplement; due soon when
    at most ``due_soon_within`` working days are left; otherwise on track.

    Overdue wins over paused: a pause that began after the due date saves nothing.
    """
    if due_soon_within < 0:
        raise ValueError(f"due_soon_within must be zero or more, not {due_soon_within}")
    if today > due:
        return ClockState.OVERDUE
    if paused:
        return ClockState.PAUSED
    if calendar.working_days_between(today, due) <= due_soon_within:
        return ClockState.DUE_SOON
    return ClockState.ON_TRACK
