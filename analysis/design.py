"""Survey design objects and design-based estimators matching R's ``survey`` package.

:class:`SurveyDesign` mirrors ``svydesign(ids=, strata=, weights=, fpc=, nest=)`` (Lumley
2010, *Complex Surveys*, ch. 2-3; survey 4.1 ``svydesign.default`` and ``as.fpc``), and its
methods mirror ``svymean``, ``svytotal``, ``svyratio``, ``svyby``, ``subset``, ``svyquantile``,
``svyciprop`` and ``svyglm``. Every variance is the Taylor linearisation of the statistic
(its weighted influence function) passed through :func:`analysis.variance.recvar`.

Domains (``subset``, ``by``, ``na_rm``) keep every PSU of the full design, with zero scores
outside the domain, which is what R does (Lumley 2010 §2.4.4): the standard errors then
account for the random domain sample size.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.estimate import Estimate, Estimates
from analysis.variance import (
    LONELY_PSU_OPTIONS,
    PostStratumStep,
    RakingStep,
    StageInfo,
    calibration_residuals,
    group_sums,
    recvar,
)

if TYPE_CHECKING:
    from analysis.regression import GLMResult

__all__ = ["SurveyDesign"]


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _interact(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Codes of the interaction of two code vectors (R ``interaction``)."""
    key = a.astype(np.int64) * (int(b.max()) + 1 if len(b) else 1) + b
    codes, _ = pd.factorize(key, sort=True)
    return codes.astype(np.int64)


def _first_bad(index: pd.Index, bad: np.ndarray, limit: int = 5) -> str:
    rows = list(index[np.flatnonzero(bad)[:limit]])
    more = int(bad.sum()) - len(rows)
    return f"{rows}" + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class _Structure:
    """Integer-coded sampling structure shared by a design, its domains and calibrations."""

    n: int
    n_stages: int
    has_strata: bool
    has_fpc: bool
    psu: np.ndarray  # stage-1 cluster code per row
    n_psu: int
    stratum: np.ndarray  # stage-1 stratum code per row
    n_strata: int
    stratum_labels: np.ndarray
    unit: np.ndarray  # variance-unit code per row
    n_units: int
    stages: tuple[StageInfo, ...]
    stage_strata_rows: tuple[np.ndarray, ...]


