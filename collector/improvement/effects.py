"""Before and after: the linked measure of an action in the wave its finding came from
and in the wave after the action, with the change, its 95% interval and p-value.

Which waves (:func:`after_wave`): *before* is the wave the finding was found in;
*after* is the first wave of the same kind that starts on or after the day the
action took effect (``done_on``), once it has begun; while the action is open, or
when that wave has not begun, the latest wave that has begun (so an open action
shows how things stand now). There is no after while that is the found wave itself.

Survey findings (:func:`compare_survey`): the item's answers (1-5; "not applicable"
and missing answers drop out), agency-wide or at the finding's unit. The two waves
are independent samples: one design with strata wave x unit (each response its own
PSU; a stratum of one response is centred at zero, R's ``survey.lonely.psu =
"adjust"``); each side's top-two-box share has ``top_two_box``'s default interval, its
0-100 score the rescaled design mean; the change is the design-based difference of
the two waves (``analysis.compare.pairwise``, ``svyglm(y ~ wave)``) with its t
interval and p-value. Either side under ``MIN_CELL`` respondents: nothing but
"fewer than 5" is shown.

Complaint findings (:func:`compare_cases`): the category's cases received in each
wave; *many cases* compares their number, *late answers* the on-time share: of the
cases answered (replied to or declined) or already past their due date, those
answered on or before it, with the same difference test on the 0/1 indicator.
Fewer than ``MIN_CELL`` cases on a side: suppressed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analysis.compare import pairwise
from analysis.design import SurveyDesign
from analysis.satisfaction import score_0_100
from analysis.satisfaction import top_two_box
from collector.core.disclosure import MIN_CELL
from collector.results.waves import Wave
from collector.results.waves import period

SCORE_FACTOR = 25.0
"""A 1-5 item's mean difference in 0-100 points: 100 / (5 - 1)."""


@dataclass(frozen=True)
class Side:
    """One wave's figure: ``n`` respondents (or cases), the estimate and its interval;
    the estimate is None when ``n`` is under MIN_CELL (``n`` is then not shown either)."""

    wave: Wave
    n: int
    estimate: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def suppressed(self) -> bool:
        return self.n < MIN_CELL


@dataclass(frozen=True)
class Change:
    """After minus before, with its 95% interval and two-sided p-value (None: counts only)."""

    estimate: float
    low: float | None = None
    high: float | None = None
    p: float | None = None

    @property
    def significant(self) -> bool:
        return self.p is not None and self.p < 0.05


@dataclass(frozen=True)
class BeforeAfter:
    """An action's linked measure before and after: ``measure`` is ``top2`` or ``score``
    (survey), ``on_time`` or ``cases`` (complaints); ``after`` None when no later wave
    has begun."""

    measure: str
    before: Side
    after: Side | None
    change: Change | None

    @property
    def suppressed(self) -> bool:
        return self.before.suppressed or (self.after is not None and self.after.suppressed)


# -- which waves -----------------------------------------------------------------------


def after_wave(
    found: Wave, done_on: date | None, today: date, campaigns: Sequence[Wave] = ()
) -> Wave | None:
    """The wave to compare with ``found`` (module docstring); ``campaigns`` are the
    questionnaire's campaign waves when ``found`` is a campaign."""
    if found.kind == "campaign":
        later = sorted(
            (w for w in campaigns if w.start > found.start and w.start <= today),
            key=lambda w: (w.start, w.key),
        )
        if done_on is not None:
            first = next((w for w in later if w.start >= done_on), None)
            if first is not None:
                return first
        return later[-1] if later else None
    latest = period(found.kind, today)
    if done_on is not None:
        first = period(found.kind, done_on)
        if first.start < done_on:  # took effect within a wave: the next one is the first after
            first = period(found.kind, first.end.fromordinal(first.end.toordinal() + 1))
        if first.start <= today and first.start > found.start:
            return first
    return latest if latest.start > found.start else None


# -- survey measures --------------------------------------------------------------------


def _answers(frame: pd.DataFrame, item: str, wave: int) -> pd.DataFrame:
    if item not in frame:
        frame = frame.iloc[0:0].assign(**{item: pd.Series(dtype=float)})
    values = pd.to_numeric(frame[item], errors="coerce")
    units = frame["unit"] if "unit" in frame else pd.Series([None] * len(frame))
    out = pd.DataFrame(
        {"y": values.to_numpy(dtype=float), "unit": units.astype("string").fillna("-").to_numpy()}
    )
    out = out[out["y"].between(1, 5)]
    out["wave"] = wave
    return out


def _level(design: SurveyDesign, measure: str) -> tuple[float, float, float]:
    estimate = top_two_box(design, "y") if measure == "top2" else score_0_100(design, "y")
    low, high = estimate.ci()
    return float(estimate.estimate), float(low), float(high)


