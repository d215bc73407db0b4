"""Weights from population margins, on a data frame: pure (no request, no database).

``weigh`` post-stratifies to one variable or rakes to several (``analysis.weighting``,
R's ``postStratify`` and ``rake``), trims the weights, and reports the chi-square
of the sample's distribution against each margin before and after weighting, the
trimmed count and Kish's design effect. The rules, documented in docs/weighting.md:

- **Shares, one total.** Each margin is used as shares, scaled to the first
  variable's total (entered totals rarely agree to the person; the console warns
  when they differ by more than 2 %).
- **Missing answers.** A respondent who left a weighting question blank, or chose a
  category the margin does not count (``other`` when household registration counts
  men and women only), is kept: for that variable such respondents form one cell
  whose population count is their unweighted share of the total, so weighting
  neither drops them nor moves them, and the answered respondents are brought to the
  margin's shares among the rest.
- **Empty categories.** A margin category no respondent falls in is left out and the
  others' shares renormalised (raking cannot give weight to nobody); a variable
  with fewer than two answered categories is not used.
- **Trimming.** Weights are trimmed to [0.3, 3] times the mean weight (R
  ``trimWeights``, repeated until none is outside; the trimmed amount is spread over
  the others), so no respondent counts for more than three average ones; raking then
  starts again from the trimmed weights, up to 10 rounds, so that the margins are met
  as closely as the bounds allow (post-stratification cannot: its weights are equal
  within a cell).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

import numpy as np
import pandas as pd

from analysis.design import SurveyDesign
from analysis.weighting import GoodnessOfFit
from analysis.weighting import effective_n
from analysis.weighting import kish_deff
from analysis.weighting import poststratify
from analysis.weighting import rake
from analysis.weighting import representativeness_test
from analysis.weighting import trim_weights

MISSING = "\x00missing"
"""The cell of respondents without a counted answer (no category value can equal it)."""
TRIM_LOWER = 0.3
TRIM_UPPER = 3.0
"""Trimming bounds, as multiples of the mean weight."""
MAXIT = 50
TRIM_ROUNDS = 10
EPSILON = 1.0
"""Raking's iterations and stopping rule (R ``rake``: change of the cross-table below 1)."""
POSTSTRATIFICATION = "poststratification"
RAKING = "raking"


@dataclass(frozen=True)
class Fit:
    """One variable's chi-square against its margin: unweighted before, weighted after."""

    variable: str
    before: GoodnessOfFit
    after: GoodnessOfFit


@dataclass(frozen=True)
class Weighting:
    """Weights for a frame's rows and what a reader needs to judge them."""

    weights: pd.Series  # aligned to the frame's index; they sum to the population total
    method: str  # POSTSTRATIFICATION or RAKING
    variables: tuple[str, ...]  # the variables used, in raking order
    margins: dict[str, dict[str, int]]  # the margins used, as entered (categories used)
    fits: dict[str, Fit]
    trimmed: int  # weights outside the bounds after the first calibration, hence trimmed
    bounds: tuple[float, float]  # the trimming bounds applied (absolute weights)
    kish_deff: float
    effective_n: float
    n: int
    unanswered: dict[str, int]  # respondents in each variable's missing cell
    dropped: dict[str, list[str]]  # margin categories no respondent falls in
    converged: bool = True
    sources: dict[str, str] = field(default_factory=dict)
    unit_margins: bool = False  # the unit's own margins rather than the agency's
    design: SurveyDesign | None = None
    """The calibrated (and trimmed) design: ``base`` when one was given, with the
    calibration steps whose residuals its variances use (R ``postStratify``/``rake``)."""


def _cells(values: pd.Series, margin: Mapping[str, int]) -> pd.Series:
    """Each respondent's category, or MISSING when it is blank or not in the margin."""
    as_text = values.map(lambda v: v if isinstance(v, str) and v in margin else MISSING)
    return as_text.astype(object)


