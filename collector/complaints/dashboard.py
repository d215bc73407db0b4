"""The complaint dashboard's figures, per group (unit or agency) and month.

The computations (:func:`case_metrics`, :func:`satisfaction`, :func:`suppress`)
are pure functions over plain rows, so they can be checked by hand; the loaders
(:func:`load_case_rows`, :func:`load_feedback_rows`) read those rows through
``collector.access.scoped``. Definitions (docs/complaints-followup.md):

* volume: cases received in the month (``received_on``);
* on-time share: of the cases first answered (replied to or declined) in the
  month, those answered on or before their due date;
* days to close: calendar days from receipt to the first closing (closed or
  declined) for cases first closed in the month; median and 90th percentile by
  R's ``qrule_math`` (the smallest value whose share of cases reaches p);
* reopen rate: of the cases first closed in the month, those reopened since;
* handling satisfaction, by the month the case closed, per source: the phone
  sample (design-based: strata of the draw, weights N_h / r_h, fpc N_h) and the
  online link (self-selected, unweighted); top-two-box share of the overall
  item with its interval, item means and the process and outcome dimension
  means. A satisfaction cell, and each item within it, needs at least
  :data:`MIN_CELL` respondents.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from analysis.design import SurveyDesign
from analysis.quantile import qrule_math
from analysis.satisfaction import item_means
from analysis.satisfaction import top_two_box
from collector.access.scoped import scoped
from collector.complaints.followups import answered_followups
from collector.complaints.followups import inclusions
from collector.complaints.followups import stored_answers
from collector.core import clock
from collector.core.disclosure import MIN_CELL
from collector.core.hooktypes import Actor
from collector.core.models import Complaint
from collector.core.models import ComplaintEvent

ANSWERED = ("reply", "decline")
CLOSED = ("close", "decline")
Month = str  # "YYYY-MM"


def month_of(day: date) -> Month:
    return f"{day:%Y-%m}"


# -- case figures ------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    case_id: int
    agency_id: int
    unit_id: int | None
    received_on: date
    due_on: date
    answered_on: date | None  # first reply or decline
    closed_on: date | None  # first close or decline
    reopened: bool


@dataclass
class CaseCell:
    received: int | None = 0
    answered: int | None = 0
    on_time: int | None = 0
    closed: int | None = 0
    reopened: int | None = 0
    days: list[int] = field(default_factory=list, repr=False)
    on_time_share: float | None = None
    median_days: float | None = None
    p90_days: float | None = None
    reopen_rate: float | None = None


def quantile(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    x = np.asarray(values, dtype=float)
    return qrule_math(x, np.ones_like(x), p)


def case_metrics(
    rows: Iterable[CaseRow], group: Callable[[CaseRow], Hashable]
) -> dict[tuple[Hashable, Month], CaseCell]:
    """Per (group, month): volume, on-time share, days to close, reopen rate."""
    cells: dict[tuple[Hashable, Month], CaseCell] = defaultdict(CaseCell)
    for row in rows:
        key = group(row)
        cells[(key, month_of(row.received_on))].received += 1  # type: ignore[operator]  # counting here: None only after suppress()
        if row.answered_on is not None:
            cell = cells[(key, month_of(row.answered_on))]
            cell.answered += 1  # type: ignore[operator]  # counting here: None only after suppress()
            if row.answered_on <= row.due_on:
                cell.on_time += 1  # type: ignore[operator]  # counting here: None only after suppress()
        if row.closed_on is not None:
            cell = cells[(key, month_of(row.closed_on))]
            cell.closed += 1  # type: ignore[operator]  # counting here: None only after suppress()
            cell.days.append((row.closed_on - row.received_on).days)
            if row.reopened:
                cell.reopened += 1  # type: ignore[operator]  # counting here: None only after suppress()
    for cell in cells.values():
        cell.on_time_share = cell.on_time / cell.answered if cell.answered else None  # type: ignore[operator]  # counting here: None only after suppress()
        cell.median_days = quantile(cell.days, 0.5)
        cell.p90_days = quantile(cell.days, 0.9)
        cell.reopen_rate = cell.reopened / cell.closed if cell.closed else None  # type: ignore[operator]  # counting here: None only after suppress()
    return dict(sorted(cells.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])))


def suppress(cell: CaseCell) -> CaseCell:
    """For aggregate readers: counts under MIN_CELL hidden (None), and every figure
    whose base is under MIN_CELL with them."""
    small = {
        name: (getattr(cell, name) or 0) < MIN_CELL for name in ("received", "answered", "closed")
    }
    return replace(
        cell,
        received=None if small["received"] else cell.received,
        answered=None if small["answered"] else cell.answered,
        on_time=None if small["answered"] or (cell.on_time or 0) < MIN_CELL else cell.on_time,
        closed=None if small["closed"] else cell.closed,
        reopened=None if small["closed"] or (cell.reopened or 0) < MIN_CELL else cell.reopened,
        days=[],
        on_time_share=None if small["answered"] else cell.on_time_share,
        median_days=None if small["closed"] else cell.median_days,
        p90_days=None if small["closed"] else cell.p90_days,
        reopen_rate=None if small["closed"] else cell.reopen_rate,
    )


# -- satisfaction ------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackRow:
    """One follow-up answer: its case's group and closing month, its source, and
    for the phone sample its stratum with N (cases in the frame) and n (drawn)."""

    agency_id: int
    unit_id: int | None
    month: Month
    channel: str  # online | phone
    answers: dict[str, float]
    stratum: str | None = None
    population: int | None = None
    drawn: int | None = None


@dataclass
class Figure:
    n: int | None  # respondents with an answer (None: fewer than MIN_CELL)
    estimate: float | None = None
    ci: tuple[float, float] | None = None


@dataclass
class SatisfactionCell:
    respondents: int | None  # None: fewer than MIN_CELL, everything hidden
    top2: Figure | None = None
    items: dict[str, Figure] = field(default_factory=dict)
    dimensions: dict[str, Figure] = field(default_factory=dict)


@dataclass(frozen=True)
class Items:
    overall: str
    dimensions: dict[str, list[str]]  # e.g. process: [...], outcome: [...] (5-point items)

    @property
    def all(self) -> list[str]:
        seen: list[str] = []
        for keys in self.dimensions.values():
            seen.extend(k for k in keys if k not in seen)
        if self.overall not in seen:
            seen.append(self.overall)
        return seen


def feedback_frame(rows: Sequence[FeedbackRow], items: Items) -> pd.DataFrame:
    """One row per answer; phone rows weighted N_h / r_h (r_h: respondents of the
    stratum), online rows weight 1 in a stratum of their own."""
    records = []
    for row in rows:
        record: dict[str, Any] = {
            "group_agency": row.agency_id,
            "group_unit": -1 if row.unit_id is None else row.unit_id,
            "month": row.month,
            "channel": row.channel,
            "stratum": row.stratum if row.channel == "phone" else "online",
            "N": float(row.population or 0),
        }
        for key in items.all:
            value = row.answers.get(key)
            record[key] = float(value) if value is not None else math.nan
        for name, keys in items.dimensions.items():
            values = [row.answers[k] for k in keys if row.answers.get(k) is not None]
            record[f"dim_{name}"] = float(np.mean(values)) if values else math.nan
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return frame
    respondents = frame.groupby("stratum")["stratum"].transform("size").astype(float)
    phone = frame["channel"] == "phone"
    frame["w"] = np.where(phone, frame["N"] / respondents, 1.0)
    frame.loc[~phone, "N"] = np.nan
    return frame


def _figure(estimate: Any, n: int) -> Figure:
    if n < MIN_CELL:
        return Figure(n=None)
    low, high = estimate.ci()
    return Figure(n=n, estimate=float(estimate.estimate), ci=(float(low), float(high)))


def _cell(
    design: SurveyDesign, mask: np.ndarray, frame: pd.DataFrame, items: Items
) -> SatisfactionCell:
    domain = frame[mask]
    respondents = len(domain)
    if respondents < MIN_CELL:
        return SatisfactionCell(respondents=None)
    sub = design.subset(mask) if design is not None else None
    cell = SatisfactionCell(respondents=respondents)
    n_overall = int(domain[items.overall].notna().sum())
    if n_overall >= MIN_CELL and sub is not None:
        cell.top2 = _figure(top_two_box(sub, items.overall), n_overall)
    else:
        cell.top2 = Figure(n=None)
    for key in items.all:
        n = int(domain[key].notna().sum())
        cell.items[key] = (
            _figure(item_means(sub, [key])[key], n)
            if n >= MIN_CELL and sub is not None
            else Figure(n=None)
        )
    for name in items.dimensions:
        column = f"dim_{name}"
        n = int(domain[column].notna().sum())
        cell.dimensions[name] = (
            _figure(sub.mean(column, na_rm=True).with_design_df(), n)
            if n >= MIN_CELL and sub is not None
            else Figure(n=None)
        )
    return cell


def _design(frame: pd.DataFrame, channel: str) -> tuple[SurveyDesign | None, pd.DataFrame]:
    part = frame[frame["channel"] == channel].reset_index(drop=True)
    if len(part) < 2:
        return None, part
    if channel == "phone":
        design = SurveyDesign(part, strata="stratum", weights="w", fpc="N", lonely_psu="adjust")
    else:
        design = SurveyDesign(part, weights="w")
    return design, part


def satisfaction(
    rows: Sequence[FeedbackRow], items: Items, group: str = "unit"
) -> dict[tuple[int, Month, str], SatisfactionCell]:
    """Per (group id, month, source): the satisfaction cell (``group`` "unit" or
    "agency"; a unit of -1 stands for cases without a unit)."""
    frame = feedback_frame(rows, items)
    out: dict[tuple[int, Month, str], SatisfactionCell] = {}
    if frame.empty:
        return out
    column = "group_unit" if group == "unit" else "group_agency"
    for channel in ("phone", "online"):
        design, part = _design(frame, channel)
        if part.empty:
            continue
        for (key, month), _rows in part.groupby([column, "month"]):
            mask = ((part[column] == key) & (part["month"] == month)).to_numpy()
            out[(int(key), str(month), channel)] = (  # type: ignore[call-overload]  # a group id: the column holds integers
                _cell(design, mask, part, items)
                if design is not None
                else SatisfactionCell(respondents=None)
            )
    return dict(sorted(out.items()))


# -- loading rows ------------------------------------------------------------------


def load_case_rows(
    session: Session,
    action: str,
    start: date,
    end: date,
    agency_ids: Sequence[int] | None = None,
    actor: Actor | None = None,
) -> list[CaseRow]:
    """Cases received up to ``end`` whose receipt, answer or closing may fall in
    ``start``..``end`` (received within 400 days before ``start``), as the actor
    may see them for ``action``. Destroyed cases count (their dates are kept)."""

    earliest = date.fromordinal(start.toordinal() - 400)
    statement = select(
        col(Complaint.id),
        col(Complaint.agency_id),
        col(Complaint.unit_id),
        col(Complaint.received_on),
        col(Complaint.due_on),
    ).where(col(Complaint.received_on) >= earliest, col(Complaint.received_on) <= end)
    if agency_ids is not None:
        statement = statement.where(col(Complaint.agency_id).in_(list(agency_ids)))
    cases = session.execute(scoped(statement, action, actor)).all()
    events = session.execute(
        scoped(
            select(
                col(ComplaintEvent.complaint_id), col(ComplaintEvent.kind), col(ComplaintEvent.at)
            )
            .where(
                col(ComplaintEvent.kind).in_((*ANSWERED, *CLOSED, "reopen")),
                col(ComplaintEvent.at) >= pd.Timestamp(earliest).tz_localize("UTC").to_pydatetime(),
            )
            .order_by(col(ComplaintEvent.id)),
            action,
            actor,
        )
    ).all()
    answered: dict[int, date] = {}
    closed: dict[int, date] = {}
    reopened: set[int] = set()
    for case_id, kind, at in events:
        day = clock.local_date(at)
        if kind in ANSWERED:
            answered.setdefault(case_id, day)
        if kind in CLOSED:
            closed.setdefault(case_id, day)
        if kind == "reopen":
            reopened.add(case_id)
    return [
        CaseRow(
            case_id=case_id,
            agency_id=agency_id,
            unit_id=unit_id,
            received_on=received_on,
            due_on=due_on,
            answered_on=answered.get(case_id),
            closed_on=closed.get(case_id),
            reopened=case_id in reopened,
        )
        for case_id, agency_id, unit_id, received_on, due_on in cases
    ]


def load_feedback_rows(
    session: Session,
    action: str,
    case_rows: Sequence[CaseRow],
    items: Items,
    actor: Actor | None = None,
) -> list[FeedbackRow]:
    """The follow-up answers of ``case_rows``' cases, with the phone sample's strata."""
    by_case = {r.case_id: r for r in case_rows if r.closed_on is not None}
    if not by_case:
        return []
    followups = [f for f in answered_followups(session, action, actor) if f[0] in by_case]
    if not followups:
        return []
    response_ids = [f[2] for f in followups]
    answers: dict[int, dict[str, float]] = defaultdict(dict)
    wanted = set(items.all)
    for response_id, stored in stored_answers(session, response_ids, action, actor).items():
        for key in wanted.intersection(stored):
            number = stored[key][0][0] if stored[key] else None
            if number is not None:
                answers[response_id][key] = float(number)
    phone_cases = [f[0] for f in followups if f[1] == "phone"]
    sampled = inclusions(session, phone_cases, action, actor) if phone_cases else {}
    rows = []
    for case_id, channel, response_id in followups:
        case = by_case[case_id]
        assert case.closed_on is not None  # by_case holds closed cases only
        inclusion = sampled.get(case_id)
        if channel == "phone" and inclusion is None:
            continue  # keyed in without a recorded draw: no inclusion probability
        rows.append(
            FeedbackRow(
                agency_id=case.agency_id,
                unit_id=case.unit_id,
                month=month_of(case.closed_on),
                channel=channel,
                answers=answers.get(response_id, {}),
                stratum=inclusion.stratum if inclusion else None,
                population=inclusion.population if inclusion else None,
                drawn=inclusion.drawn if inclusion else None,
            )
        )
    return rows
