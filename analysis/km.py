"""Design-weighted survival curves (time to close a complaint), as R's ``svykm``.

When complaints are sampled with unequal probabilities (every complaint of a small unit,
one in ten of a large one), the unweighted Kaplan-Meier curve describes the sample, not the
agency. ``svykm`` weights each complaint by its sampling weight. With ``se=True`` (R's
``se = TRUE``) the curve is exp(−Λ(t)), Λ the weighted Nelson-Aalen cumulative hazard, one
step per closure, and its variance on the log scale is the design variance of the
linearised Λ (R ``km.stderr``; Lumley 2010 §9.2). With ``se=False`` it is the weighted
product-limit estimator at each distinct time, starting at time 0 (R ``svykm.fit``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.core import DesignCore

__all__ = ["KMCurve", "svykm"]


@dataclass(frozen=True)
class KMCurve:
    """A survival curve: ``time``, ``surv`` and (with ``se=True``) ``varlog``, the variance
    of log S(t)."""

    time: np.ndarray
    surv: np.ndarray
    varlog: np.ndarray | None

    def _index(self, t: float) -> int:
        at = np.flatnonzero(self.time <= t)
        if len(at) == 0:
            raise ValueError(f"time {t!r} is before the first event time {self.time[0]!r}")
        return int(at[-1])

    def at(self, t: float) -> float:
        """S(t): the curve at the last step at or before ``t``."""
        return float(self.surv[self._index(t)])

    def ci(self, t: float, level: float = 0.95) -> tuple[float, float]:
        """R ``confint.svykm``: exp(log S ± z·sqrt(varlog)), the upper end capped at 1."""
        if self.varlog is None:
            raise ValueError("no standard errors: fit with se=True")
        i = self._index(t)
        z = float(stats.norm.ppf(1 - (1 - level) / 2))
        s = math.log(self.surv[i])
        half = z * math.sqrt(self.varlog[i])
        return (math.exp(s - half), min(math.exp(s + half), 1.0))

    def quantile(self, p: float) -> float:
        """R ``quantile.svykm``: the first time the curve is at or below ``p`` (inf if never)."""
        below = np.flatnonzero(self.surv <= p)
        return float(self.time[below[0]]) if len(below) else math.inf


def svykm(design: DesignCore, time: str, event: str, se: bool = True) -> KMCurve:
    """Design-weighted survival curve of ``time`` with ``event`` (1 = closed, 0 = censored).

    Rows missing either value drop out as a domain, as R.
    """
    t = design.column(time)
    s = design.column(event)
    d = design.domain_mask() & ~np.isnan(t) & ~np.isnan(s)
    if not set(np.unique(s[d])) <= {0.0, 1.0}:
        raise ValueError(f"event column {event!r} must be 0 (censored) or 1 (event)")
    if (t[d] < 0).any():
        raise ValueError(f"time column {time!r} has negative values")
    w = np.where(d, design.row_weights, 0.0)
    if not se:
        times, inv = np.unique(t[d], return_inverse=True)
        wd = w[d]
        events = np.bincount(inv, weights=wd * s[d])
        at_risk_leaving = np.bincount(inv, weights=wd)
        total = wd.sum()
        n_risk = np.concatenate([[total, total], total - np.cumsum(at_risk_leaving[:-1])])
        dd = np.concatenate([[0.0], events])
        surv = np.maximum(0.0, np.cumprod(1 - dd / n_risk))
        return KMCurve(np.concatenate([[0.0], times]), surv, None)
    keep = np.flatnonzero(d & (s == 1) & (w != 0))
    keep = keep[np.argsort(t[keep], kind="stable")]
    tk = t[keep]
    # at risk (weighted) and events at each closure, in order
    y = np.array([w[d & (t >= x)].sum() for x in tk])
    dn = w[keep]
    h = np.cumsum(dn / y)
    # linearised cumulative hazard after each closure: each row's influence
    n = design.n
    k = len(keep)
    z = np.zeros((n, k))
    z[keep, np.arange(k)] += w[keep] / y
    rows = np.flatnonzero(d)
    at_risk = t[rows][:, None] >= tk[None, :]
    z[rows] -= at_risk * (w[rows][:, None] * dn[None, :] / y[None, :] ** 2)
    z = np.cumsum(z, axis=1)
    v = design.variance(z, d)
    return KMCurve(tk, np.exp(-h), np.diag(v).copy())
