"""Satisfaction measures from Likert items, with design-based precision.

Headline satisfaction is the top-two-box share (4 or 5 on a 1-5 scale) with an interval from
R's ``svyciprop`` (:data:`analysis.ciprop.SATISFACTION_METHOD`, logit, Lumley 2010 §2.4.1),
whose α goes all to one side where the other cannot miss (``boundary="one-sided"``: at a
share of 0 or 1 the one-sided Korn-Graubard bound); the 0-100 score is the linear
transform (mean - low)/(high - low)·100 of the design mean, so its SE scales by the same
factor. Every interval here uses Student's t on the design's degrees of freedom by default
(``interval="t"``); ``interval="normal"`` gives R's ``confint(svymean(...))``, whose normal
quantile covers less than 95% when the design has few PSUs. Importance-performance analysis follows Martilla & James (1977) with importance
derived from each item's relation to overall satisfaction (design-weighted correlation, or
the design-based regression coefficient), quadrants split at the means.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.ciprop import BOUNDARY_RULES
from analysis.ciprop import SATISFACTION_BOUNDARY
from analysis.ciprop import SATISFACTION_METHOD
from analysis.ciprop import one_sided_where_bounded
from analysis.design import SurveyDesign
from analysis.estimate import Estimate
from analysis.estimate import Estimates

__all__ = [
    "QUADRANTS",
    "derived_importance",
    "importance_performance",
    "item_means",
    "quadrants",
    "score_0_100",
    "top_two_box",
]


INTERVALS = ("t", "normal")


def _check_scale(scale: tuple[int, int]) -> None:
    if len(scale) != 2 or not scale[0] < scale[1]:
        raise ValueError(f"scale must be (low, high) with low < high, got {scale!r}")


def _check_values(design: SurveyDesign, col: str, scale: tuple[int, int]) -> None:
    """Answers outside the scale (a 0-10 item read as 1-5, a code 9 for "don't know")."""
    y = design.column(col)
    out = design.domain_mask() & ~np.isnan(y) & ((y < scale[0]) | (y > scale[1]))
    if out.any():
        bad = sorted({float(v) for v in y[out]})[:5]
        raise ValueError(
            f"column {col!r} has {int(out.sum())} values outside the scale {scale} "
            f"(e.g. {bad}); recode them (set don't-know codes missing) or pass the right scale"
        )


def _interval(est: Estimate, interval: str) -> Estimate:
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}")
    return est.with_design_df() if interval == "t" else est


def top_two_box(
    design: SurveyDesign,
    col: str,
    scale: tuple[int, int] = (1, 5),
    boxes: int = 2,
    method: str = SATISFACTION_METHOD,
    na_rm: bool = True,
    boundary: str = SATISFACTION_BOUNDARY,
) -> Estimate:
    """Share answering in the top ``boxes`` categories, with a ``svyciprop`` interval.

    Missing answers (don't know, refused) drop out as a domain by default. The interval
    uses t on the design df (as R's ``svyciprop``) and stays honest at a share of 0 or 1.
    ``boundary="one-sided"`` (default) spends all of α on an end whose other side cannot
    miss (:func:`analysis.ciprop.one_sided_where_bounded`): at a share of 1 the one-sided
    Korn-Graubard bound, so that a small unit's 95% interval covers about 95%, not 97.5%;
    ``"equal-tailed"`` gives R's ``svyciprop`` interval (with the equal-tailed boundary).
    """
    if boundary not in BOUNDARY_RULES:
        raise ValueError(f"boundary must be one of {BOUNDARY_RULES}, got {boundary!r}")
    _check_scale(scale)
    _check_values(design, col, scale)
    y = design.column(col)
    ind = np.where(np.isnan(y), np.nan, (y >= scale[1] - boxes + 1).astype(float))
    name = f"{col}_top{boxes}"
    d = design.assign(**{name: ind})
    est = d.ciprop(name, method=method, na_rm=na_rm)
    if boundary == "equal-tailed":
        return est
    rows = d.usable(ind, name, na_rm)
    return one_sided_where_bounded(est, int((rows & (d.row_weights != 0)).sum()))


def score_0_100(
    design: SurveyDesign,
    col: str,
    scale: tuple[int, int] = (1, 5),
    na_rm: bool = True,
    interval: str = "t",
) -> Estimate:
    """Mean rescaled to 0-100: (mean - low)/(high - low)·100, SE and CI rescaled likewise.

    A value outside ``scale`` raises (it would push the score past 100 or below 0).
    """
    _check_scale(scale)
    _check_values(design, col, scale)
    m = design.mean(col, na_rm=na_rm)
    f = 100.0 / (scale[1] - scale[0])
    return _interval(
        Estimate(
            estimate=(m.estimate - scale[0]) * f,
            se=m.se * f,
            df=m.df,
            deff=m.deff,
            name=f"{col}_score",
            statistic="score_0_100",
        ),
        interval,
    )


def item_means(
    design: SurveyDesign, cols: Sequence[str], na_rm: bool = True, interval: str = "t"
) -> Estimates:
    """Design means of several items (each with its own missing-value domain)."""
    if not cols:
        raise ValueError("cols must name at least one item")
    items: dict[object, Estimate] = {
        c: _interval(design.mean(c, na_rm=na_rm), interval) for c in cols
    }
    v = np.diag([e.se**2 for e in items.values()])
    return Estimates(items, pd.DataFrame(v, index=list(cols), columns=list(cols)))


def _weighted_corr(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    if x.size < 2 or not w.sum() > 0:  # nobody answered both: no relation to measure
        return math.nan
    mx = np.average(x, weights=w)
    my = np.average(y, weights=w)
    cov = np.average((x - mx) * (y - my), weights=w)
    vx = np.average((x - mx) ** 2, weights=w)
    vy = np.average((y - my) ** 2, weights=w)
    return float(cov / math.sqrt(vx * vy)) if vx > 0 and vy > 0 else math.nan


QUADRANTS = ("concentrate here", "keep up the good work", "low priority", "possible overkill")
"""Martilla & James's four quadrants: high importance and low performance first (where
to concentrate), then high/high, low/low and low importance with high performance."""

IMPORTANCE_METHODS = ("correlation", "standardized", "regression")


def derived_importance(
    design: SurveyDesign, items: Sequence[str], overall: str, method: str = "correlation"
) -> pd.DataFrame:
    """Each item's importance derived from its relation to ``overall`` (index: the items;
    columns ``importance``, ``importance_se``, ``n``).

    ``"correlation"``: the design-weighted Pearson correlation of the item with
    ``overall`` over the respondents who answered both (no SE). Robust when items are
    collinear, as satisfaction items nearly always are, so it is what the results page
    uses. ``"regression"``: the coefficients of a design-based multiple regression
    (``svyglm``) of ``overall`` on all items, with their design SEs, over the complete
    cases. ``"standardized"``: the same coefficients times sd(item)/sd(overall)
    (weighted, complete cases), so items on different spreads compare; SEs scaled alike.
    An item without variance gets NaN.
    """
    if method not in IMPORTANCE_METHODS:
        raise ValueError(f"method must be one of {IMPORTANCE_METHODS}, got {method!r}")
    if len(items) < 2:
        raise ValueError("importance needs at least two items")
    w = design.weights.to_numpy()
    yo = design.column(overall)
    rows = []
    if method == "correlation":
        for c in items:
            x = design.column(c)
            ok = ~np.isnan(x) & ~np.isnan(yo) & (w > 0)
            rows.append((c, _weighted_corr(x[ok], yo[ok], w[ok]), math.nan, int(ok.sum())))
    else:
        safe = {c: f"_item{i}" for i, c in enumerate(items)}
        d = design.assign(
            **{v: design.data[k] for k, v in safe.items()}, _overall=design.data[overall]
        )
        res = d.glm("_overall ~ " + " + ".join(safe.values()))
        complete = ~np.isnan(yo) & (w > 0)
        for c in items:
            complete &= ~np.isnan(design.column(c))
        scale = {c: 1.0 for c in items}
        if method == "standardized":
            sd_y = _weighted_sd(yo[complete], w[complete])
            for c in items:
                sd_x = _weighted_sd(design.column(c)[complete], w[complete])
                scale[c] = sd_x / sd_y if sd_y > 0 else math.nan
        for c in items:
            b, se = float(res.params[safe[c]]), float(res.bse[safe[c]])
            rows.append((c, b * scale[c], se * abs(scale[c]), int(complete.sum())))
    out = pd.DataFrame(rows, columns=["item", "importance", "importance_se", "n"])
    return out.set_index("item")


def _weighted_sd(x: np.ndarray, w: np.ndarray) -> float:
    if not len(x):
        return math.nan
    m = np.average(x, weights=w)
    return math.sqrt(float(np.average((x - m) ** 2, weights=w)))


def quadrants(importance: pd.Series, performance: pd.Series) -> pd.Series:
    """Each item's quadrant, split at the mean importance and the mean performance
    (an item on a split counts as high); items with a NaN importance or performance
    are left out of the means and get no quadrant (NaN)."""
    frame = pd.DataFrame({"i": importance, "p": performance})
    known = frame.dropna()
    if known.empty:
        return pd.Series(np.nan, index=frame.index, dtype=object)
    hi_i = known["i"] >= known["i"].mean()
    hi_p = known["p"] >= known["p"].mean()
    labels = np.select(
        [hi_i & ~hi_p, hi_i & hi_p, ~hi_i & ~hi_p], list(QUADRANTS[:3]), QUADRANTS[3]
    )
    return pd.Series(labels, index=known.index, dtype=object).reindex(frame.index)


def importance_performance(
    design: SurveyDesign, items: Sequence[str], overall: str, method: str = "correlation"
) -> pd.DataFrame:
    """Importance-performance grid: performance = item mean, importance derived from overall.

    Importance as :func:`derived_importance` computes it (``method``: ``"correlation"``,
    ``"regression"`` or ``"standardized"``); quadrants as :func:`quadrants` gives them
    (split at the mean importance and mean performance): 'concentrate here', 'keep up the
    good work', 'low priority', 'possible overkill'.
    """
    out = derived_importance(design, items, overall, method).drop(columns="n")
    perf = {c: design.mean(c, na_rm=True) for c in items}
    out["performance"] = [perf[c].estimate for c in items]
    out["performance_se"] = [perf[c].se for c in items]
    out["quadrant"] = quadrants(out["importance"], out["performance"])
    return out
