"""Design-based quantiles with Woodruff confidence intervals, as R ``survey::svyquantile``.

Survey 4.x (the Debian package is 4.1.1) defaults to ``qrule="math"`` (the smallest value whose
weighted CDF reaches p, the inverse of the estimated CDF) and ``interval.type="mean"``: the
Woodruff (1952) interval, which maps a Wald interval for the CDF at the estimated quantile back
through the inverse CDF, using Student's t on the design degrees of freedom. The standard error
is R's: the interval width divided by twice the critical value (Lumley 2010 §2.4.2).
"""

from __future__ import annotations

import math

import numpy as np

from analysis.core import DesignCore
from analysis.estimate import Estimate
from analysis.estimate import critical_value

__all__ = ["qrule_math", "svyquantile"]


def qrule_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """R's ``qrule_math``: inverse of the weighted empirical CDF.

    Sums are accumulated in extended precision like R's ``cumsum``/``sum`` so that exact ties
    of the CDF with ``p`` are decided as R decides them. As in R, when even the first value's
    weight exceeds ``p`` the rule returns the second smallest value.
    """
    keep = w != 0
    x = x[keep]
    w = w[keep]
    if len(x) == 0:
        return math.nan
    order = np.argsort(x, kind="stable")
    xs = x[order]
    cum_ld = np.cumsum(w[order].astype(np.longdouble))
    cumw = cum_ld.astype(float)
    total = float(cum_ld[-1])
    below = np.flatnonzero(cumw <= p * total)
    pos = int(below[-1]) if len(below) else 0
    posnext = pos if pos == len(xs) - 1 else pos + 1
    wlow = p - cumw[pos] / total
    return float(xs[pos] if wlow == 0 else xs[posnext])


def svyquantile(design: DesignCore, col: str, q: float, na_rm: bool = False) -> Estimate:
    """Quantile ``q`` of ``col`` with R's default Woodruff interval and SE."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile q must be between 0 and 1, got {q!r}")
    y = design.column(col)
    d = design.usable(y, col, na_rm)
    w = np.where(d, design.row_weights, 0.0)
    if not w.sum() > 0:
        raise ValueError(f"quantile of {col!r}: the domain is empty")
    yv = np.where(d, y, 0.0)
    qhat = qrule_math(yv, w, q)
    # CDF at the estimate and its design SE (svymean(x <= qhat))
    ind = (yv <= qhat).astype(float)
    psum = w.sum()
    pm = float((w * ind).sum() / psum)
    score = (ind - pm) * w / psum
    v = design.variance(score, d)[0, 0]
    se_p = math.sqrt(max(v, 0.0))
    df = design.degf(d)

    def woodruff(level: float) -> tuple[float, float]:
        crit = critical_value(level, df)
        lo_p, hi_p = pm - crit * se_p, pm + crit * se_p
        lo = math.nan if (math.isnan(lo_p) or lo_p < 0) else qrule_math(yv, w, lo_p)
        hi = math.nan if (math.isnan(hi_p) or hi_p > 1) else qrule_math(yv, w, hi_p)
        return (lo, hi)

    lo, hi = woodruff(0.95)
    se = (hi - lo) / (2 * critical_value(0.95, df))
    return Estimate(
        estimate=qhat,
        se=se,
        df=df,
        name=f"{col} q{q:g}",
        statistic="quantile",
        ci_df=float(df),
        _ci_fn=woodruff,
    )
