"""Proportional-odds model for an ordered outcome (a Likert item), as R's ``svyolr``.

The model is R's (and MASS ``polr``'s): logit P(Y ≤ k) = ζ_k − x'β, one cut-point ζ_k per
boundary between levels and one slope per term, fitted by design-weighted maximum
likelihood. The covariance is the sandwich R computes: the rows' scores times the inverse
Hessian of the weighted log-likelihood, passed through the design variance (Binder 1983;
Lumley 2010 §6.3). ``df_resid`` is the design df minus the number of slopes, as R.

R stops its optimiser (``optim``'s BFGS) at a relative change of 1e-8 in the
log-likelihood, so its coefficients carry errors near 1e-6; we iterate to the optimum
(Newton steps on the exact gradient), which R also reaches with
``control = list(reltol = 1e-14)`` (tests/analysis/reference).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import patsy
from scipy import optimize
from scipy import stats

from analysis.core import DesignCore
from analysis.regression import Coefficients

__all__ = ["OLRResult", "svyolr"]


@dataclass(frozen=True)
class OLRResult(Coefficients):
    """Slopes then cut-points (``"a|b"``), with design-based SEs, as R's ``svyolr``;
    ``reg_term_test`` and ``wald_test`` as on a GLM."""

    nobs: int
    formula: str
    levels: tuple[Any, ...]


def _response_codes(s: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """1..K per row (0 where missing) and the ordered levels."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        levels = list(s.cat.categories)
    else:
        levels = sorted(s.dropna().unique().tolist())
    codes = pd.Categorical(s, categories=levels).codes.astype(np.int64) + 1
    return codes, levels


class _Likelihood:
    """Weighted negative log-likelihood of the model in (β, ζ), its gradient and row scores."""

    def __init__(self, x: np.ndarray, y: np.ndarray, w: np.ndarray, q: int) -> None:
        self.x, self.y, self.w, self.q = x, y, w, q
        self.pc = x.shape[1]

    def _parts(self, par: np.ndarray) -> tuple[np.ndarray, ...]:
        beta, zeta = par[: self.pc], par[self.pc :]
        gam = np.concatenate([[-np.inf], zeta, [np.inf]])
        eta = self.x @ beta
        up = gam[self.y] - eta
        lo = gam[self.y - 1] - eta
        pr = stats.logistic.cdf(up) - stats.logistic.cdf(lo)
        return eta, up, lo, pr, stats.logistic.pdf(up), stats.logistic.pdf(lo)

    def value(self, par: np.ndarray) -> float:
        pr = self._parts(par)[3]
        if not np.all(pr > 0):
            return math.inf  # outside the model (R's fmin returns Inf too)
        return float(-(self.w * np.log(pr)).sum())

    def scores(self, par: np.ndarray) -> np.ndarray:
        """R's ``gmini(logdiff=FALSE)``: each row's gradient of the negative log-likelihood."""
        _, _, _, pr, p1, p2 = self._parts(par)
        pr = np.where(pr > 0, pr, np.nan)
        g1 = self.x * (self.w * (p1 - p2) / pr)[:, None]
        k = np.arange(1, self.q + 1)
        xx = (k == self.y[:, None]) * p1[:, None] - (k == self.y[:, None] - 1) * p2[:, None]
        g2 = -xx * (self.w / pr)[:, None]
        return np.asarray(np.column_stack([g1, g2]))

    def gradient(self, par: np.ndarray) -> np.ndarray:
        return np.asarray(self.scores(par).sum(axis=0))

    def hessian(self, par: np.ndarray) -> np.ndarray:
        """Central differences of the exact gradient."""
        k = len(par)
        h = np.zeros((k, k))
        for j in range(k):
            step = 1e-5 * max(1.0, abs(par[j]))
            e = np.zeros(k)
            e[j] = step
            h[:, j] = (self.gradient(par + e) - self.gradient(par - e)) / (2 * step)
        return (h + h.T) / 2


def _to_zeta(theta: np.ndarray) -> np.ndarray:
    return np.asarray(np.cumsum(np.concatenate([theta[:1], np.exp(theta[1:])])))


def _jacobian(theta: np.ndarray) -> np.ndarray:
    """d zeta / d theta for zeta = cumsum(theta_1, exp(theta_2), ...) (R ``jacobian``)."""
    jac = np.zeros((len(theta), len(theta)))
    jac[:, 0] = 1.0
    for i in range(1, len(theta)):
        jac[i:, i] = math.exp(theta[i])
    return jac


def _theta_gradient(lik: _Likelihood, p: np.ndarray) -> np.ndarray:
    pc = lik.pc
    gr = lik.gradient(np.concatenate([p[:pc], _to_zeta(p[pc:])]))
    return np.concatenate([gr[:pc], gr[pc:] @ _jacobian(p[pc:])])