def weigh(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    margins: Mapping[str, Mapping[str, int]],
    *,
    lower: float = TRIM_LOWER,
    upper: float = TRIM_UPPER,
    base: SurveyDesign | None = None,
) -> Weighting | None:
    """Weights for ``frame`` from ``margins`` (variable -> category -> count), each
    variable read from ``frame[columns[variable]]``; None when nothing can be weighted
    (no rows, or no variable with two answered categories).

    ``base``: the design the responses were collected under (strata, finite-population
    correction), one row per row of ``frame`` in the same order; calibration starts from
    its weights and the returned ``design`` is it calibrated, so that variances account
    for the strata and the calibration as R's ``postStratify``/``rake`` on the
    ``svydesign`` do. Without it, an unstratified design of the rows is calibrated."""
    if frame.empty:
        return None
    if base is not None and (base.n != len(frame) or base.is_domain or base.is_calibrated):
        raise ValueError("base must be the full, uncalibrated design of frame's rows")
    data = pd.DataFrame(index=frame.index)
    used: dict[str, dict[str, int]] = {}
    dropped: dict[str, list[str]] = {}
    unanswered: dict[str, int] = {}
    for variable, margin in margins.items():
        column = columns.get(variable)
        if column is None or column not in frame.columns:
            continue
        positive = {k: int(v) for k, v in margin.items() if v and v > 0}
        cells = _cells(frame[column], positive)
        present = {k: v for k, v in positive.items() if (cells == k).any()}
        if len(present) < 2:
            continue
        data[variable] = _cells(frame[column], present)
        used[variable] = present
        dropped[variable] = [k for k in positive if k not in present]
        unanswered[variable] = int((data[variable] == MISSING).sum())
    if not used:
        return None
    n = len(data)
    total = float(sum(next(iter(used.values())).values()))
    targets: dict[str, dict[str, float]] = {}
    for variable, margin in used.items():
        missing_share = unanswered[variable] / n
        counted = float(sum(margin.values()))
        target = {k: total * (1 - missing_share) * v / counted for k, v in margin.items()}
        if unanswered[variable]:
            target[MISSING] = total * missing_share
        targets[variable] = target
    if base is None:
        design = SurveyDesign(data)
    else:
        columns_of_cells = {_cell_column(v): data[v].to_numpy() for v in used}
        design = base.assign(**columns_of_cells)
        targets = {_cell_column(v): t for v, t in targets.items()}
    mean = total / n
    bounds = (lower * mean, upper * mean)
    converged = True
    if len(used) == 1:
        variable = next(iter(targets))
        weighted = poststratify(design, variable, targets[variable])
        method = POSTSTRATIFICATION
        trimmed = _outside(weighted, bounds)
        final = trim_weights(weighted, upper=bounds[1], lower=bounds[0], strict=True)
    else:
        method = RAKING
        final, trimmed, converged = _rake_within(design, targets, bounds)
    named = {v: (v if base is None else _cell_column(v)) for v in used}
    fits = {v: _fit(final, named[v], used[v]) for v in used}
    w = final.row_weights
    return Weighting(
        weights=pd.Series(w, index=frame.index, name="weight"),
        method=method,
        variables=tuple(used),
        margins=used,
        fits=fits,
        trimmed=trimmed,
        bounds=bounds,
        kish_deff=kish_deff(w),
        effective_n=effective_n(w),
        n=n,
        unanswered=unanswered,
        dropped=dropped,
        converged=converged,
        design=final,
    )


def _cell_column(variable: str) -> str:
    """The weighting cell's column in a base design (apart from the questions' keys)."""
    return f"_weighting_{variable}"


def _outside(design: SurveyDesign, bounds: tuple[float, float]) -> int:
    w = design.row_weights
    return int(((w < bounds[0] * (1 - 1e-9)) | (w > bounds[1] * (1 + 1e-9))).sum())


def _rake_within(
    design: SurveyDesign, targets: Mapping[str, Mapping[str, float]], bounds: tuple[float, float]
) -> tuple[SurveyDesign, int, bool]:
    """Rake, trim, and rake again from the trimmed weights until raking keeps every
    weight within ``bounds`` (at most :data:`TRIM_ROUNDS` times; then the last raking
    is trimmed): the margins are met where the bounds allow it. Returns the design, the
    weights outside the bounds after the first raking, and whether raking converged."""
    converged = True
    current = design
    first = 0
    for round_ in range(TRIM_ROUNDS):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            weighted = rake(current, targets, maxit=MAXIT, epsilon=EPSILON)
        converged = not any("did not converge" in str(w.message) for w in caught)
        outside = _outside(weighted, bounds)
        if round_ == 0:
            first = outside
        if outside == 0:
            return weighted, first, converged
        current = trim_weights(weighted, upper=bounds[1], lower=bounds[0], strict=True)
    return current, first, converged


def _fit(design: SurveyDesign, variable: str, margin: Mapping[str, int]) -> Fit:
    """Chi-square of the answered respondents' categories against the margin's shares,
    the weights scaled to the sample size so that before and after are comparable (the
    design-based statistic is on the scale of the weights' total; its p-value is not)."""
    w = design.row_weights
    design = design.with_weights(w * len(w) / w.sum())
    answered = design.data[variable] != MISSING
    column = design.data[variable].where(answered, np.nan)
    checked = design.assign(**{f"_fit_{variable}": column}).subset(answered.to_numpy())
    test = representativeness_test(checked, f"_fit_{variable}", dict(margin))
    return Fit(variable, test["before"], test["after"])
