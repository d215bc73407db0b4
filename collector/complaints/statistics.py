"""Complaint-handling statistics for one agency (or unit) and one wave: what the award's
complaint chapter reports (volume, on-time share, time to close, the overdue trend) and
the handling-satisfaction follow-up beside it.

The counts come from the database grouped (``GROUP BY`` month, category, channel, dates),
never one row per case; the statistics come from :mod:`analysis.handling`. Definitions
(docs/complaints-statistics.md), all dates Taiwan dates:

* volume: cases received in the wave (``received_on``), per month, category and channel;
* on-time share: of the cases due in the wave (``due_on`` in the wave and already past),
  those answered (first reply or decline, ``answered_on``) on or before their due date;
  cases transferred to another agency or merged into another case are left out, a case
  still open after its due date is overdue;
* time to close: days from receipt to the first answer for the cases received in the
  wave, Kaplan-Meier with the cases still open censored at today;
* overdue p-chart: the share not answered on time, per month of the due date;
* handling satisfaction: the follow-ups sent (online link or phone call) in the wave;
  each category's respondents weighted to the cases of that category invited.

Every count under ``MIN_CELL`` is withheld (with secondary suppression where a total
would reveal it), and every share, mean or median resting on fewer cases or respondents.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from typing import Any

import pandas as pd
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from analysis.aapor import Dispositions
from analysis.aapor import response_rates
from analysis.handling import Share
from analysis.handling import dimension_scores
from analysis.handling import followup_design
from analysis.handling import overdue_chart
from analysis.handling import share
from analysis.handling import time_to_close_counts
from analysis.satisfaction import top_two_box
from collector.access.scoped import scoped
from collector.complaints.followups import attempts
from collector.core.disclosure import MIN_CELL
from collector.core.disclosure import hidden_cells
from collector.core.disclosure import hidden_in_table
from collector.core.disclosure import too_small
from collector.core.models import Complaint
from collector.core.models import ComplaintFollowup
from collector.core.models import Response
from collector.results.waves import Wave

LEFT_OUT = ("transferred", "merged")
"""Statuses of cases another case or agency answers: not counted for deadlines."""

Month = str  # "YYYY-MM"

WITHIN_DAYS = (7, 14, 30, 60)
"""The days at which the page reads the Kaplan-Meier curve: the share answered within."""


@dataclass(frozen=True)
class Scope:
    """Whose cases and which wave: an agency, optionally one unit, read under ``action``."""

    agency_id: int
    unit_id: int | None
    wave: Wave
    today: date
    action: str
    zone: Any  # tzinfo of the agencies' days

    @property
    def last_due(self) -> date:
        """The last due date already past: min(wave end, yesterday)."""
        return min(self.wave.end, self.today - timedelta(days=1))

    def months(self) -> list[Month]:
        out: list[Month] = []
        day = self.wave.start.replace(day=1)
        while day <= self.wave.end:
            out.append(f"{day:%Y-%m}")
            day = (day + timedelta(days=32)).replace(day=1)
        return out


def _cases(scope: Scope, *columns: Any) -> Any:
    statement = select(*columns).where(col(Complaint.agency_id) == scope.agency_id)
    if scope.unit_id is not None:
        statement = statement.where(col(Complaint.unit_id) == scope.unit_id)
    return statement


def _month(column: Any) -> tuple[Any, Any]:
    return func.extract("year", column), func.extract("month", column)


def _key(year: Any, month: Any) -> Month:
    return f"{int(year):04d}-{int(month):02d}"


# -- counts from the database ------------------------------------------------------


def received_counts(session: Session, scope: Scope) -> dict[tuple[Month, int, str], int]:
    """Cases received in the wave per (month, category id, channel)."""
    year, month = _month(col(Complaint.received_on))
    statement = (
        _cases(scope, year, month, col(Complaint.category_id), col(Complaint.channel), func.count())
        .where(
            col(Complaint.received_on) >= scope.wave.start,
            col(Complaint.received_on) <= scope.wave.end,
        )
        .group_by(year, month, col(Complaint.category_id), col(Complaint.channel))
    )
    return {
        (_key(y, m), category, channel): int(n)
        for y, m, category, channel, n in session.execute(scoped(statement, scope.action))
    }


def due_counts(session: Session, scope: Scope) -> dict[tuple[Month, int], tuple[int, int]]:
    """Cases due in the wave (due date past) per (month due, category id): (due, on time)."""
    year, month = _month(col(Complaint.due_on))
    on_time = case(
        (
            col(Complaint.answered_on).is_not(None)
            & (col(Complaint.answered_on) <= col(Complaint.due_on)),
            1,
        ),
        else_=0,
    )
    statement = (
        _cases(scope, year, month, col(Complaint.category_id), func.count(), func.sum(on_time))
        .where(
            col(Complaint.due_on) >= scope.wave.start,
            col(Complaint.due_on) <= scope.last_due,
            col(Complaint.status).not_in(LEFT_OUT),
        )
        .group_by(year, month, col(Complaint.category_id))
    )
    return {
        (_key(y, m), category): (int(n), int(k or 0))
        for y, m, category, n, k in session.execute(scoped(statement, scope.action))
    }


def duration_counts(
    session: Session, scope: Scope
) -> dict[int, list[tuple[date, date | None, int]]]:
    """Per category: (received on, answered on or None, cases) for the wave's cases."""
    statement = (
        _cases(
            scope,
            col(Complaint.category_id),
            col(Complaint.received_on),
            col(Complaint.answered_on),
            func.count(),
        )
        .where(
            col(Complaint.received_on) >= scope.wave.start,
            col(Complaint.received_on) <= min(scope.wave.end, scope.today),
            col(Complaint.status).not_in(LEFT_OUT),
        )
        .group_by(
            col(Complaint.category_id), col(Complaint.received_on), col(Complaint.answered_on)
        )
    )
    out: dict[int, list[tuple[date, date | None, int]]] = defaultdict(list)
    for category, received, answered, n in session.execute(scoped(statement, scope.action)):
        if answered is not None and answered > scope.today:
            answered = None  # answered after the report date (a clock set back): still open
        out[category].append((received, answered, int(n)))
    return dict(out)


