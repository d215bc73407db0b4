"""Control charts for monthly complaint streams (Montgomery 2013, *Introduction to Statistical
Quality Control*, ch. 7; Western Electric 1956 run rules; Nelson 1984).

p-chart: share of complaints overdue, centre p̄ = Σx/Σn and 3-sigma limits that vary with each
month's n. u-chart: complaints per 1,000 visits, centre ū = Σc/Σa, limits ±3√(ū/a_i). Run
rules are evaluated on the standardised values z_i = (y_i - centre)/sigma_i, so they work with
varying limits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["p_chart", "run_rules", "u_chart"]


def run_rules(z: Sequence[float] | np.ndarray) -> list[list[str]]:
    """Western Electric rules 1-4 plus Nelson's trend rule, per point.

    WE1 one point beyond 3σ; WE2 two of three beyond 2σ on one side; WE3 four of five beyond
    1σ on one side; WE4 eight in a row on one side; TREND six in a row steadily rising or
    falling. Each point lists the rules whose window ends at it.

    A NaN is a period without a value (a month with no case due): it is not a point, and
    the points on either side of it are not consecutive, so no window that holds it
    fires (the runs count calendar periods, not the points that happen to exist).
    """
    za = np.asarray(z, dtype=float)
    gap = np.isnan(za)
    out: list[list[str]] = [[] for _ in za]

    def whole(first: int, last: int) -> bool:
        return first >= 0 and not gap[first : last + 1].any()

    for i in range(len(za)):
        if gap[i]:
            continue
        if abs(za[i]) > 3:
            out[i].append("WE1")
        for side in (1, -1):
            s = side * za
            if whole(i - 2, i) and (s[i - 2 : i + 1] > 2).sum() >= 2 and s[i] > 2:
                out[i].append("WE2")
            if whole(i - 4, i) and (s[i - 4 : i + 1] > 1).sum() >= 4 and s[i] > 1:
                out[i].append("WE3")
            if whole(i - 7, i) and (s[i - 7 : i + 1] > 0).all():
                out[i].append("WE4")
        if whole(i - 5, i):
            d = np.diff(za[i - 5 : i + 1])
            if (d > 0).all() or (d < 0).all():
                out[i].append("TREND")
    return [sorted(set(r)) for r in out]


def _chart(
    y: np.ndarray,
    centre: float,
    sigma: np.ndarray,
    index: pd.Index,
    lower_bound: float,
    upper_bound: float | None,
) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, (y - centre) / sigma, 0.0)
    lcl = np.maximum(centre - 3 * sigma, lower_bound)
    ucl = centre + 3 * sigma
    if upper_bound is not None:
        ucl = np.minimum(ucl, upper_bound)
    rules = run_rules(z)
    return pd.DataFrame(
        {
            "value": y,
            "centre": centre,
            "lcl": lcl,
            "ucl": ucl,
            "z": z,
            "out_of_control": [bool(r) for r in rules],
            "rules": [",".join(r) for r in rules],
        },
        index=index,
    )


def p_chart(
    defectives: Sequence[float] | pd.Series, n: Sequence[float] | pd.Series
) -> pd.DataFrame:
    """p-chart with limits varying by subgroup size (e.g. overdue complaints / complaints)."""
    x = np.asarray(defectives, dtype=float)
    nn = np.asarray(n, dtype=float)
    if x.shape != nn.shape or x.ndim != 1 or len(x) == 0:
        raise ValueError("defectives and n must be equal-length, non-empty sequences")
    if (nn <= 0).any() or (x < 0).any() or (x > nn).any():
        raise ValueError("need 0 <= defectives <= n and n > 0 for every period")
    index = defectives.index if isinstance(defectives, pd.Series) else pd.RangeIndex(len(x))
    pbar = x.sum() / nn.sum()
    sigma = np.sqrt(pbar * (1 - pbar) / nn)
    out = _chart(x / nn, pbar, sigma, index, 0.0, 1.0)
    out.insert(1, "n", nn)
    return out


def u_chart(
    counts: Sequence[float] | pd.Series, exposure: Sequence[float] | pd.Series, per: float = 1000.0
) -> pd.DataFrame:
    """u-chart of counts per ``per`` units of exposure (complaints per 1,000 visits)."""
    c = np.asarray(counts, dtype=float)
    a = np.asarray(exposure, dtype=float) / per
    if c.shape != a.shape or c.ndim != 1 or len(c) == 0:
        raise ValueError("counts and exposure must be equal-length, non-empty sequences")
    if (a <= 0).any() or (c < 0).any():
        raise ValueError("exposure must be positive and counts non-negative")
    index = counts.index if isinstance(counts, pd.Series) else pd.RangeIndex(len(c))
    ubar = c.sum() / a.sum()
    sigma = np.sqrt(ubar / a)
    out = _chart(c / a, ubar, sigma, index, 0.0, None)
    out.insert(1, "exposure", a * per)
    return out