class SurveyDesign:
    """A complex sample: stages of clusters, strata, weights and finite population corrections.

    ``ids``: one column per sampling stage (``None``: each row is its own unit, R ``~1``).
    ``strata``: first-stage strata. ``weights``: sampling weights; when absent they are the
    product over stages of N/n from ``fpc``, else 1 (R). ``fpc``: one column per stage of
    population counts N, or sampling fractions when all values are at most 1 (R ``as.fpc``).
    ``nest=True`` makes cluster ids unique within strata. ``lonely_psu`` is R's
    ``options(survey.lonely.psu)``; ``"fail"`` (R's default) rejects a stratum with a single
    PSU at construction, ``"remove"``/``"certainty"`` let it contribute nothing,
    ``"adjust"`` centres it at zero instead of its own mean, ``"average"`` replaces its
    contribution by the average of the other strata.

    Second and later stages add to the variance only when ``fpc`` is given, as in R; without
    it the design is treated with the ultimate-cluster approximation (Lumley 2010 §3.2).
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        ids: str | Sequence[str] | None = None,
        strata: str | None = None,
        weights: str | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise ValueError(f"lonely_psu must be one of {LONELY_PSU_OPTIONS}, got {lonely_psu!r}")
        if len(data) == 0:
            raise ValueError("data has no rows")
        id_cols = _as_list(ids)
        fpc_cols = _as_list(fpc)
        for role, cols in (
            ("ids", id_cols),
            ("strata", _as_list(strata)),
            ("weights", _as_list(weights)),
            ("fpc", fpc_cols),
        ):
            for c in cols:
                if c not in data.columns:
                    raise ValueError(f"{role} column {c!r} is not in the data")
        self.data = data
        self.ids = id_cols
        self.strata = strata
        self.weights_col = weights
        self.fpc = fpc_cols
        self.nest = nest
        self.lonely_psu = lonely_psu
        self._struct, stage_pop, stage_n = self._build(data, id_cols, strata, fpc_cols, nest)
        self._w = self._initial_weights(data, weights, stage_pop, stage_n)
        self._domain: np.ndarray | None = None
        self._calibration: tuple[PostStratumStep | RakingStep, ...] = ()
        if lonely_psu == "fail":
            self._check_lonely()

    # ------------------------------------------------------------------ construction
    def _build(
        self,
        data: pd.DataFrame,
        id_cols: list[str],
        strata: str | None,
        fpc_cols: list[str],
        nest: bool,
    ) -> tuple[_Structure, list[np.ndarray], list[np.ndarray]]:
        n = len(data)
        index = data.index
        stage_ids: list[np.ndarray] = []
        if not id_cols:
            stage_ids.append(np.arange(n, dtype=np.int64))
        for c in id_cols:
            codes, _ = pd.factorize(data[c], sort=True)
            if (codes < 0).any():
                raise ValueError(
                    f"ids column {c!r} has missing values at rows {_first_bad(index, codes < 0)}"
                )
            stage_ids.append(codes.astype(np.int64))
        n_stages = len(stage_ids)
        for i in range(1, n_stages):
            stage_ids[i] = _interact(stage_ids[i - 1], stage_ids[i])
        if strata is not None:
            scodes, slabels = pd.factorize(data[strata], sort=True)
            if (scodes < 0).any():
                raise ValueError(
                    f"strata column {strata!r} has missing values at rows {_first_bad(index, scodes < 0)}"
                )
            scodes = scodes.astype(np.int64)
            slabels = np.asarray(slabels)
        else:
            scodes = np.zeros(n, dtype=np.int64)
            slabels = np.array([1])
        has_strata = strata is not None
        if nest and has_strata:
            stage_ids = [_interact(scodes, s) for s in stage_ids]
        elif has_strata and id_cols:
            first_stratum = np.zeros(int(stage_ids[0].max()) + 1, dtype=np.int64)
            first_stratum[stage_ids[0]] = scodes
            bad = first_stratum[stage_ids[0]] != scodes
            if bad.any():
                raise ValueError(
                    f"clusters of {id_cols[0]!r} are not nested in strata {strata!r} "
                    f"(rows {_first_bad(index, bad)} share a cluster id with another stratum); "
                    "use nest=True if ids are only unique within strata"
                )
        if int(stage_ids[0].max()) == 0 and not (nest and has_strata):
            raise ValueError("design has only one primary sampling unit")
        stage_strata = [scodes]
        for i in range(1, n_stages):
            stage_strata.append(_interact(scodes, stage_ids[i - 1]))

        has_fpc = bool(fpc_cols)
        if has_fpc and len(fpc_cols) != n_stages:
            raise ValueError(
                f"fpc needs one column per sampling stage: {n_stages} stage(s) in ids, "
                f"{len(fpc_cols)} fpc column(s) given"
            )
        fpc_values: list[np.ndarray] = []
        for c in fpc_cols:
            v = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
            if np.isnan(v).any():
                raise ValueError(
                    f"fpc column {c!r} has missing or non-numeric values at rows {_first_bad(index, np.isnan(v))}"
                )
            if (v < 0).any():
                raise ValueError(
                    f"fpc column {c!r} has negative values at rows {_first_bad(index, v < 0)}"
                )
            fpc_values.append(v)
        if has_fpc:
            allv = np.concatenate(fpc_values)
            is_pop = bool((allv > 1).any())
            if is_pop != bool((allv >= 1).all()):
                raise ValueError(
                    "fpc must hold population counts (all values >= 1) or sampling fractions "
                    "(all values <= 1), not a mixture"
                )
        n_var_stages = n_stages if has_fpc else 1
        unit = stage_ids[n_var_stages - 1]
        n_units = int(unit.max()) + 1
        stages: list[StageInfo] = []
        stage_pop: list[np.ndarray] = []
        stage_n: list[np.ndarray] = []
        mult_prev: np.ndarray | None = None
        frac_prev: np.ndarray | None = None
        for s in range(n_stages):
            cl = stage_ids[s]
            st_codes, _ = pd.factorize(stage_strata[s], sort=True)
            st_codes = st_codes.astype(np.int64)
            stage_strata[s] = st_codes
            n_cl = int(cl.max()) + 1
            n_st = int(st_codes.max()) + 1
            stratum_of_cluster = np.zeros(n_cl, dtype=np.int64)
            stratum_of_cluster[cl] = st_codes
            n_sampled = np.bincount(stratum_of_cluster, minlength=n_st)
            pop: np.ndarray | None = None
            if has_fpc:
                v = fpc_values[s]
                per = np.zeros(n_st)
                per[st_codes] = v
                varies = per[st_codes] != v
                if varies.any():
                    raise ValueError(
                        f"fpc column {fpc_cols[s]!r} varies within a stratum at stage {s + 1} "
                        f"(rows {_first_bad(index, varies)})"
                    )
                with np.errstate(divide="ignore"):
                    pop = per if is_pop else n_sampled / per
                small = pop < n_sampled
                if small.any():
                    h = int(np.flatnonzero(small)[0])
                    row = int(np.flatnonzero(st_codes == h)[0])
                    raise ValueError(
                        f"fpc smaller than the sample: at stage {s + 1}, the stratum of row "
                        f"{index[row]!r} has population {pop[h]:g} but {n_sampled[h]} sampled "
                        f"units ({fpc_cols[s]!r})"
                    )
            if s == 0:
                parent = np.zeros(n_st, dtype=np.int64)
                mult = np.ones(n_st)
            else:
                parent = np.zeros(n_st, dtype=np.int64)
                parent[st_codes] = stage_ids[s - 1]
                parent_stratum = np.zeros(int(stage_ids[s - 1].max()) + 1, dtype=np.int64)
                parent_stratum[stage_ids[s - 1]] = stage_strata[s - 1]
                ps = parent_stratum[parent]
                assert mult_prev is not None and frac_prev is not None
                mult = mult_prev[ps] * frac_prev[ps]
            if s < n_var_stages:
                cluster_of_unit = np.zeros(n_units, dtype=np.int64)
                cluster_of_unit[unit] = cl
                stages.append(
                    StageInfo(
                        cluster_of_unit=cluster_of_unit,
                        n_clusters=n_cl,
                        stratum_of_cluster=stratum_of_cluster,
                        n_strata=n_st,
                        n_sampled=n_sampled,
                        pop=pop,
                        parent_of_stratum=parent,
                        multiplier=mult,
                    )
                )
            if pop is not None:
                stage_pop.append(pop[st_codes])
                stage_n.append(n_sampled[st_codes].astype(float))
                with np.errstate(divide="ignore"):
                    frac_prev = np.where(np.isinf(pop), 0.0, n_sampled / pop)
            else:
                frac_prev = np.zeros(n_st)
            mult_prev = mult
        struct = _Structure(
            n=n,
            n_stages=n_stages,
            has_strata=has_strata,
            has_fpc=has_fpc,
            psu=stage_ids[0],
            n_psu=int(stage_ids[0].max()) + 1,
            stratum=scodes,
            n_strata=int(scodes.max()) + 1,
            stratum_labels=slabels,
            unit=unit,
            n_units=n_units,
            stages=tuple(stages),
            stage_strata_rows=tuple(stage_strata[:n_var_stages]),
        )
        return struct, stage_pop, stage_n

    def _initial_weights(
        self,
        data: pd.DataFrame,
        weights: str | None,
        stage_pop: list[np.ndarray],
        stage_n: list[np.ndarray],
    ) -> np.ndarray:
        index = data.index
        if weights is not None:
            w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
            if np.isnan(w).any():
                raise ValueError(
                    f"weights column {weights!r} has missing or non-numeric values at rows "
                    f"{_first_bad(index, np.isnan(w))}"
                )
            if (w < 0).any():
                raise ValueError(
                    f"weights column {weights!r} has negative values at rows {_first_bad(index, w < 0)}"
                )
            if np.isinf(w).any():
                raise ValueError(
                    f"weights column {weights!r} has infinite values at rows {_first_bad(index, np.isinf(w))}"
                )
            return w
        if stage_pop:
            pop = np.prod(np.vstack(stage_pop), axis=0)
            if (pop > 1e12).any() or np.isinf(pop).any():
                raise ValueError(
                    "weights not supplied and they can't be computed from fpc (infinite population)"
                )
            return pop / np.prod(np.vstack(stage_n), axis=0)
        return np.ones(len(data))

    def _check_lonely(self) -> None:
        for s, st in enumerate(self._struct.stages):
            lonely = st.lonely
            if lonely.any():
                h = int(np.flatnonzero(lonely)[0])
                rows = np.flatnonzero(self._struct.stage_strata_rows[s] == h)
                where = (
                    f"stratum {self._struct.stratum_labels[h]!r}"
                    if s == 0
                    else f"the stage-{s} cluster holding row {self.data.index[rows[0]]!r}"
                )
                raise ValueError(
                    f"{where} has only one PSU at stage {s + 1} ({int(lonely.sum())} such "
                    "strata); pass lonely_psu='remove', 'certainty', 'adjust' or 'average' "
                    "(R's options(survey.lonely.psu))"
                )

    # ------------------------------------------------------------------ internals
    def _copy(self, **changes: Any) -> SurveyDesign:
        new = copy.copy(self)
        for k, v in changes.items():
            setattr(new, k, v)
        return new

    @property
    def n(self) -> int:
        """Number of rows in the data (R ``nrow(design)`` of the full design)."""
        return self._struct.n

    @property
    def weights(self) -> pd.Series:
        """Current analysis weights; zero outside the domain (R ``weights(design)``)."""
        return pd.Series(np.where(self._mask(), self._w, 0.0), index=self.data.index, name="weight")

    @property
    def is_calibrated(self) -> bool:
        """True after ``poststratify`` or ``rake``."""
        return bool(self._calibration)

    @property
    def is_domain(self) -> bool:
        """True for a design returned by ``subset``."""
        return self._domain is not None

    def _mask(self) -> np.ndarray:
        return np.ones(self._struct.n, dtype=bool) if self._domain is None else self._domain

    def _column(self, col: str) -> np.ndarray:
        if not isinstance(col, str) or col not in self.data.columns:
            raise ValueError(f"unknown column {col!r}; the data has {list(self.data.columns)}")
        s = self.data[col]
        if (
            s.dtype == bool
            or pd.api.types.is_float_dtype(s.dtype)
            or pd.api.types.is_integer_dtype(s.dtype)
        ):
            return s.to_numpy(dtype=float, na_value=np.nan)
        out = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(out) & s.notna().to_numpy()
        if bad.any():
            raise ValueError(
                f"column {col!r} is not numeric at rows {_first_bad(self.data.index, bad)}"
            )
        return out

    def _usable(
        self, y: np.ndarray, col: str, na_rm: bool, mask: np.ndarray | None = None
    ) -> np.ndarray:
        d = self._mask() if mask is None else mask
        missing = d & np.isnan(y)
        if missing.any():
            if not na_rm:
                raise ValueError(
                    f"column {col!r} has {int(missing.sum())} missing values in the domain "
                    f"(rows {_first_bad(self.data.index, missing)}); pass na_rm=True to drop them "
                    "as a domain, as R's na.rm=TRUE does"
                )
            d = d & ~np.isnan(y)
        return d

    def _present(self, d: np.ndarray) -> tuple[np.ndarray, ...] | None:
        if self.lonely_psu != "average":
            return None
        out = []
        for s, st in enumerate(self._struct.stages):
            out.append(np.bincount(self._struct.stage_strata_rows[s][d], minlength=st.n_strata) > 0)
        return tuple(out)

    def _variance(self, x: np.ndarray, d: np.ndarray | None = None) -> np.ndarray:
        """Design variance of the column totals of row scores ``x`` (n, p)."""
        if x.ndim == 1:
            x = x[:, None]
        x = calibration_residuals(x, self._calibration)
        totals = group_sums(self._struct.unit, x, self._struct.n_units)
        return recvar(
            totals,
            self._struct.stages,
            self.lonely_psu,
            self._present(self._mask() if d is None else d),
        )

    def degf(self, mask: np.ndarray | None = None) -> int:
        """Design degrees of freedom: PSUs minus strata with nonzero weight (R ``degf``)."""
        d = self._mask() if mask is None else mask
        inset = d & (self._w != 0)
        s = self._struct
        npsu = int((np.bincount(s.psu[inset], minlength=s.n_psu) > 0).sum())
        nstr = int((np.bincount(s.stratum[inset], minlength=s.n_strata) > 0).sum())
        return npsu - nstr

    def _nrow(self, d: np.ndarray) -> int:
        """R's ``nrow(design)``: calibrated domains keep all rows, others drop them."""
        return self._struct.n if self.is_calibrated else int(d.sum())

    @staticmethod
    def _srs_var(y: np.ndarray, w: np.ndarray, nobs: int) -> np.ndarray:
        """R ``svyvar``: weighted variance with the n/(n-1) correction, per column."""
        psum = w.sum()
        mean = (w[:, None] * y).sum(axis=0) / psum
        if nobs < 2:
            return np.full(y.shape[1], np.nan)
        return (w[:, None] * (y - mean) ** 2).sum(axis=0) / psum * nobs / (nobs - 1)

    def _deff(self, v: np.ndarray, y: np.ndarray, w: np.ndarray, scale: float) -> np.ndarray:
        """Design effect as R's ``deff=TRUE``: SRS without replacement of the same size."""
        nobs = int((w != 0).sum())
        psum = float(w.sum())
        if psum < nobs:
            return np.full(len(v), np.nan)
        vsrs = self._srs_var(y, w, nobs) * (psum - nobs) / (psum * nobs) * scale
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(v, dtype=float) / vsrs

    def _mean_block(
        self, y: np.ndarray, d: np.ndarray, label: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Means of the columns of ``y`` over domain ``d``: estimates, vcov, deffs."""
        w = np.where(d, self._w, 0.0)
        psum = float(w.sum())
        if not psum > 0:
            raise ValueError(f"{label}: the domain is empty (no rows with positive weight)")
        yv = np.where(d[:, None], y, 0.0)
        est = (w[:, None] * yv).sum(axis=0) / psum
        x = (yv - est) * (w / psum)[:, None]
        v = self._variance(x, d)
        deff = self._deff(np.diag(v), yv, w, 1.0)
        return est, v, deff

    # ------------------------------------------------------------------ estimators
    def mean(self, col: str, na_rm: bool = False) -> Estimate:
        """Weighted mean with linearisation SE (R ``svymean``)."""
        y = self._column(col)
        d = self._usable(y, col, na_rm)
        est, v, deff = self._mean_block(y[:, None], d, f"mean of {col!r}")
        return Estimate(
            float(est[0]), math.sqrt(max(v[0, 0], 0.0)), self.degf(d), float(deff[0]), col, "mean"
        )

    def total(self, col: str, na_rm: bool = False) -> Estimate:
        """Horvitz-Thompson total (R ``svytotal``)."""
        y = self._column(col)
        d = self._usable(y, col, na_rm)
        w = np.where(d, self._w, 0.0)
        yv = np.where(d, y, 0.0)
        x = yv * w
        v = self._variance(x, d)[0, 0]
        psum = float(w.sum())
        deff = self._deff(np.array([v]), yv[:, None], w, psum**2)[0]
        return Estimate(
            float(x.sum()), math.sqrt(max(v, 0.0)), self.degf(d), float(deff), col, "total"
        )

    def ratio(self, num: str, den: str, na_rm: bool = False) -> Estimate:
        """Ratio of two totals, SE from the linearised residual (R ``svyratio``)."""
        y = self._column(num)
        x = self._column(den)
        d = self._usable(y, num, na_rm)
        d = self._usable(x, den, na_rm, d)
        w = np.where(d, self._w, 0.0)
        yv = np.where(d, y, 0.0)
        xv = np.where(d, x, 0.0)
        tx = float((w * xv).sum())
        if tx == 0:
            raise ValueError(f"ratio {num!r}/{den!r}: the denominator total is zero in the domain")
        r = float((w * yv).sum()) / tx
        resid = (yv - r * xv) / tx
        v = self._variance(resid * w, d)[0, 0]
        psum = float(w.sum())
        deff = self._deff(np.array([v]), resid[:, None], w, psum**2)[0]
        return Estimate(
            r, math.sqrt(max(v, 0.0)), self.degf(d), float(deff), f"{num}/{den}", "ratio"
        )

    def _levels(self, col: str) -> list[Any]:
        if not isinstance(col, str) or col not in self.data.columns:
            raise ValueError(f"unknown column {col!r}; the data has {list(self.data.columns)}")
        s = self.data[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            return list(s.cat.categories)
        return sorted(s.dropna().unique().tolist())

    def proportion(self, col: str, level: Any = None, na_rm: bool = False) -> Estimate | Estimates:
        """Share of each category (R ``svymean(~factor(col))``); one level gives one Estimate."""
        levels = self._levels(col)
        s = self.data[col]
        if level is not None and level not in levels:
            raise ValueError(
                f"level {level!r} does not occur in column {col!r}; levels are {levels}"
            )
        miss = s.isna().to_numpy()
        d = self._mask()
        if (d & miss).any():
            if not na_rm:
                raise ValueError(
                    f"column {col!r} has {int((d & miss).sum())} missing values in the domain; "
                    "pass na_rm=True to drop them as a domain"
                )
            d = d & ~miss
        wanted = [level] if level is not None else levels
        y = np.column_stack([(s == lv).to_numpy(dtype=float) for lv in wanted])
        est, v, deff = self._mean_block(y, d, f"proportion of {col!r}")
        df = self.degf(d)
        items = {
            lv: Estimate(
                float(est[i]),
                math.sqrt(max(v[i, i], 0.0)),
                df,
                float(deff[i]),
                f"{col}={lv}",
                "proportion",
            )
            for i, lv in enumerate(wanted)
        }
        if level is not None:
            return items[level]
        return Estimates(items, pd.DataFrame(v, index=wanted, columns=wanted))

    def assign(self, **columns: Any) -> SurveyDesign:
        """Same design with derived columns added (e.g. a 0/1 top-two-box indicator)."""
        data = self.data.assign(**columns)
        if len(data) != self.n:
            raise ValueError("assign must not change the number of rows")
        return self._copy(data=data)

    def subset(self, mask: Any) -> SurveyDesign:
        """Domain design (R ``subset``): rows outside get zero weight, every PSU is kept."""
        m = self._as_mask(mask)
        return self._copy(_domain=self._mask() & m)

    def _as_mask(self, mask: Any) -> np.ndarray:
        if isinstance(mask, pd.Series):
            if not mask.index.equals(self.data.index):
                if len(mask) != self.n or not mask.index.isin(self.data.index).all():
                    raise ValueError("subset mask is a Series whose index does not match the data")
                mask = mask.reindex(self.data.index)
            arr = mask.to_numpy()
        else:
            arr = np.asarray(mask)
        if arr.shape != (self.n,):
            raise ValueError(
                f"subset mask must have one value per row ({self.n}), got shape {arr.shape}"
            )
        if arr.dtype != bool:
            # R: r & !is.na(r)
            arr = pd.Series(arr).fillna(False).to_numpy(dtype=bool)
        return arr

    def _group_codes(self, group: str) -> tuple[np.ndarray, list[Any]]:
        levels = self._levels(group)
        codes = pd.Categorical(self.data[group], categories=levels).codes.astype(np.int64)
        return codes, levels

    def by(self, col: str, group: str, stat: str = "mean", na_rm: bool = False) -> Estimates:
        """One estimate per level of ``group`` as domains (R ``svyby``); empty levels drop."""
        if stat not in ("mean", "total"):
            if stat in ("proportion", "ratio", "quantile"):
                raise ValueError(f"by(stat={stat!r}): use design.subset(...) per level for {stat}")
            raise ValueError(f"stat must be 'mean' or 'total', got {stat!r}")
        y = self._column(col)
        codes, levels = self._group_codes(group)
        d = self._mask() & (codes >= 0)
        d = self._usable(y, col, na_rm, d)
        w = np.where(d, self._w, 0.0)
        present = np.bincount(codes[d & (self._w != 0)], minlength=len(levels)) > 0
        keep = np.flatnonzero(present)
        if len(keep) == 0:
            raise ValueError(f"by({col!r}, {group!r}): no group has rows with positive weight")
        remap = np.full(len(levels), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        g = np.where(d, remap[np.maximum(codes, 0)], -1)
        d = d & (g >= 0)
        gi = np.maximum(g, 0)
        n_g = len(keep)
        labels = [levels[k] for k in keep]
        yv = np.where(d, y, 0.0)
        psum = np.bincount(gi, weights=w, minlength=n_g)
        sums = np.bincount(gi, weights=w * yv, minlength=n_g)
        if stat == "mean":
            est = sums / psum
            score = (yv - est[gi]) * w / psum[gi]
        else:
            est = sums
            score = yv * w
        score = np.where(d, score, 0.0)
        s = self._struct
        if self.lonely_psu == "average" and any(st.lonely.any() for st in s.stages):
            v = np.zeros((n_g, n_g))
            for j in range(n_g):
                dj = d & (g == j)
                v[j, j] = self._variance(np.where(dj, score, 0.0), dj)[0, 0]
        elif self._calibration:
            x = np.zeros((s.n, n_g))
            rows = np.flatnonzero(d)
            x[rows, gi[rows]] = score[rows]
            v = self._variance(x, d)
        else:
            t = np.bincount(s.unit * n_g + gi, weights=score, minlength=s.n_units * n_g)
            v = recvar(t.reshape(s.n_units, n_g), s.stages, self.lonely_psu, None)
        # design effects and degrees of freedom, per group
        nz = d & (self._w != 0)
        nobs = np.bincount(gi[nz], minlength=n_g)
        mean_g = sums / psum
        with np.errstate(divide="ignore", invalid="ignore"):
            ss = np.bincount(gi, weights=w * (yv - mean_g[gi]) ** 2, minlength=n_g)
            var_unit = ss / psum * nobs / (nobs - 1)
            vsrs = var_unit * (psum - nobs) / (psum * nobs)
            if stat == "total":
                vsrs = vsrs * psum**2
            deff = np.where(psum < nobs, np.nan, np.diag(v) / vsrs)
        npsu = (
            np.bincount(gi[nz] * s.n_psu + s.psu[nz], minlength=n_g * s.n_psu).reshape(n_g, s.n_psu)
            > 0
        ).sum(1)
        nstr = (
            np.bincount(gi[nz] * s.n_strata + s.stratum[nz], minlength=n_g * s.n_strata).reshape(
                n_g, s.n_strata
            )
            > 0
        ).sum(1)
        items = {
            lab: Estimate(
                float(est[j]),
                math.sqrt(max(v[j, j], 0.0)),
                int(npsu[j] - nstr[j]),
                float(deff[j]),
                f"{col}|{group}={lab}",
                stat,
            )
            for j, lab in enumerate(labels)
        }
        return Estimates(items, pd.DataFrame(v, index=labels, columns=labels))

    def difference(self, col: str, by: str, levels: Sequence[Any], na_rm: bool = False) -> Estimate:
        """Mean of ``levels[1]`` minus mean of ``levels[0]``, SE from the joint design.

        Both domains come from one design, so their covariance (shared PSUs) enters the SE;
        this equals R's ``svyglm(col ~ group)`` slope on the two levels, whose residual df
        (design df minus one, as ``svyttest``) is used for the interval.
        """
        if len(levels) != 2:
            raise ValueError(f"levels must name exactly two groups (before, after), got {levels!r}")
        known = self._levels(by)
        for lv in levels:
            if lv not in known:
                raise ValueError(
                    f"level {lv!r} does not occur in column {by!r}; levels are {known}"
                )
        y = self._column(col)
        gcol = self.data[by]
        d0 = self._usable(y, col, na_rm, self._mask() & (gcol == levels[0]).to_numpy())
        d1 = self._usable(y, col, na_rm, self._mask() & (gcol == levels[1]).to_numpy())
        scores = []
        means = []
        for dk in (d0, d1):
            w = np.where(dk, self._w, 0.0)
            psum = float(w.sum())
            if not psum > 0:
                raise ValueError(f"difference: group of {by!r} is empty in the domain")
            yv = np.where(dk, y, 0.0)
            m = float((w * yv).sum() / psum)
            means.append(m)
            scores.append((yv - m) * w / psum)
        both = d0 | d1
        v = self._variance(scores[1] - scores[0], both)[0, 0]
        df = self.degf(both) - 1
        return Estimate(
            means[1] - means[0],
            math.sqrt(max(v, 0.0)),
            df,
            math.nan,
            f"{col}: {by}={levels[1]} - {by}={levels[0]}",
            "difference",
            ci_df=float(df),
        )

    def quantile(self, col: str, q: float, na_rm: bool = False) -> Estimate:
        """Quantile with Woodruff interval (R ``svyquantile``, survey >= 4 defaults)."""
        from analysis.quantile import svyquantile

        return svyquantile(self, col, q, na_rm=na_rm)

    def ciprop(self, col: str, method: str = "logit", na_rm: bool = False) -> Estimate:
        """Proportion with an interval that stays in [0, 1] (R ``svyciprop``); see ``.ci()``."""
        from analysis.ciprop import svyciprop

        return svyciprop(self, col, method=method, na_rm=na_rm)

    def glm(self, formula: str, family: str = "gaussian") -> GLMResult:
        """Design-based generalised linear model (R ``svyglm``)."""
        from analysis.regression import svyglm

        return svyglm(self, formula, family=family)

    def __repr__(self) -> str:
        s = self._struct
        parts = [f"{s.n} rows", f"{s.n_stages} stage(s)", f"{s.n_psu} PSUs"]
        if s.has_strata:
            parts.append(f"{s.n_strata} strata")
        if s.has_fpc:
            parts.append("fpc")
        if self._calibration:
            parts.append("calibrated")
        if self._domain is not None:
            parts.append(f"domain of {int(self._domain.sum())} rows")
        return f"SurveyDesign({', '.join(parts)})"
