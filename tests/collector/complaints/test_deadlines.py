"""Due dates of complaint cases: counting, pauses, extensions, transfers, states.

Every expected date below was counted by hand on the DGPA office calendars.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.complaints.deadlines import ClockState
from collector.complaints.deadlines import DeadlinePolicy
from collector.complaints.deadlines import clock_state
from collector.complaints.deadlines import days_left
from collector.complaints.deadlines import deadline
from collector.complaints.deadlines import due_date
from collector.complaints.records import clock_of
from collector.core.models import Complaint
from collector.core.models import ComplaintPolicy
from collector.core.workdays import SpecialDay
from collector.core.workdays import YearNotCovered
from collector.core.workdays import taiwan_calendar

TW = taiwan_calendar()
THIRTY = DeadlinePolicy()  # 30 calendar days, the directive's general rule
SIX_WORKING = DeadlinePolicy(6, "working")  # e.g. Taipei's 1999 line


def test_policy_defaults_and_validation() -> None:
    assert (THIRTY.days, THIRTY.kind) == (30, "calendar")
    with pytest.raises(ValueError, match="at least one day"):
        DeadlinePolicy(0)
    with pytest.raises(ValueError, match="'calendar' or 'working'"):
        DeadlinePolicy(5, "business")  # type: ignore[arg-type]


# -- plain counting ----------------------------------------------------------------


def test_the_receipt_day_is_not_counted() -> None:
    # Received Monday 2 March 2026: the first working day is Tuesday.
    assert due_date(date(2026, 3, 2), DeadlinePolicy(1, "working"), TW) == date(2026, 3, 3)
    assert due_date(date(2026, 3, 2), DeadlinePolicy(1), TW) == date(2026, 3, 3)
    # Received on a Saturday: Sunday is day 1 (calendar) and moves to Monday.
    assert due_date(date(2026, 3, 7), DeadlinePolicy(1, "working"), TW) == date(2026, 3, 9)
    assert due_date(date(2026, 3, 7), DeadlinePolicy(1), TW) == date(2026, 3, 9)


def test_thirty_calendar_days_landing_in_lunar_new_year() -> None:
    # 20 Jan + 30 days = Thu 19 Feb 2026 (春節) -> the holiday runs to Sun 22 Feb.
    assert due_date(date(2026, 1, 20), THIRTY, TW) == date(2026, 2, 23)


def test_thirty_calendar_days_landing_on_double_ten() -> None:
    # 10 Sep + 30 days = Sat 10 Oct 2026 -> Monday 12 Oct.
    assert due_date(date(2026, 9, 10), THIRTY, TW) == date(2026, 10, 12)


def test_calendar_days_landing_on_an_observed_holiday() -> None:
    # 6 Mar + 30 = Sun 5 Apr 2026 (清明); Mon 6 Apr is its observed day -> Tue 7 Apr.
    assert due_date(date(2026, 3, 6), THIRTY, TW) == date(2026, 4, 7)


def test_six_working_days_over_a_long_weekend() -> None:
    # Received Thu 12 Feb 2026: 13 Feb (1), 23-26 Feb (2-5), 27 Feb is the observed
    # 228 holiday, Mon 2 Mar (6).
    assert due_date(date(2026, 2, 12), SIX_WORKING, TW) == date(2026, 3, 2)


def test_a_make_up_working_saturday_counts_and_ends_a_period() -> None:
    # Working days: Wed 5 Feb 2025 -> 6 Feb (1), 7 Feb (2), Sat 8 Feb (3, 補行上班).
    assert due_date(date(2025, 2, 5), DeadlinePolicy(3, "working"), TW) == date(2025, 2, 8)
    # Calendar days: 9 Jan + 30 = Sat 8 Feb 2025, a working day: no move to Monday.
    assert due_date(date(2025, 1, 9), THIRTY, TW) == date(2025, 2, 8)


def test_a_due_date_in_a_year_without_data_raises() -> None:
    # 15 Dec 2027 + 30 days is in January 2028: no data, no guess.
    with pytest.raises(YearNotCovered):
        due_date(date(2027, 12, 15), THIRTY, TW)
    with pytest.raises(YearNotCovered):
        due_date(date(2027, 12, 28), SIX_WORKING, TW)


# -- pauses ------------------------------------------------------------------------


def test_a_pause_while_awaiting_a_supplement() -> None:
    received = date(2026, 3, 2)  # Monday
    assert due_date(received, SIX_WORKING, TW) == date(2026, 3, 10)
    # Asked for a supplement on Wed 4 Mar (days 1-2 ran: 3 and 4 Mar); it arrived
    # Tue 10 Mar. 5-10 Mar do not count; 11, 12, 13, 16 Mar are days 3-6.
    pause = (date(2026, 3, 4), date(2026, 3, 10))
    result = deadline(received, SIX_WORKING, TW, [pause])
    assert result.due == date(2026, 3, 16)
    assert not result.provisional
    assert result.paused_days == 6


def test_a_pause_on_calendar_days() -> None:
    # 11-15 Mar do not run: 2 Mar + 35 days = Mon 6 Apr (observed 清明) -> Tue 7 Apr.
    pause = (date(2026, 3, 10), date(2026, 3, 15))
    result = deadline(date(2026, 3, 2), THIRTY, TW, [pause])
    assert result.due == date(2026, 4, 7)
    assert result.paused_days == 5


def test_a_pause_starting_and_ending_the_same_day_stops_nothing() -> None:
    same = (date(2026, 3, 4), date(2026, 3, 4))
    assert due_date(date(2026, 3, 2), SIX_WORKING, TW, pauses=[same]) == date(2026, 3, 10)
    # A pause on the receipt day itself stops the clock from the next day.
    at_receipt = (date(2026, 3, 2), date(2026, 3, 3))
    assert due_date(date(2026, 3, 2), SIX_WORKING, TW, pauses=[at_receipt]) == date(2026, 3, 11)


def test_overlapping_pauses_count_once() -> None:
    pauses = [(date(2026, 3, 4), date(2026, 3, 8)), (date(2026, 3, 6), date(2026, 3, 10))]
    result = deadline(date(2026, 3, 2), SIX_WORKING, TW, pauses)
    assert result.due == date(2026, 3, 16)
    assert result.paused_days == 6


def test_an_open_pause_gives_a_provisional_date_that_moves_on() -> None:
    received = date(2026, 3, 2)
    open_pause = (date(2026, 3, 4), None)
    on_10th = deadline(received, SIX_WORKING, TW, [open_pause], today=date(2026, 3, 10))
    assert on_10th.due == date(2026, 3, 16)  # as if the supplement came today
    assert on_10th.provisional
    on_11th = deadline(received, SIX_WORKING, TW, [open_pause], today=date(2026, 3, 11))
    assert on_11th.due == date(2026, 3, 17)
    with pytest.raises(ValueError, match="needs today"):
        due_date(received, SIX_WORKING, TW, pauses=[open_pause])
    with pytest.raises(ValueError, match="after today"):
        due_date(received, SIX_WORKING, TW, pauses=[open_pause], today=date(2026, 3, 3))


@pytest.mark.parametrize(
    ("pause", "message"),
    [
        ((date(2026, 3, 1), date(2026, 3, 5)), "before receipt"),
        ((date(2026, 3, 5), date(2026, 3, 4)), "before it starts"),
    ],
)
def test_impossible_pauses_are_refused(pause: tuple[date, date], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        due_date(date(2026, 3, 2), SIX_WORKING, TW, pauses=[pause])


# -- extensions and transfers --------------------------------------------------------


def test_an_extension_adds_days_of_the_policy_kind() -> None:
    # 2 Mar + 60 calendar days = Fri 1 May 2026 (勞動節) -> Mon 4 May.
    assert due_date(date(2026, 3, 2), THIRTY, TW, extension_days=30) == date(2026, 5, 4)
    # 6 + 2 working days from Mon 2 Mar: 3-6, 9-12 Mar.
    assert due_date(date(2026, 3, 2), SIX_WORKING, TW, extension_days=2) == date(2026, 3, 12)
    with pytest.raises(ValueError, match="zero or more"):
        due_date(date(2026, 3, 2), THIRTY, TW, extension_days=-1)


def test_a_transfer_restarts_the_clock_at_the_receiving_agency() -> None:
    first = due_date(date(2026, 3, 2), THIRTY, TW, pauses=[(date(2026, 3, 5), date(2026, 3, 9))])
    assert first == date(2026, 4, 7)
    # Transferred on Fri 20 Mar: the receiving agency counts from that date, with
    # its own policy and none of the first agency's pause: 20 Mar + 30 = Sun 19 Apr.
    assert due_date(date(2026, 3, 20), THIRTY, TW) == date(2026, 4, 20)
    assert due_date(date(2026, 3, 20), SIX_WORKING, TW) == date(2026, 3, 30)


def test_an_agency_calendar_moves_the_due_date() -> None:
    # A typhoon closure on the due date pushes it to the next working day.
    agency = TW.merged([SpecialDay(date(2026, 3, 10), "holiday", "颱風停班", "Typhoon closure")])
    assert due_date(date(2026, 3, 2), SIX_WORKING, agency) == date(2026, 3, 11)
    # 30 calendar days from 8 Feb = Tue 10 Mar: closed, so Wed 11 Mar.
    assert due_date(date(2026, 2, 8), THIRTY, agency) == date(2026, 3, 11)


# -- days left and the clock's state ---------------------------------------------------


def test_days_left() -> None:
    due = date(2026, 2, 23)
    assert days_left(due, date(2026, 2, 13), TW, "working") == 1
    assert days_left(due, date(2026, 2, 13), TW, "calendar") == 10
    assert days_left(due, due, TW, "working") == 0
    # Due Fri 13 Feb, seen on Mon 23 Feb: one working day late, ten calendar days.
    assert days_left(date(2026, 2, 13), date(2026, 2, 23), TW, "working") == -1
    assert days_left(date(2026, 2, 13), date(2026, 2, 23), TW, "calendar") == -10
    with pytest.raises(ValueError):
        days_left(due, due, TW, "weeks")  # type: ignore[arg-type]


def test_clock_state() -> None:
    due = date(2026, 3, 16)  # Monday
    assert clock_state(due, date(2026, 3, 17), TW) is ClockState.OVERDUE
    assert clock_state(due, date(2026, 3, 16), TW) is ClockState.DUE_SOON
    assert clock_state(due, date(2026, 3, 11), TW) is ClockState.DUE_SOON  # 12,13,16
    assert clock_state(due, date(2026, 3, 10), TW) is ClockState.ON_TRACK  # 4 left
    assert clock_state(due, date(2026, 3, 10), TW, due_soon_within=4) is ClockState.DUE_SOON
    assert clock_state(due, date(2026, 3, 13), TW, due_soon_within=0) is ClockState.ON_TRACK
    assert clock_state(due, date(2026, 3, 10), TW, paused=True) is ClockState.PAUSED
    assert clock_state(due, date(2026, 3, 17), TW, paused=True) is ClockState.OVERDUE
    assert ClockState.DUE_SOON == "due_soon"
    with pytest.raises(ValueError):
        clock_state(due, due, TW, due_soon_within=-1)


# -- properties ------------------------------------------------------------------------

received_days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 3, 31))
policies = st.builds(
    DeadlinePolicy,
    days=st.integers(min_value=1, max_value=60),
    kind=st.sampled_from(["calendar", "working"]),
)


@st.composite
def pauses_after(draw: st.DrawFn, received: date) -> list[tuple[date, date]]:
    found = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        start = received + timedelta(days=draw(st.integers(min_value=0, max_value=60)))
        found.append((start, start + timedelta(days=draw(st.integers(min_value=0, max_value=20)))))
    return found


@given(received_days, policies, st.integers(min_value=0, max_value=30), st.data())
def test_due_dates_are_working_days_and_pauses_never_bring_them_forward(
    received: date, policy: DeadlinePolicy, extension: int, data: st.DataObject
) -> None:
    pauses = data.draw(pauses_after(received))
    plain = due_date(received, policy, TW, extension_days=extension)
    paused = deadline(received, policy, TW, pauses, extension)
    assert TW.is_working_day(plain)
    assert TW.is_working_day(paused.due)
    assert paused.due >= plain > received
    if not pauses:
        assert paused.paused_days == 0
    if policy.kind == "working":
        assert TW.working_days_between(received, plain) == policy.days + extension
    else:
        assert (plain - received).days >= policy.days + extension
        # Any day moved over is a day off.
        target = received + timedelta(days=policy.days + extension)
        assert all(
            not TW.is_working_day(target + timedelta(days=i)) for i in range((plain - target).days)
        )


@given(received_days, policies, st.integers(min_value=0, max_value=29))
def test_a_longer_extension_never_brings_the_date_forward(
    received: date, policy: DeadlinePolicy, extension: int
) -> None:
    shorter = due_date(received, policy, TW, extension_days=extension)
    assert due_date(received, policy, TW, extension_days=extension + 1) >= shorter


def test_a_case_clock_counts_due_soon_by_the_agency_policy_and_stops_for_a_supplement() -> None:
    policy = ComplaintPolicy(agency_id=1, due_soon_days=2)
    case = Complaint(due_on=date(2026, 3, 10), status="in_progress")
    assert (
        clock_of(case, date(2026, 3, 6), TW, policy) is ClockState.DUE_SOON
    )  # Fri: 2 working days
    assert clock_of(case, date(2026, 3, 5), TW, policy) is ClockState.ON_TRACK
    case.status = "awaiting_supplement"
    assert clock_of(case, date(2026, 3, 6), TW, policy) is ClockState.PAUSED
    assert clock_of(case, date(2026, 3, 11), TW, policy) is ClockState.OVERDUE