# -- the figures -------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A two-way count table with totals; a None count is withheld."""

    rows: list[Any]
    cols: list[Any]
    cells: dict[tuple[Any, Any], int | None]
    row_totals: dict[Any, int | None]
    col_totals: dict[Any, int | None]
    total: int


def count_table(
    counts: dict[tuple[Any, Any], int], rows: Sequence[Any], cols: Sequence[Any]
) -> Table:
    """``counts`` laid out on ``rows`` x ``cols`` with primary and secondary suppression."""
    full = {(r, c): counts.get((r, c), 0) for r in rows for c in cols}
    cells, hidden_rows, hidden_cols = hidden_in_table(full)
    row_totals = {r: sum(full[(r, c)] for c in cols) for r in rows}
    col_totals = {c: sum(full[(r, c)] for r in rows) for c in cols}
    return Table(
        rows=list(rows),
        cols=list(cols),
        cells={k: None if k in cells else n for k, n in full.items()},
        row_totals={r: None if r in hidden_rows else n for r, n in row_totals.items()},
        col_totals={c: None if c in hidden_cols else n for c, n in col_totals.items()},
        total=sum(full.values()),
    )


@dataclass(frozen=True)
class Median:
    """Median days to close with its interval (inf: not reached yet)."""

    n: int
    open: int
    days: float
    low: float
    high: float
    within: dict[int, float] = field(default_factory=dict)  # share answered within d days


@dataclass(frozen=True)
class Curve:
    """A Kaplan-Meier curve: days and the share of cases still unanswered."""

    label: str
    days: list[float]
    still_open: list[float]


@dataclass(frozen=True)
class ChartMonth:
    month: Month
    due: int
    share: float | None  # None: fewer than MIN_CELL cases due (0: none, a gap in the chart)
    centre: float
    lower: float
    upper: float
    rules: list[str]


@dataclass(frozen=True)
class CategoryRow:
    category_id: int
    received: int | None
    due: int | None
    on_time: Share | None
    median: Median | None


@dataclass
class CaseStatistics:
    months: list[Month]
    by_category: Table
    by_channel: Table
    on_time: Share | None
    due: int
    median: Median | None
    curves: list[Curve]
    chart: list[ChartMonth]
    categories: list[CategoryRow]


def _median(
    counts: Sequence[tuple[date, date | None, int]], today: date
) -> tuple[Median | None, Any]:
    n = sum(c for _, _, c in counts)
    if too_small(n):
        return None, None
    result = time_to_close_counts(counts, today)
    low, high = result.median_ci
    within = {d: result.share_closed_within(d) for d in WITHIN_DAYS}
    return Median(result.n, result.n_open, result.median, low, high, within), result


def _share(k: int, n: int) -> Share | None:
    return None if too_small(n) else share(k, n)