def r_hessian(lik: _Likelihood, par: np.ndarray) -> np.ndarray:
    """The Hessian in (beta, zeta) as R's ``svyolr`` gets it from ``optim(hessian = TRUE)``.

    R differentiates the gradient numerically in (beta, log-difference) coordinates with
    steps of 1e-3 (``optimhess``'s ``ndeps``), inverts it and maps it to (beta, zeta) with
    the Jacobian. Far from the exact Hessian by up to about 1e-3 relative, but it is what R's
    standard errors rest on, so ours do too.
    """
    pc = lik.pc
    zeta = par[pc:]
    p = np.concatenate([par[:pc], [zeta[0]], np.log(np.diff(zeta))])
    k = len(p)
    h = np.zeros((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = 1e-3
        h[i] = (_theta_gradient(lik, p + e) - _theta_gradient(lik, p - e)) / 2e-3
    h = (h + h.T) / 2
    a = np.eye(k)
    a[pc:, pc:] = _jacobian(p[pc:])
    vm = a @ np.linalg.pinv(h) @ a.T
    return np.asarray(np.linalg.inv(vm))


def _fit(lik: _Likelihood, start: np.ndarray) -> np.ndarray:
    """BFGS in R's unconstrained cut-points (log differences), then Newton to convergence."""
    pc = lik.pc

    def full(p: np.ndarray) -> np.ndarray:
        return np.concatenate([p[:pc], _to_zeta(p[pc:])])

    def f(p: np.ndarray) -> float:
        return lik.value(full(p))

    def g(p: np.ndarray) -> np.ndarray:
        return _theta_gradient(lik, p)

    res = optimize.minimize(f, start, jac=g, method="BFGS", options={"gtol": 1e-8, "maxiter": 1000})
    par = full(res.x)
    for _ in range(50):
        step = np.linalg.solve(lik.hessian(par), lik.gradient(par))
        t = 1.0
        new = par - step
        while t > 1e-8:
            new = par - t * step
            if np.all(np.diff(new[pc:]) > 0) and lik.value(new) <= lik.value(par) + 1e-12 * abs(
                lik.value(par)
            ):
                break
            t /= 2
        par = new
        if np.max(np.abs(t * step)) < 1e-12 * (1 + np.max(np.abs(par))):
            break
    return par


def svyolr(design: DesignCore, formula: str) -> OLRResult:
    """Proportional-odds regression of an ordered response (R ``svyolr``, logistic link).

    ``formula``: ``"response ~ terms"`` in patsy syntax; the response's levels are its
    categories (an ordered ``Categorical``) or its sorted values, at least three. Rows with a
    missing value drop out as a domain.
    """
    if "~" not in formula:
        raise ValueError(f"formula must look like 'response ~ terms', got {formula!r}")
    lhs, rhs = (part.strip() for part in formula.split("~", 1))
    if lhs not in design.data.columns:
        raise ValueError(f"unknown response column {lhs!r}")
    codes, levels = _response_codes(design.data[lhs])
    if len(levels) < 3:
        raise ValueError(f"the response {lhs!r} needs 3 or more levels, has {len(levels)}")
    data = design.data.reset_index(drop=True)
    try:
        x_df = patsy.dmatrix(rhs, data, return_type="dataframe", NA_action="drop")
    except patsy.PatsyError as exc:
        raise ValueError(f"cannot build the model {formula!r}: {exc}") from exc
    if "Intercept" not in x_df.columns:
        raise ValueError("svyolr needs an intercept in the formula (it becomes the cut-points)")
    x_df = x_df.drop(columns="Intercept")
    rows = x_df.index.to_numpy(dtype=np.int64)
    d = np.zeros(design.n, dtype=bool)
    d[rows] = True
    d &= design.domain_mask() & (codes > 0) & (design.row_weights != 0)
    keep = d[rows]
    rows = rows[keep]
    x = x_df.to_numpy(dtype=float)[keep]
    y = codes[rows]
    w = design.row_weights[rows]
    q = len(levels) - 1
    lik = _Likelihood(x, y, w, q)
    # R's start: a logistic fit of Y above the middle level, spaced cut-points
    q1 = len(levels) // 2
    xs = np.column_stack([np.ones(len(rows)), x])
    from_glm = optimize.minimize(
        lambda b: float(-(w / w.mean() * ((y > q1) * (xs @ b) - np.logaddexp(0.0, xs @ b))).sum()),
        np.zeros(xs.shape[1]),
        method="BFGS",
    ).x
    spacing = np.log((np.arange(1, q + 1) / (q + 1)) / (1 - np.arange(1, q + 1) / (q + 1)))
    gammas = -from_glm[0] + spacing - spacing[q1 - 1]
    start = np.concatenate([from_glm[1:], [gammas[0]], np.log(np.diff(gammas))])
    par = _fit(lik, start)
    infl = np.zeros((design.n, len(par)))
    infl[rows] = lik.scores(par) @ np.linalg.inv(r_hessian(lik, par))
    cov = design.variance(infl, d)
    names = list(x_df.columns) + [f"{a}|{b}" for a, b in itertools.pairwise(levels)]
    return OLRResult(
        params=pd.Series(par, index=names),
        bse=pd.Series(np.sqrt(np.maximum(np.diag(cov), 0.0)), index=names),
        cov_params=pd.DataFrame(cov, index=names, columns=names),
        df_resid=float(design.degf(d) - x.shape[1]),
        nobs=len(rows),
        formula=formula,
        levels=tuple(levels),
    )
