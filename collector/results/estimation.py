"""The design a wave's responses were collected under, and the estimates the pages show.

Every results section estimates through here, so the page, its tests and an analyst
in a notebook get the same numbers from the same rows:

- strata are the service units (a response at no unit, e.g. the agency's website,
  forms its own stratum), each response its own sampling unit;
- the finite-population correction applies where the campaign recorded every
  stratum's population (``CampaignUnit.population``); else none;
- weights: where the page passes a ``weigher`` (``collector.results.weights``: the
  agency's population margins for the wave's year), the design is post-stratified
  (one variable) or raked (several) to them and trimmed (``collector.margins.raking``
  on ``analysis.weighting``), starting from the stratified design, so variances use
  the calibration residuals as R's ``postStratify``/``rake`` on the ``svydesign`` do;
  without margins the estimates are unweighted;
- 95 % intervals use Student's t on the design degrees of freedom (the share's
  interval is R's ``svyciprop`` logit interval on them, one-sided near a share of 0 or 1 as
  ``top_two_box`` gives it by default).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.composite import average_of_means
from analysis.design import SurveyDesign
from analysis.estimate import Estimate
from analysis.satisfaction import score_0_100
from analysis.satisfaction import top_two_box
from analysis.trend import wave_change
from analysis.weighting import effective_n
from analysis.weighting import kish_deff
from collector.core.disclosure import too_small
from collector.margins.raking import Weighting

STRATUM = "agency_unit"
POPULATION = "_population"
LEVEL = 0.95


Weigher = Callable[[pd.DataFrame, SurveyDesign], Weighting | None]
"""Calibrates a frame's stratified design to population margins, or None (unweighted)."""


def weighting_for(
    frame: pd.DataFrame, base: SurveyDesign, weigher: Weigher | None
) -> Weighting | None:
    """The population weighting of ``frame``, or None: unweighted.

    The seam where ``collector.margins.service.weighting_for`` plugs in (through the
    page's ``weigher``): its ``design`` is ``base`` calibrated and trimmed, which
    :func:`design_for` then estimates from, and the design statement names it.
    """
    if weigher is None:
        return None
    weighting = weigher(frame, base)
    return weighting if weighting is not None and weighting.design is not None else None


@dataclass(frozen=True)
class Design:
    """A wave's design: the estimator, and what the design statement reports."""

    survey: SurveyDesign
    strata: int
    fpc: bool
    weighting: Weighting | None

    @property
    def n(self) -> int:
        return int(self.survey.n)

    @property
    def kish_deff(self) -> float:
        return kish_deff(self.survey.weights.to_numpy())

    @property
    def effective_n(self) -> float:
        return effective_n(self.survey.weights.to_numpy())


def numeric(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The stratum and ``columns`` as numbers ("not applicable" and the like become missing)."""
    data = pd.DataFrame({STRATUM: frame[STRATUM].astype(str).to_numpy()}, index=frame.index)
    for column in columns:
        data[column] = (
            pd.to_numeric(frame[column], errors="coerce") if column in frame else math.nan
        )
    return data


def design_for(
    frame: pd.DataFrame,
    columns: Sequence[str],
    populations: Mapping[str, int] | None = None,
    weigher: Weigher | None = None,
) -> Design | None:
    """The stratified design of ``frame`` for ``columns``, calibrated by ``weigher`` when
    it gives weights; None under two responses (no variance can be estimated; fewer than
    ``MIN_CELL`` are never shown anyway)."""
    if len(frame) < 2:
        return None
    data = numeric(frame, columns)
    sizes = data[STRATUM].value_counts()
    populations = populations or {}
    fpc = all(populations.get(str(s), 0) >= n for s, n in sizes.items())
    if fpc:
        data[POPULATION] = data[STRATUM].map(populations).astype(float)
    survey = SurveyDesign(
        data, strata=STRATUM, fpc=POPULATION if fpc else None, lonely_psu="adjust"
    )
    weighting = weighting_for(frame, survey, weigher)
    if weighting is not None:
        assert weighting.design is not None  # weighting_for
        survey = weighting.design
    return Design(survey, len(sizes), fpc, weighting)


def answered(design: SurveyDesign, column: str) -> int:
    """Respondents in the design's domain who answered ``column``."""
    values = design.column(column)
    return int((design.domain_mask() & ~pd.isna(values)).sum())


@dataclass(frozen=True)
class Satisfaction:
    """One item's top-two-box share and 0-100 score, over ``n`` respondents."""

    n: int
    share: Estimate
    score: Estimate


def satisfaction(design: SurveyDesign, column: str) -> Satisfaction | None:
    """The item's share and score; None below ``MIN_CELL`` respondents."""
    n = answered(design, column)
    if too_small(n):
        return None
    return Satisfaction(n, top_two_box(design, column), score_0_100(design, column))


def composite(design: SurveyDesign, columns: Sequence[str]) -> Satisfaction | None:
    """A dimension: the average of its items' shares and of their 0-100 scores.

    The average of the items' own estimates always lies between the lowest and the
    highest item, which a mean of each respondent's answers does not when people skip
    different items. ``n`` is the number who answered at least one item.
    """
    present = [c for c in columns if answered(design, c) > 0]
    if not present:
        return None
    data = design.data
    n = int((design.domain_mask() & data[present].notna().any(axis=1).to_numpy()).sum())
    if too_small(n):
        return None
    boxes = {f"_top_{c}": (data[c] >= 4).astype(float).where(data[c].notna()) for c in present}
    with_boxes = design.assign(**boxes)
    share = average_of_means(with_boxes, list(boxes))
    score = average_of_means(design, present, scale=25.0, shift=1.0)
    return Satisfaction(n, share, score)


def interval(estimate: Estimate) -> tuple[float, float]:
    """The 95 % interval: the share's own (logit, t on design df), else t on design df."""
    if estimate.statistic.startswith("ciprop"):
        return estimate.ci(LEVEL)
    return estimate.ci(LEVEL, df=estimate.df if estimate.df > 0 else math.inf)


@dataclass(frozen=True)
class Change:
    """Current minus previous wave (independent samples), its interval and p-value."""

    estimate: Estimate
    low: float
    high: float
    p: float


def change(current: Estimate, previous: Estimate) -> Change:
    diff = wave_change(current, previous)
    df = diff.df if diff.df > 0 else math.inf
    low, high = diff.ci(LEVEL, df=df)
    _t, p = diff.t_test(df=df)
    return Change(diff, low, high, p)


def as_numbers(estimate: Estimate) -> dict[str, Any]:
    low, high = interval(estimate)
    return {"estimate": estimate.estimate, "low": low, "high": high, "se": estimate.se}
