"""Confidence intervals for proportions that respect [0, 1], as R ``survey::svyciprop``.

Methods (Lumley 2010 §2.4.1; Korn & Graubard 1998 for ``beta``): ``logit`` (Wald interval on the
logit scale from a design-based intercept-only logistic model, back-transformed), ``xlogit``
(the same by the delta method), ``asin`` (arcsine square root), ``beta`` (Korn-Graubard: a
Clopper-Pearson interval on the effective sample size, itself adjusted by the ratio of t
quantiles), ``mean`` (plain Wald). All use Student's t on the design degrees of freedom, as R.
``wilson`` is not in R: it is Wilson's score interval on the effective sample size
n* = p(1-p)/var(p) with the same t quantile (Kish's effective n idea), given for analysts who
report Wilson intervals; it has no R reference value. ``likelihood`` is R's profile-likelihood
interval for the intercept of ``svyglm(y ~ 1, family=quasibinomial)``, with the cut-off scaled by
the design effect of the coefficient (as ``confint.svyglm(method="likelihood")``), computed
as R does: the profile on R's grid, R's ``spline`` through it, and linear interpolation.

At p = 0 or 1 (or whenever the design variance is zero) R's intervals collapse to [p, p] or
are undefined, and a unit where every respondent is satisfied would be reported with certainty.
There every method returns Korn & Graubard's (1998) boundary interval instead: the
Clopper-Pearson interval on the actual number of respondents, adjusted by the same ratio of t
quantiles as ``beta`` (the NCHS data presentation standards for proportions, Parker et al. 2017,
set the effective sample size to n when p is 0 or 1). At p = 1 with 50 respondents and 10
design df its lower end is 0.913.

:data:`SATISFACTION_METHOD` and :data:`SATISFACTION_BOUNDARY` are the interval of the
satisfaction measures (top-two-box share): R's default ``logit``, with all of α on the side
that can miss near a share of 0 or 1 (:func:`one_sided_where_bounded`; at p = 0 or 1 the
one-sided Korn-Graubard bound). In a clustered counter design of 50 respondents (10 days)
with p ≈ 0.95 it covers 95.0% (seed 17); R's equal-tailed interval with the boundary interval
above covers 97.5% (86-88% with R's [1, 1]), because 7.4% of the samples have everybody
satisfied, so no valid interval misses on that side and the α/2 kept for it is never spent
(tests/analysis/test_coverage.py; every candidate measured is in docs/analysis.md).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy import stats
from scipy.special import expit
from scipy.special import logit

from analysis.checks import check_binary
from analysis.core import DesignCore
from analysis.estimate import Estimate
from analysis.estimate import critical_value

__all__ = [
    "BOUNDARY_RULES",
    "CIPROP_METHODS",
    "SATISFACTION_BOUNDARY",
    "SATISFACTION_METHOD",
    "boundary_interval",
    "check_binary",
    "likelihood_fit",
    "one_sided_where_bounded",
    "proportion_estimate",
    "svyciprop",
]

CIPROP_METHODS = ("logit", "xlogit", "beta", "mean", "asin", "wilson", "likelihood")

#: The interval the satisfaction measures use by default (see the module docstring).
SATISFACTION_METHOD = "logit"


def boundary_interval(p: float, n: int, df: float, level: float) -> tuple[float, float]:
    """Korn-Graubard interval when the design variance is zero: Clopper-Pearson on ``n``.

    The effective sample size is the number of respondents ``n``, times R's ``beta`` df
    adjustment (t quantile on n - 1 over t on the design df, squared); so the interval is
    wider when the design has few degrees of freedom.
    """
    alpha = 1 - level
    if n < 2 or not df > 0:
        return (0.0, 1.0)
    n_eff = n * (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)) ** 2
    x = p * n_eff
    lo = 0.0 if x <= 0 else float(stats.beta.ppf(alpha / 2, x, n_eff - x + 1))
    hi = 1.0 if x >= n_eff else float(stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x))
    return (lo, hi)


BOUNDARY_RULES = ("one-sided", "equal-tailed")
"""How the satisfaction measures spend α near a share of 0 or 1: ``"one-sided"``
(:func:`one_sided_where_bounded`, their default) or ``"equal-tailed"`` (R's method as is,
with the Korn-Graubard boundary interval of :func:`boundary_interval`)."""

#: The boundary rule of the satisfaction measures and of the pages' satisfaction shares.
SATISFACTION_BOUNDARY = "one-sided"


def one_sided_where_bounded(est: Estimate, respondents: int) -> Estimate:
    """``est`` (a ``ciprop`` estimate) with all of α on an end whose other side cannot miss.

    An equal-tailed 95% interval keeps 2.5% for each way of missing. Near a share of 1 one
    way cannot happen: the sample in which everybody is satisfied has the Korn-Graubard
    interval [L, 1], so a truth above L is never excluded from above, and the 2.5% kept for
    that side is never spent (coverage 97.5% instead of 95%). The standard treatment of a
    bound that can only be crossed one way is the one-sided (1 - α) bound: Clopper-Pearson's
    α^(1/n) for x = n (the "rule of three" for x = 0, Hanley & Lippman-Hand 1983), on Korn &
    Graubard's (1998) df-adjusted n. So, at level 1 - α:

    * at p = 0 or 1: the one-sided Korn-Graubard bound, [α-quantile, 1] (or [0, ...]), that is
      :func:`boundary_interval` at level 1 - 2α;
    * otherwise the method's interval, except that an upper end that lies above L (the
      one-sided boundary bound of a sample with everybody satisfied) is the method's
      one-sided (1 - α) upper bound, and likewise a lower end below the mirror bound at 0.

    This is the tail-spending of Blaker's (2000) and Sterne's exact intervals, where a tail
    that cannot reach α/2 leaves its share to the other. Away from the boundaries (and for
    level ≤ 0.5) the interval is the method's own. docs/analysis.md gives the coverage.
    """
    inner = est._ci_fn
    if inner is None:
        raise ValueError("one_sided_where_bounded needs a ciprop estimate")
    p, df = est.estimate, est.df

    def ci(level: float) -> tuple[float, float]:
        alpha = 1 - level
        if not alpha < 0.5:
            return inner(level)
        one = 1 - 2 * alpha  # an equal-tailed interval at 1 - 2α has one-sided (1 - α) ends
        if p in (0.0, 1.0):
            return boundary_interval(p, respondents, df, one)
        lo, hi = inner(level)
        lo1, hi1 = inner(one)
        top = boundary_interval(1.0, respondents, df, one)[0]
        bottom = boundary_interval(0.0, respondents, df, one)[1]
        return (lo1 if lo1 < bottom else lo, hi1 if hi1 > top else hi)

    return replace(est, statistic=f"{est.statistic}-one-sided", _ci_fn=ci)


def _fmm_spline(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients b, c, d of R's ``spline(method="fmm")`` (Forsythe, Malcolm & Moler 1977).

    The end conditions match the third derivative of the cubic through the four points at
    each end; a port of ``fmm_spline`` in R's ``splines.c``.
    """
    n = len(x)
    b = np.zeros(n)
    c = np.zeros(n)
    d = np.zeros(n)
    if n < 3:
        b[:] = (y[1] - y[0]) / (x[1] - x[0])
        return b, c, d
    nm1 = n - 1
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[nm1] = -d[n - 2]
    c[0] = c[nm1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[nm1] = c[nm1] / b[nm1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[nm1] = 3.0 * c[nm1]
    d[nm1] = d[n - 2]
    return b, c, d


def _spline_grid(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``spline(x, y)``: the fmm spline at 3·length(x) equally spaced points."""
    b, c, d = _fmm_spline(x, y)
    u = np.linspace(x[0], x[-1], 3 * len(x))
    i = np.clip(np.searchsorted(x, u, side="right") - 1, 0, len(x) - 1)
    dx = u - x[i]
    return u, y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))


def _irls_intercept(y: np.ndarray, prior: np.ndarray) -> tuple[float, float]:
    """R's ``glm.fit`` of ``y ~ 1`` (quasibinomial): the final logit and the mean of the
    iterate before it, at which R evaluates the model (naive) variance of the coefficient.

    Same start (``mustart = (w·y + 0.5)/(w + 1)``), steps and stopping rule (relative change
    of the deviance below 1e-8) as R, so lambda below equals R's to rounding.
    """
    mu = (prior * y + 0.5) / (prior + 1)
    eta = np.log(mu / (1 - mu))

    def deviance(m: np.ndarray) -> float:
        return float(-2 * (prior * (y * np.log(m) + (1 - y) * np.log(1 - m))).sum())

    dev_old = deviance(mu)
    b = 0.0
    mu_prev = mu
    for _ in range(25):
        mu_prev = mu
        ww = prior * mu * (1 - mu)
        z = eta + (y - mu) / (mu * (1 - mu))
        b = float((ww * z).sum() / ww.sum())
        eta = np.full_like(y, b)
        mu = 1 / (1 + np.exp(-eta))
        dev = deviance(mu)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-8:
            break
        dev_old = dev
    return b, float((prior * mu_prev * (1 - mu_prev)).sum())


def _likelihood(
    p: float, se: float, fit: tuple[float, float], phi: float, df: float, nrow: int, level: float
) -> tuple[float, float]:
    """R's ``svyciprop(method="likelihood")``, step for step.

    ``confint.svyglm(method="likelihood")`` profiles the deviance of ``y ~ 1``
    (quasibinomial, weights scaled to mean 1 over the ``nrow`` rows) divided by the dispersion
    ``phi``, on R's grid (``MASS::profile.glm``: steps of a fifth of the largest signed root,
    at most nine each way, in units of the design SE of the logit), fits R's ``spline``
    through the signed roots and reads off where they reach ±t·sqrt(lambda), lambda being the
    design variance of the logit over its model variance. ``fit`` is :func:`_irls_intercept`.
    """
    alpha = 1 - level
    b0, information = fit
    se_b = se / (p * (1 - p))
    lam = se_b**2 * information
    half = float(stats.norm.cdf(stats.t.ppf(alpha / 2, df) * math.sqrt(lam))) / 2
    # sqrt of F(1, n - 1)'s upper quantile, through t (scipy's F quantile overflows far out)
    zmax = float(stats.t.isf(half / 2, nrow - 1))
    step_size = zmax / 5

    def deviance(b: float) -> float:
        # log(mu) and log(1 - mu) without underflow far out on the grid
        return float(2 * nrow * (p * np.logaddexp(0.0, -b) + (1 - p) * np.logaddexp(0.0, b)))

    dev0 = deviance(b0)
    bs = [b0]
    zs = [0.0]
    for sgn in (-1, 1):
        z = 0.0
        step = 1
        while step < 10 and abs(z) < zmax:
            b = b0 + sgn * step * step_size * se_b
            z = sgn * math.sqrt(max((deviance(b) - dev0) / phi, 0.0))
            bs.append(b)
            zs.append(z)
            step += 1
    order = np.argsort(zs, kind="stable")
    grid_b, grid_z = _spline_grid(np.asarray(bs)[order], np.asarray(zs)[order])
    cut = float(stats.norm.ppf(2 * half))
    by_z = np.argsort(grid_z, kind="stable")
    ends = np.interp([cut, -cut], grid_z[by_z], grid_b[by_z], left=np.nan, right=np.nan)
    return (float(expit(ends[0])), float(expit(ends[1])))


def _interval(
    method: str,
    p: float,
    se: float,
    df: float,
    nrow: int,
    level: float,
    fit: tuple[float, float, float] = (math.nan, math.nan, math.nan),
) -> tuple[float, float]:
    crit = critical_value(level, df)
    if method == "likelihood":
        return _likelihood(p, se, fit[:2], fit[2], df, nrow, level)
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


def _dispersion(n: int) -> float:
    """R's ``summary.svyglm`` dispersion for ``y ~ 1``: ``svyvar`` of the Pearson residuals.

    ``residuals.svyglm(type="pearson")`` divides the prior weights back out, so the residuals
    are (y - p)/sqrt(p(1 - p)), whose weighted variance is exactly 1 for a 0/1 ``y``; ``svyvar``
    multiplies by n/(n - 1), n the rows with nonzero weight.
    """
    return n / (n - 1) if n > 1 else math.nan


def likelihood_fit(y: np.ndarray, w: np.ndarray, nrow: int) -> tuple[float, float, float]:
    """What ``method="likelihood"`` needs of the rows: R's IRLS logit, model information, phi.

    ``y`` and ``w``: the domain's 0/1 values and weights (zero outside); ``nrow``: R's
    ``nrow(design)`` of the domain, over which ``svyglm`` scales the weights to mean 1.
    """
    pos = w != 0
    prior = w[pos] / (w.sum() / nrow)
    b, information = _irls_intercept(np.nan_to_num(y[pos]), prior)
    return (b, information, _dispersion(int(pos.sum())))


def proportion_estimate(
    p: float,
    se: float,
    df: float,
    nrow: int,
    *,
    method: str = "logit",
    deff: float = math.nan,
    name: str = "",
    respondents: int | None = None,
    fit: tuple[float, float, float] | None = None,
) -> Estimate:
    """A proportion already estimated (``p``, its design ``se`` and ``df``, ``nrow`` rows)
    with the interval of ``method``: what :func:`svyciprop` returns, for estimators that
    reach p and its SE another way (``SurveyDesign.by(stat="ciprop")``).

    ``respondents`` (rows with weight; default ``nrow``) sizes the boundary interval;
    ``fit`` is :func:`likelihood_fit`, needed for ``method="likelihood"``.
    """
    if method not in CIPROP_METHODS:
        raise ValueError(f"method must be one of {CIPROP_METHODS}, got {method!r}")
    n_resp = nrow if respondents is None else respondents
    interior = se > 0 and 0.0 < p < 1.0
    if method == "likelihood" and interior and fit is None:
        raise ValueError("method='likelihood' needs likelihood_fit(...) of the rows")
    model = fit if fit is not None else (math.nan, math.nan, math.nan)

    def ci(level: float) -> tuple[float, float]:
        if not interior:
            return boundary_interval(p, n_resp, df, level)
        return _interval(method, p, se, df, nrow, level, model)

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


def svyciprop(design: DesignCore, col: str, method: str = "logit", na_rm: bool = False) -> Estimate:
    """Proportion of ``col`` (0/1 or boolean) with the interval of ``method``.

    The estimate and SE are ``svymean``'s; ``.ci(level)`` gives the method's interval, and at
    p = 0 or 1 (zero design variance) every method returns Korn and Graubard's boundary
    interval (:func:`boundary_interval`) on the number of respondents, never [p, p].
    """
    if method not in CIPROP_METHODS:
        raise ValueError(f"method must be one of {CIPROP_METHODS}, got {method!r}")
    y = design.column(col)
    d = design.usable(y, col, na_rm)
    check_binary(y[d], col)
    est, v, deff = design.mean_block(y[:, None], d, f"ciprop of {col!r}")
    p = float(est[0])
    se = math.sqrt(max(float(v[0, 0]), 0.0))
    nrow = design.nrow(d)
    w = np.where(d, design.row_weights, 0.0)
    fit = None
    if method == "likelihood" and se > 0 and 0.0 < p < 1.0:
        fit = likelihood_fit(np.where(d, y, 0.0), w, nrow)
    return proportion_estimate(
        p,
        se,
        design.degf(d),
        nrow,
        method=method,
        deff=float(deff[0]),
        name=col,
        respondents=int((w != 0).sum()),
        fit=fit,
    )