def case_statistics(session: Session, scope: Scope) -> CaseStatistics:
    """Every case figure of the wave, suppressed."""
    months = scope.months()
    received = received_counts(session, scope)
    by_category: dict[tuple[Any, Any], int] = defaultdict(int)
    by_channel: dict[tuple[Any, Any], int] = defaultdict(int)
    for (month, category, channel), n in received.items():
        by_category[(month, category)] += n
        by_channel[(month, channel)] += n
    channels = sorted({ch for _, _, ch in received})
    due = due_counts(session, scope)
    durations = duration_counts(session, scope)
    categories = sorted({c for _, c, _ in received} | {c for _, c in due} | set(durations))

    due_by_month: dict[Month, list[int]] = defaultdict(lambda: [0, 0])
    due_by_category: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (month, category), (n, k) in due.items():
        due_by_month[month][0] += n
        due_by_month[month][1] += k
        due_by_category[category][0] += n
        due_by_category[category][1] += k
    total_due = sum(n for n, _ in due_by_month.values())
    total_on_time = sum(k for _, k in due_by_month.values())

    chart: list[ChartMonth] = []
    # Every month up to the last due date already past: a month with no case due is a gap
    # in the chart (and counts as a month for the run rules), not left out.
    last_month = f"{scope.last_due:%Y-%m}"
    chart_months = [m for m in months if m <= last_month]
    if any(due_by_month.get(m, [0, 0])[0] > 0 for m in chart_months):
        frame = overdue_chart(
            chart_months,
            [due_by_month.get(m, [0, 0])[0] for m in chart_months],
            [due_by_month.get(m, [0, 0])[0] - due_by_month.get(m, [0, 0])[1] for m in chart_months],
        )
        for label, row in frame.iterrows():
            n = int(row["n"])
            chart.append(
                ChartMonth(
                    month=str(label),
                    due=n,
                    share=None if too_small(n) else float(row["value"]),
                    centre=float(row["centre"]),
                    lower=float(row["lcl"]),
                    upper=float(row["ucl"]),
                    rules=[r for r in str(row["rules"]).split(",") if r]
                    if not too_small(n)
                    else [],
                )
            )

    everything = [t for rows in durations.values() for t in rows]
    median, overall = _median(everything, scope.today)
    curves = []
    if overall is not None:
        curves.append(_curve("", overall))
    received_by_category = {c: sum(by_category.get((m, c), 0) for m in months) for c in categories}
    hidden_received = hidden_cells(received_by_category)
    hidden_due = hidden_cells({c: due_by_category.get(c, [0, 0])[0] for c in categories})
    rows = []
    for category in categories:
        n_due, k = due_by_category.get(category, [0, 0])
        cat_median, _ = _median(durations.get(category, []), scope.today)
        rows.append(
            CategoryRow(
                category_id=category,
                received=None if category in hidden_received else received_by_category[category],
                due=None if category in hidden_due else n_due,
                on_time=_share(k, n_due),
                median=cat_median,
            )
        )
    return CaseStatistics(
        months=months,
        by_category=count_table(by_category, months, categories),
        by_channel=count_table(by_channel, months, channels),
        on_time=_share(total_on_time, total_due),
        due=total_due,
        median=median,
        curves=curves,
        chart=chart,
        categories=rows,
    )


def _curve(label: str, result: Any) -> Curve:
    table = result.table
    return Curve(
        label=label,
        days=[0.0] + [float(d) for d in table.index],
        still_open=[1.0] + [float(s) for s in table["survival"]],
    )


# -- the follow-up survey ----------------------------------------------------------


@dataclass(frozen=True)
class ItemFigure:
    """One item: respondents, and for a 5-point item its mean and top-two-box share,
    for a choice its share per answer, each with a 95% interval."""

    key: str
    n: int | None
    mean: float | None = None
    mean_ci: tuple[float, float] | None = None
    top2: float | None = None
    top2_ci: tuple[float, float] | None = None
    shares: dict[str, tuple[float, tuple[float, float]]] = field(default_factory=dict)


@dataclass
class Satisfaction:
    invited: int
    answered: int | None  # None: fewer than MIN_CELL
    rates: dict[str, float] = field(default_factory=dict)
    dispositions: dict[str, int] = field(default_factory=dict)
    overall: ItemFigure | None = None
    groups: dict[str, list[ItemFigure]] = field(default_factory=dict)
    dimensions: dict[str, ItemFigure] = field(default_factory=dict)
    strata: int = 0


def _followups(scope: Scope, *columns: Any) -> Any:
    first, after = scope.wave.bounds(scope.zone)
    statement = (
        select(*columns)
        .select_from(ComplaintFollowup)
        .join(Complaint, col(Complaint.id) == col(ComplaintFollowup.complaint_id))
        .where(
            col(ComplaintFollowup.agency_id) == scope.agency_id,
            col(ComplaintFollowup.created_at) >= first,
            col(ComplaintFollowup.created_at) < after,
        )
    )
    if scope.unit_id is not None:
        statement = statement.where(col(Complaint.unit_id) == scope.unit_id)
    return statement


