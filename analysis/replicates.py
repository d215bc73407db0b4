"""Replicate-weight designs, as R's ``svrepdesign`` and ``as.svrepdesign`` (survey 4.1).

A replicate-weight design carries, besides the sampling weights, R sets of replicate
weights; the variance of any statistic is the spread of its R re-estimates,
``scale · Σ_r rscales_r (θ_r − θ̄)²`` (R ``svrVar``: θ̄ the mean of the replicates, or the
full-sample estimate with ``mse=True``). Open-data files can publish these weights instead
of the strata and clusters (Lumley 2010 ch. 2.3; Wolter 2007).

:func:`replicate_weights` builds them from a :class:`analysis.core.DesignCore` as R's
``as.svrepdesign`` does: delete-one-PSU jackknives (``JK1`` unstratified, ``JKn``
stratified, with R's scales and finite population corrections), balanced repeated
replication (``BRR``, two PSUs per stratum, R's Sylvester Hadamard matrices) and the
Rao-Wu bootstrap (``bootstrap``, R's ``bootweights``; our random numbers, not R's).

Replicate weights are kept compressed when they come from a design: one row per PSU and an
index from rows to PSUs, so a replicate total is a PSU sum followed by a small matrix
product; a million rows with fifty replicates take milliseconds.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.checks import check_binary
from analysis.checks import check_by_arguments
from analysis.ciprop import CIPROP_METHODS
from analysis.ciprop import proportion_estimate
from analysis.core import DataColumns
from analysis.core import DesignCore
from analysis.estimate import Estimate
from analysis.estimate import Estimates
from analysis.quantile import qrule as apply_qrule
from analysis.quantile import quantile_estimate
from analysis.regression import GLMResult
from analysis.regression import glm_family
from analysis.regression import model_frame

__all__ = [
    "REPLICATE_TYPES",
    "ReplicateDesign",
    "ReplicateWeights",
    "hadamard",
    "replicate_weights",
]

#: Types ``ReplicateDesign`` accepts (R ``svrepdesign``); ``replicate_weights`` builds the first four.
REPLICATE_TYPES = ("JK1", "JKn", "bootstrap", "BRR", "successive-difference", "other")


@dataclass(frozen=True)
class ReplicateWeights:
    """Replicate weights in compressed form: ``table[index[i], r]`` multiplies row i's weight."""

    table: np.ndarray  # (units, replicates)
    index: np.ndarray  # (rows,) row -> unit
    scale: float
    rscales: np.ndarray
    type: str


def _first_appearance(codes: np.ndarray) -> np.ndarray:
    """Codes renumbered in order of first appearance (R ``unique``)."""
    _, first = np.unique(codes, return_index=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def hadamard(n: int) -> np.ndarray:
    """A 0/1 Sylvester Hadamard matrix with at least ``n + 1`` rows (R ``hadamard``).

    R uses these (Sylvester's construction, 1 where popcount(i & j) is even) whenever its
    choice is a power of two; for other sizes R takes a stored or Paley matrix, and ours is
    the next power of two: still fully balanced, with more replicates.
    """
    size = 4
    while size < n + 1:
        size *= 2
    i = np.arange(size)
    bits = np.bitwise_and.outer(i, i)
    parity = np.zeros_like(bits)
    while bits.any():
        parity ^= bits & 1
        bits >>= 1
    return np.asarray(parity == 0, dtype=float)


def _psu_strata(design: DesignCore) -> tuple[np.ndarray, np.ndarray, int]:
    """PSU code per row, stratum code per PSU, number of PSUs."""
    psu = design.psu_codes
    n_psu = int(psu.max()) + 1
    stratum_of_psu = np.zeros(n_psu, dtype=np.int64)
    stratum_of_psu[psu] = design.stratum_codes
    return psu, stratum_of_psu, n_psu


def _psu_fraction(design: DesignCore, stratum_of_psu: np.ndarray, n_psu: int) -> np.ndarray:
    """(N - n)/N per stratum from the first-stage fpc (R ``jk1weights``), 1 without fpc."""
    n_strata = int(stratum_of_psu.max()) + 1
    pop = design.first_stage_population()
    if pop is None:
        return np.ones(n_strata)
    if design.stage_count > 1:
        warnings.warn(
            "finite population corrections after the first stage are dropped in the "
            "replicate weights (as R's as.svrepdesign)",
            stacklevel=4,
        )
    per = np.zeros(n_strata)
    per[design.stratum_codes] = pop
    n_h = np.bincount(stratum_of_psu, minlength=n_strata).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isinf(per), 1.0, (per - n_h) / per)


