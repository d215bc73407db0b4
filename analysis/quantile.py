"""Design-based quantiles with their confidence intervals, as R ``survey::svyquantile``.

Survey 4.x (the Debian package is 4.1.1) defaults to ``qrule="math"`` (the smallest value whose
weighted CDF reaches p, the inverse of the estimated CDF) and ``interval.type="mean"``: the
Woodruff (1952) interval, which maps a Wald interval for the CDF at the estimated quantile back
through the inverse CDF, using Student's t on the design degrees of freedom. The standard error
is R's: the interval width divided by twice the critical value (Lumley 2010 §2.4.2).

R's other rules are here too (``QRULES``: ``school``, ``shahvaish`` and Hyndman & Fan's
types 1-9 with weights, R's ``qrule_*`` functions), and its other intervals
(``INTERVAL_TYPES``): ``beta``, ``xlogit`` and ``asin`` transform the Wald interval of the
CDF as ``svyciprop`` does, ``score`` is Francisco & Fuller's (1991) test inversion (R
``ffullerCI``), and ``quantile`` (replicate-weight designs only) takes the variance of the
replicates' quantiles (R ``repCI``).

:func:`quantile_estimate` does the work for any design: it is given the domain's values and
weights, and a function that returns the design mean and SE of a 0/1 column (``svymean``),
which a linearisation design (:func:`svyquantile`) and a replicate-weight design
(:mod:`analysis.replicates`) each compute their own way.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import optimize
from scipy import stats

from analysis.core import DesignCore
from analysis.estimate import Estimate
from analysis.estimate import critical_value

__all__ = [
    "INTERVAL_TYPES",
    "QRULES",
    "qrule",
    "qrule_math",
    "quantile_estimate",
    "svyquantile",
]

QRULES = (
    "math",
    "school",
    "shahvaish",
    "hf1",
    "hf2",
    "hf3",
    "hf4",
    "hf5",
    "hf6",
    "hf7",
    "hf8",
    "hf9",
)
INTERVAL_TYPES = ("mean", "beta", "xlogit", "asin", "score", "quantile")

#: svymean of a 0/1 column over the domain: (estimate, standard error).
MeanSE = Callable[[np.ndarray], tuple[float, float]]


def _qs(x: np.ndarray, w: np.ndarray, p: float) -> tuple[float, float, int, int, float, float]:
    """R's ``qs``: the values either side of p on the weighted CDF and their distances.

    ``x`` sorted. Sums are accumulated in extended precision like R's ``cumsum``/``sum`` so
    that exact ties of the CDF with ``p`` are decided as R decides them.
    """
    cum_ld = np.cumsum(w.astype(np.longdouble))
    cumw = cum_ld.astype(float)
    total = float(np.sum(w.astype(np.longdouble)))
    below = np.flatnonzero(cumw <= p * total)
    pos = int(below[-1]) if len(below) else 0
    posnext = pos if pos == len(x) - 1 else pos + 1
    wlow = p - cumw[pos] / total
    wup = cumw[posnext] / total - p
    return (float(x[pos]), float(x[posnext]), pos + 1, posnext + 1, wlow, wup)


def _approx(pk: np.ndarray, x: np.ndarray, p: float, constant: bool) -> float:
    """R's ``approx(pk, x, p, rule = 2)``, linear or ``method = "constant", f = 0``.

    As R's ``regularize.values``: the points are sorted by ``pk`` and tied ``pk`` take the
    mean of their values (Shah-Vaish's ``pk`` need not increase: R subtracts the raw weight).
    """
    order = np.argsort(pk, kind="stable")
    pk, x = pk[order], x[order]
    if (np.diff(pk) == 0).any():
        pk, inv = np.unique(pk, return_inverse=True)
        x = np.bincount(inv, weights=x) / np.bincount(inv)
    if p <= pk[0]:
        return float(x[0])
    if p >= pk[-1]:
        return float(x[-1])
    if constant:
        i = int(np.searchsorted(pk, p, side="right")) - 1
        return float(x[i])
    return float(np.interp(p, pk, x))


def qrule(x: np.ndarray, w: np.ndarray, p: float, rule: str = "math") -> float:
    """R's ``qrule_<rule>(x, w, p)``: quantile ``p`` of ``x`` with weights ``w``.

    Rows of zero weight are left out first (R). ``math`` (= ``hf1``) inverts the weighted
    CDF; ``school`` (= ``hf2``) averages at a tie; ``shahvaish`` is Shah & Vaish's (2006)
    rule; ``hf3``-``hf9`` are Hyndman & Fan's types with weights as R defines them.
    """
    if rule not in QRULES:
        raise ValueError(f"qrule must be one of {QRULES}, got {rule!r}")
    keep = w != 0
    x = np.asarray(x, dtype=float)[keep]
    w = np.asarray(w, dtype=float)[keep]
    n = len(x)
    if n == 0:
        return math.nan
    order = np.argsort(x, kind="stable")
    xs = x[order]
    ws = w[order]
    if rule in ("math", "hf1", "school", "hf2", "hf4"):
        qlow, qup, _, _, wlow, wup = _qs(xs, ws, p)
        if rule in ("math", "hf1"):
            return qlow if wlow == 0 else qup
        if rule in ("school", "hf2"):
            return (qlow + qup) / 2 if wlow == 0 else qup
        gamma = wlow / (wup + wlow)
        return qlow * (1 - gamma) + qup * gamma
    if rule == "hf3":
        ux, inv = np.unique(xs, return_inverse=True)
        uw = np.bincount(inv, weights=ws)
        qlow, qup, ilow, _, wlow, _ = _qs(ux, uw, p)
        return qlow if (wlow == 0 and ilow % 2 == 0) else qup
    cumw = np.cumsum(ws)
    if rule == "shahvaish":
        wbar = ws / ws.mean()
        s = np.cumsum(wbar)
        pk = (s + 0.5 - ws / 2) / (n + 1)
        return _approx(pk, xs, p, constant=True)
    if rule == "hf5":
        pk = (cumw - ws / 2) / cumw[-1]
    elif rule == "hf6":
        pk = cumw / (cumw[-1] + ws[-1])
    elif rule == "hf7":
        pk = np.concatenate([[0.0], cumw[:-1]]) / cumw[-2] if n > 1 else np.zeros(1)
    elif rule == "hf8":
        pk = (np.concatenate([[0.0], cumw[:-1]]) / 3 + cumw * 2 / 3) / (cumw[-1] + ws[-1] / 3)
    else:  # hf9
        pk = (np.concatenate([[0.0], cumw[:-1]]) * 3 / 8 + cumw * 5 / 8) / (cumw[-1] + ws[-1] / 4)
    return _approx(pk, xs, p, constant=False)


def qrule_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """R's ``qrule_math``: inverse of the weighted empirical CDF (see :func:`qrule`).

    As in R, when even the first value's weight exceeds ``p`` the rule returns the second
    smallest value.
    """
    return qrule(x, w, p, "math")


def _cdf_interval(
    method: str, pm: float, se: float, df: float, nrow: int, level: float
) -> tuple[float, float]:
    """R ``woodruffCI``'s interval for the CDF at the estimate, by ``method``."""
    crit = critical_value(level, df)
    if method == "mean":
        return (pm - crit * se, pm + crit * se)
    if method == "xlogit":
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = math.log(pm / (1 - pm)) if 0 < pm < 1 else math.nan
            se_eta = se / (pm * (1 - pm)) if 0 < pm < 1 else math.nan
        lo, hi = eta - crit * se_eta, eta + crit * se_eta
        return (1 / (1 + math.exp(-lo)), 1 / (1 + math.exp(-hi)))
    if method == "asin":
        if not 0 < pm < 1:
            return (math.nan, math.nan)
        eta = math.asin(math.sqrt(pm))
        se_eta = se / (2 * math.sqrt(pm * (1 - pm)))
        return (math.sin(eta - crit * se_eta) ** 2, math.sin(eta + crit * se_eta) ** 2)
    # beta (Korn & Graubard)
    alpha = 1 - level
    if not se > 0:
        return (math.nan, math.nan)
    n_eff = pm * (1 - pm) / se**2
    n_eff *= (stats.t.ppf(alpha / 2, nrow - 1) / stats.t.ppf(alpha / 2, df)) ** 2
    return (
        float(stats.beta.ppf(alpha / 2, n_eff * pm, n_eff * (1 - pm) + 1)),
        float(stats.beta.ppf(1 - alpha / 2, n_eff * pm + 1, n_eff * (1 - pm))),
    )


def _score_interval(
    x: np.ndarray, w: np.ndarray, p: float, mean_se: MeanSE, df: float, nrow: int, level: float
) -> tuple[float, float]:
    """R ``ffullerCI``: the values where the score test of the CDF reaches ± the critical value.

    As R: roots by Brent's method on [min + IQR/100, max - IQR/100] with tolerance
    1/(100·sqrt(nrow)), then the rule applied to the unweighted share of values below them.
    """
    crit = critical_value(level, df)

    def score(theta: float, limit: float) -> float:
        m, se = mean_se((x > theta).astype(float))
        return (m - (1 - p)) / se - limit

    q75, q25 = np.percentile(x, [75, 25])
    iqr = q75 - q25
    lower, upper = float(x.min() + iqr / 100), float(x.max() - iqr / 100)
    tol = 1 / (100 * math.sqrt(nrow))
    qlow = optimize.brentq(score, lower, upper, args=(crit,), xtol=tol)
    qup = optimize.brentq(score, lower, upper, args=(-crit,), xtol=tol)
    return (
        qrule(x, w, float(np.mean(x <= qlow)), "math"),
        qrule(x, w, float(np.mean(x <= qup)), "math"),
    )


def quantile_estimate(
    x: np.ndarray,
    w: np.ndarray,
    q: float,
    mean_se: MeanSE,
    df: float,
    nrow: int,
    *,
    rule: str = "math",
    interval_type: str = "mean",
    replicate_quantiles: Callable[[float], float] | None = None,
    name: str = "",
) -> Estimate:
    """Quantile ``q`` of the domain's values ``x`` (weights ``w``) with R's interval and SE.

    ``mean_se(ind)``: the design's ``svymean`` of a 0/1 column of the same rows (estimate,
    SE); ``df``: the design df; ``nrow``: R's ``nrow(design)``. ``replicate_quantiles(qhat)``
    returns the replicate variance of the quantile, for ``interval_type="quantile"``.
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile q must be between 0 and 1, got {q!r}")
    if rule not in QRULES:
        raise ValueError(f"qrule must be one of {QRULES}, got {rule!r}")
    if interval_type not in INTERVAL_TYPES:
        raise ValueError(f"interval_type must be one of {INTERVAL_TYPES}, got {interval_type!r}")
    if interval_type == "quantile" and replicate_quantiles is None:
        raise ValueError("interval_type='quantile' needs a replicate-weight design")
    qhat = qrule(x, w, q, rule)
    pm, se_p = mean_se((x <= qhat).astype(float))

    def interval(level: float) -> tuple[float, float]:
        if interval_type == "quantile":
            assert replicate_quantiles is not None
            crit = critical_value(level, df)
            se_q = math.sqrt(replicate_quantiles(qhat))
            return (qhat - crit * se_q, qhat + crit * se_q)
        if interval_type == "score":
            return _score_interval(x, w, q, mean_se, df, nrow, level)
        lo_p, hi_p = _cdf_interval(interval_type, pm, se_p, df, nrow, level)
        lo = math.nan if (math.isnan(lo_p) or lo_p < 0) else qrule(x, w, lo_p, rule)
        hi = math.nan if (math.isnan(hi_p) or hi_p > 1) else qrule(x, w, hi_p, rule)
        return (lo, hi)

    lo, hi = interval(0.95)
    se = (hi - lo) / (2 * critical_value(0.95, df))
    return Estimate(
        estimate=qhat,
        se=se,
        df=df,
        name=name,
        statistic="quantile",
        ci_df=float(df),
        _ci_fn=interval,
    )


def svyquantile(
    design: DesignCore,
    col: str,
    q: float,
    na_rm: bool = False,
    *,
    qrule: str = "math",
    interval_type: str = "mean",
) -> Estimate:
    """Quantile ``q`` of ``col`` with R's interval and SE (``svyquantile``).

    ``qrule`` is one of :data:`QRULES`, ``interval_type`` one of :data:`INTERVAL_TYPES`
    except ``"quantile"`` (replicate weights only).
    """
    y = design.column(col)
    d = design.usable(y, col, na_rm)
    w = np.where(d, design.row_weights, 0.0)
    if not w.sum() > 0:
        raise ValueError(f"quantile of {col!r}: the domain is empty")
    rows = np.flatnonzero(d)
    psum = w.sum()

    def mean_se(ind_rows: np.ndarray) -> tuple[float, float]:
        ind = np.zeros(design.n)
        ind[rows] = ind_rows
        pm = float((w * ind).sum() / psum)
        score = np.where(d, (ind - pm) * w / psum, 0.0)
        v = design.variance(score, d)[0, 0]
        return pm, math.sqrt(max(v, 0.0))

    return quantile_estimate(
        y[rows],
        w[rows],
        q,
        mean_se,
        design.degf(d),
        design.nrow(d),
        rule=qrule,
        interval_type=interval_type,
        name=f"{col} q{q:g}",
    )
