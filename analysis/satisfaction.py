"""Satisfaction measures from Likert items, with design-based precision.

Headline satisfaction is the top-two-box share (4 or 5 on a 1-5 scale) with an interval from
R's ``svyciprop`` (:data:`analysis.ciprop.SATISFACTION_METHOD`, logit, Lumley 2010 §2.4.1;
at a share of 0 or 1 the Korn-Graubard boundary interval); the 0-100 score is the linear
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

from analysis.ciprop import SATISFACTION_METHOD
from analysis.design import SurveyDesign
from analysis.estimate import Estimate
from analysis.estimate import Estimates

__all__ = ["importance_performance", "item_means", "score_0_100", "top_two_box"]


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
) -> Estimate:
    """Share answering in the top ``boxes`` categories, with a ``svyciprop`` interval.

    Missing answers (don't know, refused) drop out as a domain by default. The interval
    uses t on the design df (as R's ``svyciprop``) and stays honest at a share of 0 or 1.
    """
    _check_scale(scale)
    _check_values(design, col, scale)
    y = design.column(col)
    ind = np.where(np.isnan(y), np.nan, (y >= scale[1] - boxes + 1).astype(float))
    name = f"{col}_top{boxes}"
    est = design.assign(**{name: ind}).ciprop(name, method=method, na_rm=na_rm)
    return est


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
    mx = np.average(x, weights=w)
    my = np.average(y, weights=w)
    cov = np.average((x - mx) * (y - my), weights=w)
    vx = np.average((x - mx) ** 2, weights=w)
    vy = np.average((y - my) ** 2, weights=w)
    return float(cov / math.sqrt(vx * vy)) if vx > 0 and vy > 0 else math.nan


def importance_performance(
    design: SurveyDesign, items: Sequence[str], overall: str, method: str = "correlation"
) -> pd.DataFrame:
    """Importance-performance grid: performance = item mean, importance derived from overall.

    ``method="correlation"``: design-weighted Pearson correlation of each item with
    ``overall``; ``"regression"``: coefficients of a design-based multiple regression of
    ``overall`` on all items (with their design SEs). Quadrants split at the mean importance
    and mean performance: 'concentrate here', 'keep up the good work', 'low priority',
    'possible overkill'.
    """
    if method not in ("correlation", "regression"):
        raise ValueError(f"method must be 'correlation' or 'regression', got {method!r}")
    if len(items) < 2:
        raise ValueError("importance_performance needs at least two items")
    perf = {c: design.mean(c, na_rm=True) for c in items}
    rows = []
    if method == "correlation":
        w = design.weights.to_numpy()
        yo = design.column(overall)
        for c in items:
            x = design.column(c)
            ok = ~np.isnan(x) & ~np.isnan(yo) & (w > 0)
            rows.append((c, _weighted_corr(x[ok], yo[ok], w[ok]), math.nan))
    else:
        safe = {c: f"_item{i}" for i, c in enumerate(items)}
        d = design.assign(
            **{v: design.data[k] for k, v in safe.items()}, _overall=design.data[overall]
        )
        res = d.glm("_overall ~ " + " + ".join(safe.values()))
        for c in items:
            rows.append((c, float(res.params[safe[c]]), float(res.bse[safe[c]])))
    out = pd.DataFrame(rows, columns=["item", "importance", "importance_se"]).set_index("item")
    out["performance"] = [perf[c].estimate for c in items]
    out["performance_se"] = [perf[c].se for c in items]
    imp_cut = out["importance"].mean()
    perf_cut = out["performance"].mean()
    hi_i = out["importance"] >= imp_cut
    hi_p = out["performance"] >= perf_cut
    out["quadrant"] = np.select(
        [hi_i & ~hi_p, hi_i & hi_p, ~hi_i & ~hi_p],
        ["concentrate here", "keep up the good work", "low priority"],
        "possible overkill",
    )
    return out