def _jackknife(design: DesignCore, stratified: bool) -> ReplicateWeights:
    """R ``jk1weights`` / ``jknweights``: one replicate per PSU, that PSU deleted."""
    psu, stratum_of_psu, n_psu = _psu_strata(design)
    if not stratified:
        stratum_of_psu = np.zeros(n_psu, dtype=np.int64)
    n_strata = int(stratum_of_psu.max()) + 1
    n_h = np.bincount(stratum_of_psu, minlength=n_strata)
    fpc = _psu_fraction(design, stratum_of_psu, n_psu)
    columns: list[np.ndarray] = []
    rscales: list[float] = []
    lonely = design.lonely_psu
    skipped = 0
    order = np.argsort(_first_appearance(psu), kind="stable")
    # strata and PSUs in order of first appearance, as R's columns
    for h in np.argsort(_first_appearance(stratum_of_psu[psu]), kind="stable"):
        members = order[stratum_of_psu[order] == h]
        nh = int(n_h[h])
        if fpc[h] == 0:  # a census stratum: R drops its replicates
            continue
        if nh == 1:
            if lonely == "fail":
                raise ValueError(
                    f"stratum {design.stratum_labels[h]!r} has only one PSU; pass "
                    "lonely_psu='remove', 'certainty', 'adjust' or 'average' to the design"
                )
            if lonely == "adjust":
                col = np.where(stratum_of_psu == h, 0.0, n_strata / (n_strata - 1))
                columns.append(col)
                rscales.append((n_strata - 1) / n_strata)
            else:
                skipped += 1
            continue
        for k in members:
            col = np.ones(n_psu)
            col[members] = nh / (nh - 1)
            col[k] = 0.0
            columns.append(col)
            rscales.append(float(fpc[h] * (nh - 1) / nh))
    if not columns:
        raise ValueError("every stratum was sampled exhaustively: there is no sampling variance")
    table = np.column_stack(columns)
    scale = 1.0
    if lonely == "average" and skipped:
        scale = n_psu / len(columns)
    if not stratified:
        return ReplicateWeights(table, psu, float(rscales[0]), np.ones(len(columns)), "JK1")
    return ReplicateWeights(table, psu, scale, np.array(rscales), "JKn")


def _brr(design: DesignCore) -> ReplicateWeights:
    """R ``brrweights``: half-samples from a Hadamard matrix, two PSUs per stratum."""
    psu, stratum_of_psu, n_psu = _psu_strata(design)
    n_strata = int(stratum_of_psu.max()) + 1
    n_h = np.bincount(stratum_of_psu, minlength=n_strata)
    if (n_h != 2).any():
        raise ValueError(
            "BRR needs exactly two PSUs in every stratum; "
            f"strata have {sorted(set(n_h.tolist()))} PSUs"
        )
    if design.first_stage_population() is not None:
        warnings.warn("finite population correction dropped in BRR (as R)", stacklevel=3)
    # strata in R's character order, PSUs within a stratum in order of first appearance
    labels = [str(v) for v in design.stratum_labels]
    pair_of_stratum = np.empty(n_strata, dtype=np.int64)
    pair_of_stratum[np.argsort(labels, kind="stable")] = np.arange(n_strata)
    first = _first_appearance(psu)
    h_mat = hadamard(n_strata)
    table = np.zeros((n_psu, h_mat.shape[1]))
    for h in range(n_strata):
        a, b = sorted(np.flatnonzero(stratum_of_psu == h), key=lambda k: first[k])
        row = h_mat[1 + pair_of_stratum[h]]
        table[a] = 2.0 * row
        table[b] = 2.0 * (1.0 - row)
    r = table.shape[1]
    return ReplicateWeights(table, psu, 1.0 / r, np.ones(r), "BRR")


def _bootstrap(design: DesignCore, replicates: int, seed: int | None) -> ReplicateWeights:
    """R ``bootweights``: n_h PSUs drawn with replacement in each stratum (Rao & Wu 1988).

    With a first-stage fpc the draw is without replacement from the PSUs repeated up to
    the stratum's population, as R. Our random numbers are numpy's, not R's.
    """
    rng = np.random.default_rng(seed)
    psu, stratum_of_psu, n_psu = _psu_strata(design)
    n_strata = int(stratum_of_psu.max()) + 1
    pop = design.first_stage_population()
    per_pop = np.zeros(n_strata)
    if pop is not None:
        per_pop[design.stratum_codes] = pop
    table = np.zeros((n_psu, replicates))
    for h in range(n_strata):
        members = np.flatnonzero(stratum_of_psu == h)
        nh = len(members)
        if pop is None or np.isinf(per_pop[h]):
            table[members] = rng.multinomial(nh, np.full(nh, 1 / nh), size=replicates).T
        else:
            big = int(per_pop[h])
            pool = np.resize(np.arange(nh), big)
            for r in range(replicates):
                draw = rng.choice(pool, size=nh, replace=False)
                table[members, r] = np.bincount(draw, minlength=nh)
    psu_per_stratum = 1 / np.mean(1 / np.bincount(stratum_of_psu))
    scale = psu_per_stratum / ((psu_per_stratum - 1) * (replicates - 1))
    return ReplicateWeights(table, psu, float(scale), np.ones(replicates), "bootstrap")


