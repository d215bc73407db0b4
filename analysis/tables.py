"""Weighted tables, tests of independence and the population variance, as R's ``svytable``,
``svychisq`` and ``svyvar`` (survey 4.1).

``svychisq`` offers R's statistics: ``"F"`` (Rao & Scott's second-order correction, the
default), ``"Chisq"`` (the first-order correction: Pearson's X² over the mean generalised
design effect, on chi-square), ``"Wald"`` and ``"adjWald"`` (the design-based Wald test of
the interaction cells, Koch et al. 1975; adjusted as Thomas & Rao 1987), and ``"lincom"`` /
``"saddlepoint"``: the exact asymptotic distribution of Pearson's X² (a linear combination
of chi-squares, with the design df in the denominator) by Kuonen's (1999) saddlepoint
approximation, which is what R computes for both when the CompQuadForm package is absent,
as on Debian.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats

from analysis.core import DesignCore
from analysis.estimate import Estimate

__all__ = [
    "CHISQ_STATISTICS",
    "ChisqTest",
    "parse_two_way",
    "second_order",
    "svychisq",
    "svytable",
    "svyvar",
]

CHISQ_STATISTICS = ("F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint")


@dataclass(frozen=True)
class ChisqTest:
    """R ``svychisq``'s ``htest``: the statistic, its df (``ndf``, ``ddf``; ``ddf`` is
    infinite for ``"Chisq"``, NaN for the saddlepoint tests) and p-value; ``pearson`` is the
    unadjusted X² on the weighted table scaled to the number of rows."""

    statistic: float
    ndf: float
    ddf: float
    p_value: float
    pearson: float
    method: str


def parse_two_way(formula: str) -> list[str]:
    """The variables of ``"~a + b"`` (or ``"~a"``)."""
    text = formula.strip()
    if not text.startswith("~"):
        raise ValueError(f"formula must look like '~row + col', got {formula!r}")
    names = [t.strip() for t in text[1:].split("+")]
    if not names or any(not n for n in names):
        raise ValueError(f"formula must look like '~row + col', got {formula!r}")
    return names


def svytable(design: DesignCore, formula: str) -> pd.Series | pd.DataFrame:
    """Weighted counts (R ``svytable``): a Series for ``"~a"``, rows x columns for ``"~a + b"``.

    Every level of each variable appears (R's factor levels); missing values are left out.
    """
    names = parse_two_way(formula)
    if len(names) > 2:
        raise ValueError("svytable here takes one or two variables")
    w = np.where(design.domain_mask(), design.row_weights, 0.0)
    codes = []
    levels = []
    for v in names:
        lv = design.levels(v)
        codes.append(pd.Categorical(design.data[v], categories=lv).codes)
        levels.append(lv)
    ok = np.all([c >= 0 for c in codes], axis=0)
    if len(names) == 1:
        t = np.bincount(codes[0][ok], weights=w[ok], minlength=len(levels[0]))
        return pd.Series(t, index=pd.Index(levels[0], name=names[0]), name="weight")
    nr, nc = len(levels[0]), len(levels[1])
    t = np.bincount(codes[0][ok] * nc + codes[1][ok], weights=w[ok], minlength=nr * nc)
    return pd.DataFrame(
        t.reshape(nr, nc),
        index=pd.Index(levels[0], name=names[0]),
        columns=pd.Index(levels[1], name=names[1]),
    )


def _saddle(x: float, lam: np.ndarray) -> float:
    """R ``saddle``: upper tail of Σ lam_i χ²_1 at x (Kuonen 1999), NaN near the mean."""
    d = float(lam.max())
    lam = lam / d
    x = x / d

    def k0(z: float) -> float:
        return float(-np.sum(np.log(1 - 2 * z * lam)) / 2)

    def k1(z: float) -> float:
        return float(np.sum(lam / (1 - 2 * z * lam)))

    def k2(z: float) -> float:
        return float(2 * np.sum(lam**2 / (1 - 2 * z * lam) ** 2))

    if (lam < 0).any():
        lmin = float(np.max(1 / (2 * lam[lam < 0]))) * 0.99999
    elif x > lam.sum():
        lmin = -0.01
    else:
        lmin = -len(lam) / (2 * x)
    lmax = float(np.min(1 / (2 * lam[lam > 0]))) * 0.99999
    z = optimize.brentq(lambda t: k1(t) - x, lmin, lmax, xtol=1e-12, rtol=1e-12)
    w = math.copysign(math.sqrt(2 * (z * x - k0(z))), z)
    v = z * math.sqrt(k2(z))
    if abs(z) < 1e-4:
        return math.nan
    return float(stats.norm.sf(w + math.log(v / w) / w))


def _p_lincom(x: float, a: np.ndarray, ddf: float) -> float:
    """R ``pFsum(x, 1, a, ddf, lower.tail=FALSE, method="saddlepoint")``."""
    tr = a.mean()
    tr2 = (a**2).mean() / tr**2
    ndf = len(a) / tr2
    guess = float(stats.f.sf(x / ndf / (tr * tr2), ndf, ddf))
    lam = np.concatenate([a, np.full(int(ddf), -x / ddf)])
    s = _saddle(0.0, lam)
    return guess if math.isnan(s) else s


def _codes(design: DesignCore, row: str, col: str) -> tuple[np.ndarray, np.ndarray, int, int]:
    rl = design.levels(row)
    cl = design.levels(col)
    if len(rl) < 2 or len(cl) < 2:
        raise ValueError(f"{row!r} and {col!r} need at least two levels each")
    r = pd.Categorical(design.data[row], categories=rl).codes.astype(np.int64)
    c = pd.Categorical(design.data[col], categories=cl).codes.astype(np.int64)
    return r, c, len(rl), len(cl)


def _wald(
    design: DesignCore, r: np.ndarray, c: np.ndarray, nr: int, nc: int, d: np.ndarray
) -> float:
    """R's Wald statistic: the interaction cells' deviations from independence, in totals."""
    w = np.where(d, design.row_weights, 0.0)
    cell = np.where(d, r + nr * c, -1)
    cols = (
        [(cell == k) * 1.0 for k in range(nr * nc)]
        + [(d & (r == i)) * 1.0 for i in range(nr)]
        + [(d & (c == j)) * 1.0 for j in range(nc)]
        + [d * 1.0]
    )
    x = np.column_stack(cols)
    totals = w @ x
    v = design.variance(x * w[:, None], d)
    rows_t = totals[nr * nc : nr * nc + nr]
    cols_t = totals[nr * nc + nr : nr * nc + nr + nc]
    n = totals[-1]
    rr = np.tile(np.arange(nr), nc)
    cc = np.repeat(np.arange(nc), nr)
    jcb = np.column_stack(
        [
            np.eye(nr * nc),
            -(rr[:, None] == np.arange(nr)).astype(float) * cols_t[cc][:, None] / n,
            -(cc[:, None] == np.arange(nc)).astype(float) * rows_t[rr][:, None] / n,
            (np.outer(rows_t, cols_t).ravel(order="F") / n**2)[:, None],
        ]
    )
    y = totals[: nr * nc] - np.outer(rows_t, cols_t).ravel(order="F") / n
    vv = jcb @ v @ jcb.T
    use = np.arange(nr * nc).reshape(nc, nr).T[1:, 1:].ravel(order="F")
    return float(y[use] @ np.linalg.solve(vv[np.ix_(use, use)], y[use]))


def second_order(
    est: np.ndarray,
    v: np.ndarray,
    n_rows: float,
    nu: float,
    nr: int,
    nc: int,
    statistic: str = "F",
    pearson: float | None = None,
) -> ChisqTest:
    """Rao and Scott's corrections of Pearson's X² from the table's cell means ``est``
    (cells ordered row level fastest: cell ``r + nr * c``), their design covariance ``v``,
    the rows ``n_rows`` the table is scaled to and the design df ``nu``: what
    :func:`svychisq` computes once it has these (also from per-stratum sums,
    ``analysis.strata.two_way``). ``statistic``: ``"F"``, ``"Chisq"``, ``"lincom"`` or
    ``"saddlepoint"`` (the Wald tests need the rows)."""
    if statistic not in ("F", "Chisq", "lincom", "saddlepoint"):
        raise ValueError(f"statistic {statistic!r} needs the rows (or is unknown)")
    est, v, nr, nc, dropped = _without_empty_levels(est, v, nr, nc)
    if nr < 2 or nc < 2:
        nan = math.nan
        return ChisqTest(nan, nan, nan, nan, nan, "Rao-Scott (fewer than two levels with answers)")
    if pearson is None or dropped:
        table = (est * n_rows).reshape(nc, nr).T
        expected = np.outer(table.sum(1), table.sum(0)) / table.sum()
        pearson = float(((table - expected) ** 2 / expected).sum())
    k = (nr - 1) * (nc - 1)
    if not np.any(v):
        # No sampling variance at all (every stratum's answers are equal): the table is
        # known exactly, so any association in it is certain (p 0) and none is p 1, as
        # Estimate.t_test decides a difference with a standard error of 0.
        certain = pearson > 0
        return ChisqTest(
            math.inf if certain else 0.0,
            float(k),
            math.inf,
            0.0 if certain else 1.0,
            pearson,
            "Rao-Scott (no sampling variance)",
        )
    rr = np.tile(np.arange(nr), nc)
    cc = np.repeat(np.arange(nc), nr)
    x1 = np.column_stack(
        [np.ones(nr * nc)]
        + [(rr == i) * 1.0 for i in range(1, nr)]
        + [(cc == j) * 1.0 for j in range(1, nc)]
    )
    x12 = np.column_stack(
        [((rr == i) & (cc == j)) * 1.0 for j in range(1, nc) for i in range(1, nr)]
    )
    cmat = x12 - x1 @ np.linalg.lstsq(x1, x12, rcond=None)[0]
    idm = np.diag(np.where(est == 0, 0.0, 1.0 / np.where(est == 0, 1.0, est)))
    denom = cmat.T @ (idm / n_rows) @ cmat
    numr = cmat.T @ idm @ v @ idm @ cmat
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    d0 = tr**2 / float(np.trace(delta @ delta))
    if statistic == "F":
        f = pearson / tr
        return ChisqTest(f, d0, d0 * nu, float(stats.f.sf(f, d0, d0 * nu)), pearson, "Rao-Scott F")
    if statistic == "Chisq":
        p = float(stats.chi2.sf(pearson / float(np.mean(np.diag(delta))), k))
        return ChisqTest(pearson, float(k), math.inf, p, pearson, "Rao-Scott chi-square")
    eig = np.linalg.eigvals(delta).real
    p = _p_lincom(pearson, eig, d0 * nu)
    return ChisqTest(pearson, math.nan, math.nan, p, pearson, f"{statistic} (saddlepoint)")


def _without_empty_levels(
    est: np.ndarray, v: np.ndarray, nr: int, nc: int
) -> tuple[np.ndarray, np.ndarray, int, int, bool]:
    """The table without rows or columns that hold no answer (a group listed but never
    answered): their expected counts are 0 and would make X² 0/0. Cells are ordered row
    level fastest (cell ``r + nr * c``)."""
    table = est.reshape(nc, nr).T
    rows = np.flatnonzero(table.sum(1) > 0)
    cols = np.flatnonzero(table.sum(0) > 0)
    if len(rows) == nr and len(cols) == nc:
        return est, v, nr, nc, False
    cells = (rows[:, None] + nr * cols[None, :]).T.ravel()
    return est[cells], v[np.ix_(cells, cells)], len(rows), len(cols), True


def svychisq(design: DesignCore, row: str, col: str, statistic: str = "F") -> ChisqTest:
    """Test of independence of ``row`` and ``col`` (R ``svychisq(~row + col, statistic=)``).

    On a domain the design df counts the domain's clusters and strata, as R on the subset
    (a calibrated design keeps all its rows in R, hence the full design's df).
    """
    if statistic not in CHISQ_STATISTICS:
        raise ValueError(f"statistic must be one of {CHISQ_STATISTICS}, got {statistic!r}")
    r, c, nr, nc = _codes(design, row, col)
    d = design.domain_mask() & (r >= 0) & (c >= 0)
    kept = np.ones(design.n, dtype=bool) if design.is_calibrated else design.domain_mask()
    nu = float(design.group_degf(kept, np.zeros(design.n, dtype=np.int64), 1)[0])
    cell = np.where(d, r + nr * c, -1)
    y = np.column_stack([(cell == k).astype(float) for k in range(nr * nc)])
    est, v, _ = design.mean_block(y, d, f"table of {row!r} by {col!r}")
    n_rows = design.nrow(design.domain_mask())
    table = (est * n_rows).reshape(nc, nr).T
    expected = np.outer(table.sum(1), table.sum(0)) / table.sum()
    pearson = float(((table - expected) ** 2 / expected).sum())
    k = (nr - 1) * (nc - 1)
    if statistic in ("Wald", "adjWald"):
        wald = _wald(design, r, c, nr, nc, d)
        if statistic == "Wald":
            f, ddf = wald / k, nu
        else:
            ddf = nu - k + 1
            f = wald * ddf / (k * nu)
        return ChisqTest(
            f, float(k), ddf, float(stats.f.sf(f, k, ddf)), pearson, f"design-based {statistic}"
        )
    return second_order(est, v, n_rows, nu, nr, nc, statistic, pearson)


def svyvar(design: DesignCore, col: str, na_rm: bool = False) -> Estimate:
    """Population variance of ``col`` (R ``svyvar``): the design mean of n/(n-1)·(y - ȳ)².

    As R, n counts the domain's rows with nonzero weight (before ``na_rm`` drops any) and
    ȳ is held fixed in the standard error.
    """
    y = design.column(col)
    dom = design.domain_mask()
    n = int((dom & (design.row_weights != 0)).sum())
    d = design.usable(y, col, na_rm)
    est, _, _ = design.mean_block(y[:, None], d, f"var of {col!r}")
    c = n / (n - 1) if n > 1 else math.nan
    z = np.where(d, (y - est[0]) ** 2 * c, 0.0)
    m, v, _ = design.mean_block(z[:, None], d, f"var of {col!r}")
    return Estimate(
        float(m[0]), math.sqrt(max(float(v[0, 0]), 0.0)), design.degf(d), math.nan, col, "variance"
    )