def invited_counts(session: Session, scope: Scope) -> dict[int, tuple[int, int]]:
    """Follow-ups sent in the wave per category: (invited, answered)."""
    statement = _followups(
        scope,
        col(Complaint.category_id),
        func.count(),
        func.count(col(ComplaintFollowup.response_id)),
    ).group_by(col(Complaint.category_id))
    return {
        category: (int(n), int(r))
        for category, n, r in session.execute(scoped(statement, scope.action))
    }


def _dispositions(session: Session, scope: Scope, invited: int, answered: int) -> Dispositions:
    """AAPOR dispositions: I answered; a phone case not reached by its last call R, NC or
    O, not called yet UH; an online link not answered UO (whether it was read is unknown)."""
    phone = [
        complaint_id
        for (complaint_id,) in session.execute(
            scoped(
                _followups(scope, col(ComplaintFollowup.complaint_id)).where(
                    col(ComplaintFollowup.channel) == "phone",
                    col(ComplaintFollowup.response_id).is_(None),
                ),
                scope.action,
            )
        )
    ]
    tried = attempts(session, phone, scope.action)
    symbol = {"refused": "R", "no_contact": "NC", "other": "O"}
    counts = {"R": 0, "NC": 0, "O": 0, "UH": 0}
    for complaint_id in phone:
        last = tried.get(complaint_id)
        counts[symbol[last[-1]] if last else "UH"] += 1
    return Dispositions(I=answered, UO=invited - answered - len(phone), **counts)


def _item(design: Any, frame: pd.DataFrame, key: str, likert: set[str]) -> ItemFigure:
    n = int(frame[key].notna().sum()) if key in frame.columns else 0
    if too_small(n):
        return ItemFigure(key, None)
    if key not in likert and not key.startswith("dim_"):  # a choice: the share of each answer
        shares = {}
        for value in sorted(frame[key].dropna().unique()):
            est = design.ciprop(f"{key}={value}", na_rm=True)
            shares[str(value)] = (est.estimate, est.ci())
        return ItemFigure(key, n, shares=shares)
    mean = design.mean(key, na_rm=True).with_design_df()  # t on the design df, as the web shows
    if key.startswith("dim_"):  # a dimension: the mean of its items
        return ItemFigure(key, n, mean.estimate, mean.ci())
    top = top_two_box(design, key)
    return ItemFigure(key, n, mean.estimate, mean.ci(), top.estimate, top.ci())


def satisfaction(
    session: Session,
    scope: Scope,
    groups: dict[str, list[str]],
    dimensions: dict[str, list[str]],
    overall: str,
    likert: set[str],
) -> Satisfaction:
    """The follow-up's response rate and weighted item estimates for the wave."""
    invited = invited_counts(session, scope)
    n_invited = sum(n for n, _ in invited.values())
    n_answered = sum(r for _, r in invited.values())
    result = Satisfaction(invited=n_invited, answered=None if too_small(n_answered) else n_answered)
    if n_invited:
        d = _dispositions(session, scope, n_invited, n_answered)
        rates = response_rates(d)
        result.rates = {k: rates[k] for k in ("RR1", "COOP1") if not math.isnan(rates[k])}
        result.dispositions = {
            k: v for k, v in vars(d).items() if k in ("I", "R", "NC", "O", "UH", "UO")
        }
    if result.answered is None:
        return result
    rows = session.execute(
        scoped(
            _followups(scope, col(Complaint.category_id), col(Response.answers)).join(
                Response, col(Response.id) == col(ComplaintFollowup.response_id)
            ),
            scope.action,
        )
    ).all()
    wanted = {overall, *(k for keys in groups.values() for k in keys)}
    records = []
    for category, answers in rows:
        record: dict[str, Any] = {"stratum": category}
        for key in wanted:
            pairs = answers.get(key) or []
            number, text = pairs[0] if pairs else (None, None)
            if key in likert:
                record[key] = float(number) if number is not None else math.nan
            else:
                record[key] = text if text is not None else None
        records.append(record)
    frame = dimension_scores(pd.DataFrame.from_records(records), dimensions)
    for key in sorted(wanted - likert):
        if key in frame.columns:
            values = frame[key].astype(object)
            for value in values.dropna().unique():
                frame[f"{key}={value}"] = (values == value).astype(float).where(values.notna())
    design = followup_design(frame, {c: n for c, (n, _) in invited.items()})
    result.strata = int(frame["stratum"].nunique())
    result.overall = _item(design, frame, overall, likert)
    result.groups = {
        name: [_item(design, frame, k, likert) for k in keys] for name, keys in groups.items()
    }
    result.dimensions = {name: _item(design, frame, f"dim_{name}", likert) for name in dimensions}
    return result


__all__ = [
    "MIN_CELL",
    "CaseStatistics",
    "Satisfaction",
    "Scope",
    "case_statistics",
    "count_table",
    "satisfaction",
]