def replicate_weights(
    design: DesignCore, type: str, replicates: int | None = None, seed: int | None = None
) -> ReplicateWeights:
    """Replicate weights of ``design`` as R's ``as.svrepdesign(design, type=)``."""
    if type not in ("JK1", "JKn", "bootstrap", "BRR"):
        raise ValueError(f"type must be 'JK1', 'JKn', 'bootstrap' or 'BRR', got {type!r}")
    if design.is_calibrated or design.is_domain:
        raise ValueError("build replicate weights from the full, uncalibrated design")
    if type == "JK1":
        if design.has_strata:
            raise ValueError("JK1 is for unstratified designs; use type='JKn'")
        return _jackknife(design, stratified=False)
    if type == "JKn":
        if not design.has_strata:
            raise ValueError("JKn needs a stratified design; use type='JK1' or 'bootstrap'")
        return _jackknife(design, stratified=True)
    if type == "BRR":
        if not design.has_strata:
            raise ValueError("BRR needs a stratified design with two PSUs per stratum")
        return _brr(design)
    n_rep = 50 if replicates is None else int(replicates)
    if n_rep < 2:
        raise ValueError(f"bootstrap needs at least 2 replicates, got {replicates!r}")
    return _bootstrap(design, n_rep, seed)


def _rank(m: np.ndarray) -> int:
    """Numerical rank as R's ``qr(tol = 1e-5)$rank``, through the Gram matrix when tall."""
    if m.size == 0:
        return 0
    if m.shape[0] > 4 * m.shape[1]:
        gram = m.T @ m
        ev = np.linalg.eigvalsh(gram)
        return int((ev > ev.max() * 1e-10).sum()) if ev.max() > 0 else 0
    return int(np.linalg.matrix_rank(m, tol=None))


