"""Confidence intervals for proportions that respect [0, 1], as R ``survey::svyciprop``.

Methods (Lumley 2010 §2.4.1; Korn & Graubard 1998 for ``beta``): ``logit`` (Wald interval on the
logit scale from a design-based intercept-only logistic model, back-transformed), ``xlogit``
(the same by the delta method), ``asin`` (arcsine square root), ``beta`` (Korn-Graubard: a
Clopper-Pearson interval on the effective sample size, itself adjusted by the ratio of t
quantiles), ``mean`` (plain Wald). All use Student's t on the design degrees of freedom, as R.
``wilson`` is not in R: it is Wilson's score interval on the effective sample size
n* = p(1-p)/var(p) with the same t quantile (Kish's effective n idea), given for analysts who
report Wilson intervals; it has no R reference value.
"""

from __future__ import annotations

import math

from scipy import stats
from scipy.special import expit
from scipy.special import logit

from analysis.core import DesignCore
from analysis.estimate import Estimate
from analysis.estimate import critical_value

__all__ = ["CIPROP_METHODS", "proportion_estimate", "svyciprop"]

CIPROP_METHODS = ("logit", "xlogit", "beta", "mean", "asin", "wilson")


def _interval(
    method: str, p: float, se: float, df: float, nrow: int, level: float
) -> tuple[float, float]:
    if se == 0 or p in (0.0, 1.0):
        return (p, p)
    crit = critical_value(level, df)
    if method in ("logit", "xlogit"):
        s = se / (p * (1 - p))
        c = logit(p)
        return (float(expit(c - crit * s)), float(expit(c + crit * s)))
    if method == "mean":
        return (p - crit * se, p + crit * se)
    if method == "asin":
        s = se / (2 * math.sqrt(p * (1 - p)))
        c = math.asin(math.sqrt(p))
        return (math.sin(c - crit * s) ** 2, math.sin(c + crit * s) ** 2)
    n_eff = p * (1 - p) / se**2
    alpha = 1 - level
    if method == "beta":
        n_eff *= (stats.t.ppf(alpha / 2, nrow - 1) / stats.t.ppf(alpha / 2, df)) ** 2
        lo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
        hi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
        return (float(lo), float(hi))
    # wilson on the effective sample size
    z2 = crit**2
    denom = 1 + z2 / n_eff
    centre = (p + z2 / (2 * n_eff)) / denom
    half = crit / denom * math.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2))
    return (centre - half, centre + half)


def svyciprop(design: DesignCore, col: str, method: str = "logit", na_rm: bool = False) -> Estimate:
    """Proportion of ``col`` (0/1 or boolean) with the interval of ``method``.

    The estimate and SE are ``svymean``'s; ``.ci(level)`` gives the method's interval, and at
    p = 0 or 1 (zero design variance) every method returns the degenerate interval [p, p].
    """
    if method not in CIPROP_METHODS:
        raise ValueError(f"method must be one of {CIPROP_METHODS}, got {method!r}")
    y = design.column(col)
    d = design.usable(y, col, na_rm)
    vals = y[d]
    if ((vals < 0) | (vals > 1)).any():
        raise ValueError(
            f"ciprop needs a 0/1 (or boolean) column; {col!r} has values outside [0, 1]"
        )
    est, v, deff = design.mean_block(y[:, None], d, f"ciprop of {col!r}")
    return proportion_estimate(
        float(est[0]),
        math.sqrt(max(float(v[0, 0]), 0.0)),
        design.degf(d),
        design.nrow(d),
        method=method,
        deff=float(deff[0]),
        name=col,
    )


def proportion_estimate(
    p: float,
    se: float,
    df: float,
    nrow: int,
    *,
    method: str = "logit",
    deff: float = math.nan,
    name: str = "",
) -> Estimate:
    """A proportion already estimated (``p``, its design ``se`` and ``df``, ``nrow`` rows)
    with the interval of ``method``: what :func:`svyciprop` returns, for estimators that
    reach p and its SE another way (e.g. :mod:`analysis.strata` from per-stratum sums)."""
    if method not in CIPROP_METHODS:
        raise ValueError(f"method must be one of {CIPROP_METHODS}, got {method!r}")

    def ci(level: float) -> tuple[float, float]:
        return _interval(method, p, se, df, nrow, level)

    return Estimate(
        estimate=p,
        se=se,
        df=df,
        deff=deff,
        name=name,
        statistic=f"ciprop-{method}",
        ci_df=float(df),
        _ci_fn=ci,
    )