def compare_survey(
    before: pd.DataFrame,
    after: pd.DataFrame | None,
    item: str,
    measure: str,
    before_wave: Wave,
    after_wave: Wave | None,
) -> BeforeAfter:
    """``item``'s ``measure`` (top2, score) in two waves' responses (frames as
    ``collector.results.reading`` lays them out, ``unit`` and the item's column)."""
    rows = [_answers(before, item, 0)]
    if after is not None:
        rows.append(_answers(after, item, 1))
    data = pd.concat(rows, ignore_index=True)
    data["stratum"] = data["wave"].astype(str) + ":" + data["unit"].astype(str)
    data["top"] = (data["y"] >= 4).astype(float)
    counts = [int((data["wave"] == k).sum()) for k in (0, 1)]
    waves_shown = [before_wave, after_wave]
    sides: list[Side | None] = []
    for k, wave in enumerate(waves_shown):
        if wave is None:
            sides.append(None)
        elif counts[k] < MIN_CELL:
            sides.append(Side(wave, counts[k]))
        else:
            design = SurveyDesign(
                data[data["wave"] == k].reset_index(drop=True),
                strata="stratum",
                lonely_psu="adjust",
            )
            sides.append(Side(wave, counts[k], *_level(design, measure)))
    before_side = sides[0]
    assert before_side is not None
    change = None
    if all(s is not None and not s.suppressed for s in sides):
        design = SurveyDesign(data, strata="stratum", lonely_psu="adjust")
        column = "top" if measure == "top2" else "y"
        row = pairwise(design, column, "wave").iloc[0]
        factor = 1.0 if measure == "top2" else SCORE_FACTOR
        change = Change(
            float(row["difference"]) * factor,
            float(row["ci_low"]) * factor,
            float(row["ci_high"]) * factor,
            _p(row["p"]),
        )
    return BeforeAfter(measure, before_side, sides[1], change)


def _p(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


# -- complaint measures ---------------------------------------------------------------


@dataclass(frozen=True)
class CaseDates:
    """One case of the category: received, due, first answered (None: not yet)."""

    received_on: date
    due_on: date
    answered_on: date | None


def _on_time(cases: Sequence[CaseDates], today: date) -> list[float]:
    """1 answered on time, 0 late (answered late, or open past its due date); open
    cases not yet due are left out."""
    out = []
    for case in cases:
        if case.answered_on is not None:
            out.append(1.0 if case.answered_on <= case.due_on else 0.0)
        elif case.due_on < today:
            out.append(0.0)
    return out


def compare_cases(
    before: Sequence[CaseDates],
    after: Sequence[CaseDates] | None,
    reason: str,
    before_wave: Wave,
    after_wave: Wave | None,
    today: date,
) -> BeforeAfter:
    """The category's case count (``many``) or on-time share (``overdue``) in two waves."""
    if reason == "many":
        sides = [
            None if wave is None or cases is None else Side(wave, len(cases), float(len(cases)))
            for wave, cases in ((before_wave, before), (after_wave, after))
        ]
        shown = [s for s in sides if s is not None and not s.suppressed]
        sides = [s if s is None or not s.suppressed else Side(s.wave, s.n) for s in sides]
        change = None
        if len(shown) == 2:
            change = Change(float(shown[1].n - shown[0].n))
        first = sides[0]
        assert first is not None
        return BeforeAfter("cases", first, sides[1], change)
    early = _on_time(before, today)
    late = _on_time(after, today) if after is not None else None
    flags = [early, late]
    result: list[Side | None] = []
    for wave, values in zip((before_wave, after_wave), flags, strict=True):
        if wave is None or values is None:
            result.append(None)
            continue
        if len(values) < MIN_CELL:
            result.append(Side(wave, len(values)))
            continue
        design = SurveyDesign(pd.DataFrame({"y": np.asarray(values)}))
        share = design.ciprop("y")
        low, high = share.ci()
        result.append(Side(wave, len(values), float(share.estimate), float(low), float(high)))
    change = None
    if all(s is not None and not s.suppressed for s in result):
        data = pd.DataFrame(
            {
                "y": np.asarray([*early, *(late or [])]),
                "wave": [0] * len(early) + [1] * len(late or []),
            }
        )
        design = SurveyDesign(data, strata="wave")
        row = pairwise(design, "y", "wave").iloc[0]
        change = Change(
            float(row["difference"]), float(row["ci_low"]), float(row["ci_high"]), _p(row["p"])
        )
    first = result[0]
    assert first is not None
    return BeforeAfter("on_time", first, result[1], change)