class ReplicateDesign(DataColumns):
    """A survey design whose variances come from replicate weights (R ``svrepdesign``).

    ``repweights``: the replicate-weight columns of ``data`` (combined weights: the
    replicate's full analysis weight, R's default ``combined.weights=TRUE``); ``weights``:
    the sampling-weight column. ``type`` sets R's defaults: ``"BRR"`` scale 1/R,
    ``"JK1"`` (R-1)/R, ``"bootstrap"`` 1/(R-1), ``"JKn"`` needs ``rscales``,
    ``"successive-difference"`` 4/R, ``"other"`` 1. ``scale`` and ``rscales`` override them.
    ``mse=True`` centres the replicates on the full-sample estimate instead of their mean.

    Domains (``subset``, ``by``, ``na_rm``) drop rows, as R's ``[.svyrep.design``: the
    replicate weights already carry the design, and the degrees of freedom of a domain are
    the rank of its replicate weights minus one (R ``degf``).
    """

    def __init__(
        self,
        data: pd.DataFrame,
        repweights: Sequence[str],
        weights: str | None = None,
        type: str = "BRR",
        scale: float | None = None,
        rscales: Sequence[float] | float | None = None,
        mse: bool = False,
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise ValueError(f"data must be a pandas DataFrame, got {data.__class__.__name__}")
        if type not in REPLICATE_TYPES:
            raise ValueError(f"type must be one of {REPLICATE_TYPES}, got {type!r}")
        cols = [repweights] if isinstance(repweights, str) else list(repweights)
        missing = [c for c in cols + ([weights] if weights else []) if c not in data.columns]
        if missing:
            raise ValueError(f"columns {missing} are not in the data")
        if not cols:
            raise ValueError("repweights must name at least one column")
        table = data[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        if np.isnan(table).any():
            raise ValueError("replicate weights must be numbers without missing values")
        if (table < 0).any():
            raise ValueError("replicate weights must not be negative")
        if weights is None:
            warnings.warn("no sampling weights given: equal probability assumed", stacklevel=2)
            pw = np.ones(len(data))
        else:
            pw = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
            if np.isnan(pw).any() or (pw < 0).any():
                raise ValueError(f"weights column {weights!r} must be non-negative numbers")
        r = table.shape[1]
        rs = np.ones(r)
        if rscales is not None:
            rs = np.broadcast_to(np.asarray(rscales, dtype=float), (r,)).copy()
        defaults = {
            "BRR": 1 / r,
            "JK1": (r - 1) / r,
            "bootstrap": 1 / (r - 1) if r > 1 else 1.0,
            "successive-difference": 4 / r,
        }
        if type == "JKn" and rscales is None:
            raise ValueError("type='JKn' with combined weights needs rscales ((n_h - 1)/n_h)")
        sc = float(scale) if scale is not None else defaults.get(type, 1.0)
        self._init(
            data,
            pw,
            ReplicateWeights(table, np.arange(len(data)), sc, rs, type),
            np.ones(len(data)),
            mse,
        )

    def _init(
        self,
        data: pd.DataFrame,
        pweights: np.ndarray,
        rw: ReplicateWeights,
        factor: np.ndarray,
        mse: bool,
    ) -> None:
        self.data = data
        self._pw = pweights
        self._rw = rw
        self._factor = factor  # row multiplier of the table (the sampling weight when not combined)
        self.mse = mse
        self._domain = None
        self._degf_full: int | None = None
        # given weights are one row per data row: sums need no grouping
        self._per_row = rw.table.shape[0] == len(data) and bool(
            np.array_equal(rw.index, np.arange(len(data)))
        )

    @classmethod
    def from_design(
        cls, design: DesignCore, rw: ReplicateWeights, mse: bool = False
    ) -> ReplicateDesign:
        """The design's data and weights with replicate weights ``rw`` (R ``as.svrepdesign``)."""
        new = cls.__new__(cls)
        w = design.row_weights
        new._init(design.data, w.copy(), rw, w.copy(), mse)
        return new

    # ------------------------------------------------------------------ what it holds
    @property
    def type(self) -> str:
        """R's replicate type."""
        return self._rw.type

    @property
    def scale(self) -> float:
        """R's ``scale``."""
        return self._rw.scale

    @property
    def rscales(self) -> np.ndarray:
        """R's ``rscales``."""
        return self._rw.rscales

    @property
    def weights_table(self) -> ReplicateWeights:
        """The replicate weights in compressed form (one row per PSU when built from a
        design): what an open-data file publishes, at a fraction of the size."""
        return self._rw

    @property
    def n_replicates(self) -> int:
        """Number of replicates."""
        return int(self._rw.table.shape[1])

    @property
    def n(self) -> int:
        """Rows of the data."""
        return len(self.data)

    @property
    def row_weights(self) -> np.ndarray:
        """Sampling weights of every row, the domain ignored."""
        return self._pw

    @property
    def weights(self) -> pd.Series:
        """Sampling weights; zero outside the domain."""
        return pd.Series(
            np.where(self.domain_mask(), self._pw, 0.0), index=self.data.index, name="weight"
        )

    def replicate_weights(self) -> pd.DataFrame:
        """Every row's analysis weight in every replicate (R ``weights(design, "analysis")``)."""
        m = self._rw.table[self._rw.index] * self._factor[:, None]
        m = np.where(self.domain_mask()[:, None], m, 0.0)
        return pd.DataFrame(
            m, index=self.data.index, columns=[f"rep{i + 1}" for i in range(m.shape[1])]
        )

    def __repr__(self) -> str:
        parts = [f"{self.n} rows", f"{self.type}", f"{self.n_replicates} replicates"]
        if self._domain is not None:
            parts.append(f"domain of {int(self._domain.sum())} rows")
        return f"ReplicateDesign({', '.join(parts)})"

    # ------------------------------------------------------------------ primitives
    def _sums(self, x: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Full-sample and replicate weighted sums of the columns of ``x`` over rows ``d``."""
        if x.ndim == 1:
            x = x[:, None]
        x = np.where(d[:, None], x, 0.0)
        full = self._pw @ x
        rw = self._rw
        fx = x * self._factor[:, None]
        m = rw.table.shape[0]
        if self._per_row:
            grouped = fx
        else:
            grouped = np.column_stack(
                [np.bincount(rw.index, weights=fx[:, j], minlength=m) for j in range(x.shape[1])]
            )
        return np.asarray(full), np.asarray(rw.table.T @ grouped)

    def replicate_variance(self, thetas: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """R ``svrVar``: covariance of the estimates ``coef`` from their replicates (R, p).

        Replicates with a missing result are dropped with a warning, as R.
        """
        if thetas.ndim == 1:
            thetas = thetas[:, None]
        rscales = self._rw.rscales
        bad = np.isnan(thetas).any(axis=1)
        if bad.any():
            if bad.all():
                raise ValueError("every replicate gave a missing result")
            warnings.warn(
                f"{int(bad.sum())} replicates gave NA results and were discarded", stacklevel=3
            )
            thetas = thetas[~bad]
            rscales = rscales[~bad]
        centre = coef if self.mse else thetas[rscales > 0].mean(axis=0)
        dev = (thetas - centre) * np.sqrt(rscales)[:, None]
        return np.asarray(dev.T @ dev * self._rw.scale)

    def degf(self, mask: np.ndarray | None = None) -> int:
        """R ``degf``: rank of the domain's replicate weights minus one."""
        if mask is None and self._domain is None and self._degf_full is not None:
            return self._degf_full
        d = self.domain_mask() if mask is None else mask
        rw = self._rw
        rows = d & (self._factor != 0)
        # a row's analysis weights are its unit's replicate weights times a positive factor
        rank = _rank(rw.table[np.unique(rw.index[rows])]) - 1
        if mask is None and self._domain is None:
            self._degf_full = rank
        return rank

    def nrow(self, d: np.ndarray) -> int:
        """R ``nrow(design)`` of a domain: its rows (R drops the others)."""
        return int(d.sum())

    def _means(self, x: np.ndarray, d: np.ndarray, label: str) -> tuple[np.ndarray, np.ndarray]:
        """Means of the columns of ``x`` over ``d``: full sample (p,) and replicates (R, p)."""
        full, reps = self._sums(np.column_stack([np.ones(len(self.data)), x]), d)
        if not full[0] > 0:
            raise ValueError(f"{label}: the domain is empty (no rows with positive weight)")
        with np.errstate(divide="ignore", invalid="ignore"):
            return full[1:] / full[0], reps[:, 1:] / reps[:, :1]

    def _estimate(
        self, est: float, thetas: np.ndarray, d: np.ndarray, name: str, stat: str
    ) -> Estimate:
        v = self.replicate_variance(thetas, np.array([est]))[0, 0]
        return Estimate(float(est), math.sqrt(max(v, 0.0)), self.degf(d), math.nan, name, stat)

    # ------------------------------------------------------------------ estimators
    def mean(self, col: str, na_rm: bool = False) -> Estimate:
        """Weighted mean (R ``svymean`` on a ``svyrep.design``)."""
        y = self.column(col)
        d = self.usable(y, col, na_rm)
        est, reps = self._means(y[:, None], d, f"mean of {col!r}")
        return self._estimate(float(est[0]), reps[:, 0], d, col, "mean")

    def total(self, col: str, na_rm: bool = False) -> Estimate:
        """Weighted total (R ``svytotal``)."""
        y = self.column(col)
        d = self.usable(y, col, na_rm)
        full, reps = self._sums(y[:, None], d)
        return self._estimate(float(full[0]), reps[:, 0], d, col, "total")

    def ratio(self, num: str, den: str, na_rm: bool = False) -> Estimate:
        """Ratio of two totals (R ``svyratio``)."""
        y = self.column(num)
        x = self.column(den)
        d = self.usable(y, num, na_rm)
        d = self.usable(x, den, na_rm, d)
        full, reps = self._sums(np.column_stack([y, x]), d)
        if full[1] == 0:
            raise ValueError(f"ratio {num!r}/{den!r}: the denominator total is zero in the domain")
        with np.errstate(divide="ignore", invalid="ignore"):
            thetas = reps[:, 0] / reps[:, 1]
        return self._estimate(float(full[0] / full[1]), thetas, d, f"{num}/{den}", "ratio")

    def var(self, col: str, na_rm: bool = False) -> Estimate:
        """Population variance of ``col`` (R ``svyvar``), n/(n-1) with n the domain's rows."""
        y = self.column(col)
        d = self.usable(y, col, na_rm)
        n = int(d.sum())
        est, reps = self._means(np.column_stack([y, y * y]), d, f"var of {col!r}")
        c = n / (n - 1) if n > 1 else math.nan
        full = c * (est[1] - est[0] ** 2)
        thetas = c * (reps[:, 1] - reps[:, 0] ** 2)
        return self._estimate(float(full), thetas, d, col, "variance")

    def proportion(self, col: str, level: Any = None, na_rm: bool = False) -> Estimate | Estimates:
        """Share of each category (R ``svymean(~factor(col))``); one level gives one Estimate."""
        wanted, x, d = self.category_indicators(col, level, na_rm)
        est, reps = self._means(x, d, f"proportion of {col!r}")
        v = self.replicate_variance(reps, est)
        df = self.degf(d)
        items = {
            lv: Estimate(
                float(est[i]),
                math.sqrt(max(v[i, i], 0.0)),
                df,
                math.nan,
                f"{col}={lv}",
                "proportion",
            )
            for i, lv in enumerate(wanted)
        }
        if level is not None:
            return items[level]
        return Estimates(items, pd.DataFrame(v, index=wanted, columns=wanted))

    def ciprop(self, col: str, method: str = "logit", na_rm: bool = False) -> Estimate:
        """Proportion with R ``svyciprop``'s interval; ``logit`` and ``likelihood`` take the
        replicate variance of the logit, as R's ``svyglm`` on replicate weights does."""
        y = self.column(col)
        d = self.usable(y, col, na_rm)
        check_binary(y[d], col)
        return self._ciprop(y, d, method, col)

    def _ciprop(self, y: np.ndarray, d: np.ndarray, method: str, name: str) -> Estimate:
        if method not in CIPROP_METHODS:
            raise ValueError(f"method must be one of {CIPROP_METHODS}, got {method!r}")
        est, reps = self._means(y[:, None], d, f"ciprop of {name!r}")
        p = float(est[0])
        se = math.sqrt(max(self.replicate_variance(reps, est)[0, 0], 0.0))
        interval_se = se
        fit = None
        w = np.where(d, self._pw, 0.0)
        nrow = self.nrow(d)
        if method == "likelihood":
            raise ValueError(
                "ciprop(method='likelihood') needs a linearisation design (R returns NA on "
                "replicate weights); use 'logit' or 'beta'"
            )
        if method == "logit" and se > 0 and 0.0 < p < 1.0:
            # R: svyglm(y ~ 1, quasibinomial) refitted on every replicate (glm.fit)
            rows = np.flatnonzero(d)
            ones = np.ones((len(rows), 1))
            yy = y[rows]
            b0 = np.array([math.log(p / (1 - p))])
            table = self._rw.table[self._rw.index[rows]] * self._factor[rows, None]
            logits = np.array(
                [
                    glm_fit(ones, yy, table[:, r] / table[:, r].sum(), "quasibinomial", b0)[0]
                    for r in range(table.shape[1])
                ]
            )
            v_logit = self.replicate_variance(logits, b0)[0, 0]
            # the interval functions take the SE of p and divide by p(1 - p) for the logit
            interval_se = math.sqrt(v_logit) * p * (1 - p)
        e = proportion_estimate(
            p,
            interval_se,
            self.degf(d),
            nrow,
            method=method,
            name=name,
            respondents=int((w != 0).sum()),
            fit=fit,
        )
        return Estimate(
            e.estimate, se, e.df, math.nan, e.name, e.statistic, e.ci_df, _ci_fn=e._ci_fn
        )

    def quantile(
        self,
        col: str,
        q: float,
        na_rm: bool = False,
        *,
        qrule: str = "math",
        interval_type: str = "mean",
    ) -> Estimate:
        """Quantile (R ``svyquantile`` on replicate weights); ``interval_type="quantile"`` is
        R's ``repCI``, the replicate variance of the quantile itself."""
        y = self.column(col)
        d = self.usable(y, col, na_rm)
        return self._quantile(y, d, q, qrule, interval_type, f"{col} q{q:g}")

    def _quantile(
        self, y: np.ndarray, d: np.ndarray, q: float, rule: str, interval_type: str, name: str
    ) -> Estimate:
        if not self._pw[d].sum() > 0:
            raise ValueError(f"quantile {name}: the domain is empty")
        rows = np.flatnonzero(d)

        def mean_se(ind_rows: np.ndarray) -> tuple[float, float]:
            ind = np.zeros(len(self.data))
            ind[rows] = ind_rows
            est, reps = self._means(ind[:, None], d, name)
            return float(est[0]), math.sqrt(max(self.replicate_variance(reps, est)[0, 0], 0.0))

        def rep_var(qhat: float) -> float:
            w_rep = self._rw.table[self._rw.index[rows]] * self._factor[rows, None]
            thetas = np.array(
                [apply_qrule(y[rows], w_rep[:, r], q, rule) for r in range(w_rep.shape[1])]
            )
            return float(self.replicate_variance(thetas, np.array([qhat]))[0, 0])

        return quantile_estimate(
            y[rows],
            self._pw[rows],
            q,
            mean_se,
            self.degf(d),
            self.nrow(d),
            rule=rule,
            interval_type=interval_type,
            replicate_quantiles=rep_var,
            name=name,
        )

    def by(
        self,
        col: str,
        group: str,
        stat: str = "mean",
        na_rm: bool = False,
        *,
        den: str | None = None,
        q: float | None = None,
        level: Any = None,
        method: str = "logit",
        qrule: str = "math",
        interval_type: str = "mean",
    ) -> Estimates:
        """One estimate per level of ``group`` (R ``svyby`` on replicate weights).

        As ``SurveyDesign.by``; ``.vcov`` is R's ``svyby(covmat=TRUE)``: the covariance of
        the groups' replicates (for quantiles, of the replicates of the groups' CDFs at
        their quantiles mapped through Woodruff's slopes, which R does not give).
        """
        check_by_arguments(stat, den, q, level)
        y = self.by_values(col, stat, level)
        levels = self.levels(group)
        codes = pd.Categorical(self.data[group], categories=levels).codes.astype(np.int64)
        d = self.usable(y, col, na_rm, self.domain_mask() & (codes >= 0))
        x = None
        if den is not None:
            x = self.column(den)
            d = self.usable(x, den, na_rm, d)
        present = np.bincount(codes[d & (self._pw != 0)], minlength=len(levels)) > 0
        labels = [lv for lv, keep in zip(levels, present, strict=True) if keep]
        if not labels:
            raise ValueError(f"by({col!r}, {group!r}): no group has rows with positive weight")
        masks = [d & (codes == levels.index(lab)) for lab in labels]
        name = f"{col}/{den}" if den is not None else col
        items: dict[object, Estimate] = {}
        if stat in ("ciprop", "quantile"):
            for lab, dj in zip(labels, masks, strict=True):
                label = f"{name}|{group}={lab}"
                if stat == "ciprop":
                    items[lab] = self._ciprop(y, dj, method, label)
                else:
                    assert q is not None
                    items[lab] = self._quantile(y, dj, q, qrule, interval_type, label)
            return Estimates(items, self._by_cov(y, masks, labels, items, stat))
        g = len(labels)
        cols = []
        for dj in masks:
            cols.append(np.where(dj, 1.0, 0.0))
            cols.append(np.where(dj, y, 0.0))
            if x is not None:
                cols.append(np.where(dj, x, 0.0))
        full, reps = self._sums(np.column_stack(cols), d)
        k = 3 if x is not None else 2
        with np.errstate(divide="ignore", invalid="ignore"):
            if stat == "total":
                est, thetas = full[1::k], reps[:, 1::k]
            elif stat == "ratio":
                est, thetas = full[1::k] / full[2::k], reps[:, 1::k] / reps[:, 2::k]
            else:
                est, thetas = full[1::k] / full[0::k], reps[:, 1::k] / reps[:, 0::k]
        v = self.replicate_variance(thetas, est)
        for j, (lab, dj) in enumerate(zip(labels, masks, strict=True)):
            items[lab] = Estimate(
                float(est[j]),
                math.sqrt(max(v[j, j], 0.0)),
                self.degf(dj),
                math.nan,
                f"{name}|{group}={lab}",
                stat,
            )
        assert len(items) == g
        return Estimates(items, pd.DataFrame(v, index=labels, columns=labels))

    def _by_cov(
        self,
        y: np.ndarray,
        masks: list[np.ndarray],
        labels: list[Any],
        items: dict[object, Estimate],
        stat: str,
    ) -> pd.DataFrame:
        """Joint covariance for ``by`` of ``ciprop`` (the proportions') or of quantiles."""
        cols = []
        for lab, dj in zip(labels, masks, strict=True):
            cols.append(np.where(dj, 1.0, 0.0))
            val = (y <= items[lab].estimate) if stat == "quantile" else y
            cols.append(np.where(dj, val, 0.0))
        full, reps = self._sums(np.column_stack(cols), np.any(masks, axis=0))
        est = full[1::2] / full[0::2]
        with np.errstate(divide="ignore", invalid="ignore"):
            v = self.replicate_variance(reps[:, 1::2] / reps[:, 0::2], est)
        se = np.array([items[lab].se for lab in labels])
        if stat == "quantile":
            with np.errstate(divide="ignore", invalid="ignore"):
                slope = se / np.sqrt(np.diag(v))
            v = v * np.outer(slope, slope)
            np.fill_diagonal(v, se**2)
        return pd.DataFrame(v, index=labels, columns=labels)

    def glm(self, formula: str, family: str = "gaussian") -> GLMResult:
        """Design-based GLM (R ``svyglm`` on replicate weights): the fit refitted with each
        replicate's weights (Newton steps from the full-sample fit, as R's ``glm.fit``)."""
        mf = model_frame(self.data, self.domain_mask() & (self._pw != 0), formula)
        glm_family(family, mf.y, formula)  # checks the response
        rows = mf.rows
        pw = self._pw[rows] / self._pw[rows].mean()
        beta0 = glm_fit(mf.x, mf.y, pw, family, None, epsilon=1e-12, maxit=100)
        table = self._rw.table[self._rw.index[rows]] * self._factor[rows, None]
        betas = np.vstack(
            [
                glm_fit(mf.x, mf.y, table[:, r] / table[:, r].sum(), family, beta0)
                for r in range(table.shape[1])
            ]
        )
        cov = self.replicate_variance(betas, beta0)
        d = np.zeros(len(self.data), dtype=bool)
        d[rows] = True
        df_resid = self.degf(d) + 1 - mf.x.shape[1]
        names = mf.names
        return GLMResult(
            params=pd.Series(beta0, index=names),
            bse=pd.Series(np.sqrt(np.maximum(np.diag(cov), 0.0)), index=names),
            cov_params=pd.DataFrame(cov, index=names, columns=names),
            df_resid=float(df_resid),
            family=family,
            nobs=len(rows),
            formula=formula,
        )


_EPS = float(np.finfo(float).eps)


def _linkinv(family: str, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``linkinv`` and ``mu.eta`` (with R's clamping) for the canonical links."""
    if family == "gaussian":
        return eta, np.ones_like(eta)
    if family in ("poisson", "quasipoisson"):
        mu = np.maximum(np.exp(eta), _EPS)
        return mu, mu
    with np.errstate(over="ignore"):
        tmp = np.where(eta < -30, _EPS, np.where(eta > 30, 1 / _EPS, np.exp(eta)))
        mu = tmp / (1 + tmp)
        ope = 1 + np.exp(np.clip(eta, -700, 700))
        deriv = np.where(np.abs(eta) > 30, _EPS, np.exp(np.clip(eta, -700, 700)) / ope**2)
    return mu, deriv


def _variance(family: str, mu: np.ndarray) -> np.ndarray:
    if family == "gaussian":
        return np.ones_like(mu)
    if family in ("poisson", "quasipoisson"):
        return np.asarray(mu)
    return np.asarray(mu * (1 - mu))


def _deviance(family: str, y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """R's ``sum(family$dev.resids(y, mu, wt))``."""
    if family == "gaussian":
        return float((w * (y - mu) ** 2).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        if family in ("poisson", "quasipoisson"):
            r = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
        else:
            r = np.where(y > 0, y * np.log(y / mu), 0.0) + np.where(
                y < 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0
            )
    return float((2 * w * r).sum())


def _valid(family: str, mu: np.ndarray) -> bool:
    if family in ("binomial", "quasibinomial"):
        return bool(np.all(np.isfinite(mu)) and np.all((mu > 0) & (mu < 1)))
    if family in ("poisson", "quasipoisson"):
        return bool(np.all(np.isfinite(mu)) and np.all(mu > 0))
    return True


def glm_fit(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    family: str,
    start: np.ndarray | None = None,
    epsilon: float = 1e-8,
    maxit: int = 25,
) -> np.ndarray:
    """R's ``glm.fit`` step for step: IRLS from ``start`` (else R's ``mustart``), stopping
    when the deviance changes by less than ``epsilon`` relative, with R's clamped links.

    Replicates are refitted this way, as R's ``svyglm`` on replicate weights does, so a
    replicate whose domain is all 0 or all 1 stops where R's stops (a logit near 20).
    """
    if start is None:
        if family in ("binomial", "quasibinomial"):
            mu = (w * y + 0.5) / (w + 1)
        elif family in ("poisson", "quasipoisson"):
            mu = y + 0.1
        else:
            mu = y.astype(float)
        eta = (
            np.log(mu / (1 - mu))
            if family in ("binomial", "quasibinomial")
            else (np.log(mu) if family in ("poisson", "quasipoisson") else mu)
        )
        beta = np.zeros(x.shape[1])
    else:
        beta = start.copy()
        eta = x @ beta
    mu, deriv = _linkinv(family, eta)
    devold = _deviance(family, y, mu, w)
    for _ in range(maxit):
        good = (w > 0) & (deriv != 0)
        z = eta[good] + (y[good] - mu[good]) / deriv[good]
        ww = np.sqrt(w[good] * deriv[good] ** 2 / _variance(family, mu[good]))
        new, *_ = np.linalg.lstsq(x[good] * ww[:, None], z * ww, rcond=None)
        eta_new = x @ new
        mu_new, deriv_new = _linkinv(family, eta_new)
        dev = _deviance(family, y, mu_new, w)
        halvings = 0
        while (not math.isfinite(dev) or not _valid(family, mu_new)) and halvings < 30:
            new = (new + beta) / 2
            eta_new = x @ new
            mu_new, deriv_new = _linkinv(family, eta_new)
            dev = _deviance(family, y, mu_new, w)
            halvings += 1
        beta, eta, mu, deriv = new, eta_new, mu_new, deriv_new
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            break
        devold = dev
    return beta
