"""What a survey design is, and the primitives every design-based estimator is built from.

:class:`DesignCore` is what R's ``svydesign(ids=, strata=, weights=, fpc=, nest=)`` builds
(Lumley 2010, *Complex Surveys*, ch. 2-3; survey 4.1 ``svydesign.default`` and ``as.fpc``):
integer-coded stages, strata and finite population corrections, the weights, the domain and
any calibration. Its public methods turn columns into numbers, domains into masks and
linearised scores into a design variance (through :func:`analysis.variance.recvar`).

This module sits below every estimator: :mod:`analysis.ciprop`, :mod:`analysis.quantile`
and :mod:`analysis.regression` take a ``DesignCore``, and :class:`analysis.design.SurveyDesign`
(a ``DesignCore`` with the ``svymean``-style methods) imports them in turn, so the import
graph of the package has no cycle and no module reaches into another's private names.

Domains (``subset``, ``na_rm``) keep every PSU of the full design, with zero scores outside
the domain, which is what R does (Lumley 2010 §2.4.4): the standard errors then account for
the random domain sample size.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import Self

import numpy as np
import pandas as pd

from analysis.checks import check_binary
from analysis.variance import LONELY_PSU_OPTIONS
from analysis.variance import CalibrationStep
from analysis.variance import StageInfo
from analysis.variance import calibration_residuals
from analysis.variance import group_sums
from analysis.variance import recvar

__all__ = ["DataColumns", "DesignCore"]


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _interact(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Codes of the interaction of two code vectors (R ``interaction``)."""
    key = a.astype(np.int64) * (int(b.max()) + 1 if len(b) else 1) + b
    return _codes(key)


def _codes(values: Any) -> np.ndarray:
    """Sorted integer codes 0..k-1 of ``values`` (missing values get -1)."""
    codes: np.ndarray = pd.factorize(values, sort=True)[0]
    return codes.astype(np.int64)


def _first_bad(index: pd.Index, bad: np.ndarray, limit: int = 5) -> str:
    """The first offending row labels, for error messages."""
    rows = list(index[np.flatnonzero(bad)[:limit]])
    more = int(bad.sum()) - len(rows)
    return f"{rows}" + (f" and {more} more" if more > 0 else "")


# ---------------------------------------------------------------------- building the structure


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


def _stage_ids(data: pd.DataFrame, id_cols: list[str]) -> list[np.ndarray]:
    """Cluster code per row and stage; later stages are nested in earlier ones (R ``interaction``)."""
    stage_ids: list[np.ndarray] = []
    if not id_cols:
        stage_ids.append(np.arange(len(data), dtype=np.int64))
    for c in id_cols:
        codes = _codes(data[c])
        if (codes < 0).any():
            raise ValueError(
                f"ids column {c!r} has missing values at rows {_first_bad(data.index, codes < 0)}"
            )
        stage_ids.append(codes)
    for i in range(1, len(stage_ids)):
        stage_ids[i] = _interact(stage_ids[i - 1], stage_ids[i])
    return stage_ids


def _strata_codes(data: pd.DataFrame, strata: str | None) -> tuple[np.ndarray, np.ndarray]:
    """First-stage stratum code per row and the strata's labels (one stratum when none)."""
    if strata is None:
        return np.zeros(len(data), dtype=np.int64), np.array([1])
    codes, labels = pd.factorize(data[strata], sort=True)
    if (codes < 0).any():
        raise ValueError(
            f"strata column {strata!r} has missing values at rows {_first_bad(data.index, codes < 0)}"
        )
    return codes.astype(np.int64), np.asarray(labels)


def _nest_in_strata(
    stage_ids: list[np.ndarray],
    scodes: np.ndarray,
    data: pd.DataFrame,
    id_cols: list[str],
    strata: str | None,
    nest: bool,
) -> list[np.ndarray]:
    """``nest=True`` makes cluster ids unique within strata; otherwise no cluster may cross them."""
    if strata is None:
        return stage_ids
    if nest:
        return [_interact(scodes, s) for s in stage_ids]
    if id_cols:
        first_stratum = np.zeros(int(stage_ids[0].max()) + 1, dtype=np.int64)
        first_stratum[stage_ids[0]] = scodes
        bad = first_stratum[stage_ids[0]] != scodes
        if bad.any():
            raise ValueError(
                f"clusters of {id_cols[0]!r} are not nested in strata {strata!r} "
                f"(rows {_first_bad(data.index, bad)} share a cluster id with another stratum); "
                "use nest=True if ids are only unique within strata"
            )
    return stage_ids


def _fpc_values(
    data: pd.DataFrame, fpc_cols: list[str], n_stages: int
) -> tuple[list[np.ndarray], bool]:
    """The fpc columns as numbers, and whether they are population counts (else fractions)."""
    if fpc_cols and len(fpc_cols) != n_stages:
        raise ValueError(
            f"fpc needs one column per sampling stage: {n_stages} stage(s) in ids, "
            f"{len(fpc_cols)} fpc column(s) given"
        )
    index = data.index
    values: list[np.ndarray] = []
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
        values.append(v)
    if not values:
        return values, False
    allv = np.concatenate(values)
    is_pop = bool((allv > 1).any())
    if is_pop != bool((allv >= 1).all()):
        raise ValueError(
            "fpc must hold population counts (all values >= 1) or sampling fractions "
            "(all values <= 1), not a mixture"
        )
    return values, is_pop


def _stage_population(
    fpc: np.ndarray,
    st_codes: np.ndarray,
    n_sampled: np.ndarray,
    is_pop: bool,
    col: str,
    stage: int,
    index: pd.Index,
) -> np.ndarray:
    """Population count N per stratum of one stage (R ``as.fpc``), checked against the sample."""
    per = np.zeros(len(n_sampled))
    per[st_codes] = fpc
    varies = per[st_codes] != fpc
    if varies.any():
        raise ValueError(
            f"fpc column {col!r} varies within a stratum at stage {stage + 1} "
            f"(rows {_first_bad(index, varies)})"
        )
    with np.errstate(divide="ignore"):
        pop = per if is_pop else n_sampled / per
    small = pop < n_sampled
    if small.any():
        h = int(np.flatnonzero(small)[0])
        row = int(np.flatnonzero(st_codes == h)[0])
        raise ValueError(
            f"fpc smaller than the sample: at stage {stage + 1}, the stratum of row "
            f"{index[row]!r} has population {pop[h]:g} but {n_sampled[h]} sampled "
            f"units ({col!r})"
        )
    return pop


def _parent_strata(
    parent_ids: np.ndarray, parent_strata: np.ndarray, st_codes: np.ndarray, n_st: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each stratum of a later stage: its parent cluster and that cluster's stratum."""
    parent = np.zeros(n_st, dtype=np.int64)
    parent[st_codes] = parent_ids
    parent_stratum = np.zeros(int(parent_ids.max()) + 1, dtype=np.int64)
    parent_stratum[parent_ids] = parent_strata
    return parent, parent_stratum[parent]


def _stages(
    stage_ids: list[np.ndarray],
    stage_strata: list[np.ndarray],
    fpc: tuple[list[np.ndarray], bool],
    fpc_cols: list[str],
    unit: np.ndarray,
    index: pd.Index,
) -> tuple[tuple[StageInfo, ...], list[np.ndarray], list[np.ndarray]]:
    """Each stage's structure for the variance, and N and n per row for the weights.

    Only the first stage enters the variance without fpc (R's ultimate-cluster rule); the
    multiplier of a later stage is the product of the earlier sampling fractions.
    """
    fpc_values, is_pop = fpc
    n_var_stages = len(stage_ids) if fpc_values else 1
    n_units = int(unit.max()) + 1
    stages: list[StageInfo] = []
    stage_pop: list[np.ndarray] = []
    stage_n: list[np.ndarray] = []
    mult = frac = np.ones(1)
    for s, (cl, st_codes) in enumerate(zip(stage_ids, stage_strata, strict=True)):
        n_cl = int(cl.max()) + 1
        n_st = int(st_codes.max()) + 1
        stratum_of_cluster = np.zeros(n_cl, dtype=np.int64)
        stratum_of_cluster[cl] = st_codes
        n_sampled = np.bincount(stratum_of_cluster, minlength=n_st)
        pop = None
        if fpc_values:
            pop = _stage_population(
                fpc_values[s], st_codes, n_sampled, is_pop, fpc_cols[s], s, index
            )
        if s == 0:
            parent = np.zeros(n_st, dtype=np.int64)
            mult = np.ones(n_st)
        else:
            parent, ps = _parent_strata(stage_ids[s - 1], stage_strata[s - 1], st_codes, n_st)
            mult = mult[ps] * frac[ps]
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
                frac = np.where(np.isinf(pop), 0.0, n_sampled / pop)
        else:
            frac = np.zeros(n_st)
    return tuple(stages), stage_pop, stage_n


def _build(
    data: pd.DataFrame,
    id_cols: list[str],
    strata: str | None,
    fpc_cols: list[str],
    nest: bool,
) -> tuple[_Structure, list[np.ndarray], list[np.ndarray]]:
    """Check the design columns and code them as integers; also N and n per row and stage."""
    stage_ids = _stage_ids(data, id_cols)
    scodes, slabels = _strata_codes(data, strata)
    stage_ids = _nest_in_strata(stage_ids, scodes, data, id_cols, strata, nest)
    if int(stage_ids[0].max()) == 0 and not (nest and strata is not None):
        raise ValueError("design has only one primary sampling unit")
    n_stages = len(stage_ids)
    # strata of a later stage are the clusters of the stage before, within first-stage strata
    stage_strata = [scodes] + [_interact(scodes, stage_ids[i - 1]) for i in range(1, n_stages)]
    stage_strata = [_codes(s) for s in stage_strata]
    fpc = _fpc_values(data, fpc_cols, n_stages)
    n_var_stages = n_stages if fpc_cols else 1
    unit = stage_ids[n_var_stages - 1]
    stages, stage_pop, stage_n = _stages(stage_ids, stage_strata, fpc, fpc_cols, unit, data.index)
    struct = _Structure(
        n=len(data),
        n_stages=n_stages,
        has_strata=strata is not None,
        has_fpc=bool(fpc_cols),
        psu=stage_ids[0],
        n_psu=int(stage_ids[0].max()) + 1,
        stratum=scodes,
        n_strata=int(scodes.max()) + 1,
        stratum_labels=slabels,
        unit=unit,
        n_units=int(unit.max()) + 1,
        stages=stages,
        stage_strata_rows=tuple(stage_strata[:n_var_stages]),
    )
    return struct, stage_pop, stage_n


def _initial_weights(
    data: pd.DataFrame,
    weights: str | None,
    stage_pop: list[np.ndarray],
    stage_n: list[np.ndarray],
) -> np.ndarray:
    """The weights column, else the product over stages of N/n from fpc, else 1 (R)."""
    index = data.index
    if weights is not None:
        if data[weights].dtype == bool:
            raise ValueError(
                f"weights column {weights!r} is boolean; weights must be numbers (a True/False "
                "column is a domain: use design.subset(...) instead)"
            )
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
        return np.asarray(pop / np.prod(np.vstack(stage_n), axis=0))
    return np.ones(len(data))


def _srs_var(y: np.ndarray, w: np.ndarray, nobs: int) -> np.ndarray:
    """R ``svyvar``: weighted variance with the n/(n-1) correction, per column."""
    psum = w.sum()
    mean = (w[:, None] * y).sum(axis=0) / psum
    if nobs < 2:
        return np.full(y.shape[1], np.nan)
    return np.asarray((w[:, None] * (y - mean) ** 2).sum(axis=0) / psum * nobs / (nobs - 1))


# ---------------------------------------------------------------------- the design


class DataColumns:
    """The data of a design, its domain and the checks that turn columns into numbers.

    Shared by :class:`DesignCore` (linearisation designs) and
    :class:`analysis.replicates.ReplicateDesign` (replicate weights), so both read columns,
    levels and domains by the same rules.
    """

    data: pd.DataFrame
    _domain: np.ndarray | None

    def _copy(self, **changes: Any) -> Self:
        new = copy.copy(self)
        for k, v in changes.items():
            setattr(new, k, v)
        return new

    def assign(self, **columns: Any) -> Self:
        """Same design with derived columns added (e.g. a 0/1 top-two-box indicator)."""
        data = self.data.assign(**columns)
        if len(data) != len(self.data):
            raise ValueError("assign must not change the number of rows")
        return self._copy(data=data)

    def _as_mask(self, mask: Any) -> np.ndarray:
        arr: np.ndarray
        if isinstance(mask, pd.Series):
            if not mask.index.equals(self.data.index):
                if len(mask) != len(self.data) or not mask.index.isin(self.data.index).all():
                    raise ValueError("subset mask is a Series whose index does not match the data")
                mask = mask.reindex(self.data.index)
            arr = mask.to_numpy()
        else:
            arr = np.asarray(mask)
        if arr.shape != (len(self.data),):
            raise ValueError(
                f"subset mask must have one value per row ({len(self.data)}), got shape {arr.shape}"
            )
        if arr.dtype != bool:
            # R: r & !is.na(r)
            arr = pd.Series(arr).fillna(False).to_numpy(dtype=bool)
        return arr

    def domain_mask(self) -> np.ndarray:
        """Boolean per row: in the domain (every row for a full design)."""
        return np.ones(len(self.data), dtype=bool) if self._domain is None else self._domain

    def column(self, col: str) -> np.ndarray:
        """A numeric (or boolean) column as floats, NaN where missing; anything else raises.

        Infinite values raise too: R would carry them into NaN estimates silently.
        """
        if not isinstance(col, str) or col not in self.data.columns:
            raise ValueError(f"unknown column {col!r}; the data has {list(self.data.columns)}")
        s = self.data[col]
        out: np.ndarray
        if (
            s.dtype == bool
            or pd.api.types.is_float_dtype(s.dtype)
            or pd.api.types.is_integer_dtype(s.dtype)
        ):
            out = s.to_numpy(dtype=float, na_value=np.nan)
        else:
            out = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            bad = np.isnan(out) & s.notna().to_numpy()
            if bad.any():
                raise ValueError(
                    f"column {col!r} is not numeric at rows {_first_bad(self.data.index, bad)}"
                )
        inf = np.isinf(out)
        if inf.any():
            # an infinite value makes every estimate NaN or infinite without saying why
            raise ValueError(
                f"column {col!r} has infinite values at rows {_first_bad(self.data.index, inf)}; "
                "recode them (or set them missing and pass na_rm=True)"
            )
        return out

    def usable(
        self, y: np.ndarray, col: str, na_rm: bool, mask: np.ndarray | None = None
    ) -> np.ndarray:
        """The domain (or ``mask``) without rows where ``y`` is missing, as R's ``na.rm=TRUE``.

        With ``na_rm=False`` a missing value in the domain raises instead (R would give NA).
        """
        d = self.domain_mask() if mask is None else mask
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

    def levels(self, col: str) -> list[Any]:
        """Levels of a grouping column: its categories, else its sorted distinct values."""
        if not isinstance(col, str) or col not in self.data.columns:
            raise ValueError(f"unknown column {col!r}; the data has {list(self.data.columns)}")
        s = self.data[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            return list(s.cat.categories)
        return sorted(s.dropna().unique().tolist())

    def category_indicators(
        self, col: str, level: Any, na_rm: bool
    ) -> tuple[list[Any], np.ndarray, np.ndarray]:
        """What ``proportion`` averages: the levels asked for (``level`` or all), their 0/1
        indicator columns, and the domain without missing rows (or an error)."""
        levels = self.levels(col)
        if level is not None and level not in levels:
            raise ValueError(
                f"level {level!r} does not occur in column {col!r}; levels are {levels}"
            )
        s = self.data[col]
        miss = s.isna().to_numpy()
        d = self.domain_mask()
        if (d & miss).any():
            if not na_rm:
                raise ValueError(
                    f"column {col!r} has {int((d & miss).sum())} missing values in the domain; "
                    "pass na_rm=True to drop them as a domain"
                )
            d = d & ~miss
        wanted = [level] if level is not None else levels
        y = np.column_stack([(s == lv).to_numpy(dtype=float) for lv in wanted])
        return wanted, y, d

    def by_values(self, col: str, stat: str, level: Any) -> np.ndarray:
        """The column ``by`` works on: the values, or for a proportion (``stat`` is
        ``"proportion"`` or ``"ciprop"``) a 0/1 indicator of ``level``, or the 0/1 column."""
        if stat not in ("proportion", "ciprop"):
            return self.column(col)
        if level is None:
            y = self.column(col)
            check_binary(y[~np.isnan(y)], col)
            return y
        known = self.levels(col)
        if level not in known:
            raise ValueError(
                f"level {level!r} does not occur in column {col!r}; levels are {known}"
            )
        s = self.data[col]
        return np.where(s.isna().to_numpy(), np.nan, (s == level).to_numpy(dtype=float))

    def subset(self, mask: Any) -> Self:
        """Domain design (R ``subset``): rows outside get zero weight, every PSU is kept."""
        m = self._as_mask(mask)
        return self._copy(_domain=self.domain_mask() & m)


class DesignCore(DataColumns):
    """A complex sample's structure, weights, domain and calibration (see ``SurveyDesign``).

    The arguments are those of :class:`analysis.design.SurveyDesign`, which adds the
    estimators. The public methods here are the building blocks of those estimators; an
    estimator in another module uses them and never the private attributes.
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
        adjust_domain_lonely: bool = False,
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
        self.adjust_domain_lonely = adjust_domain_lonely
        self._struct, stage_pop, stage_n = _build(data, id_cols, strata, fpc_cols, nest)
        self._w = _initial_weights(data, weights, stage_pop, stage_n)
        self._domain: np.ndarray | None = None
        self._calibration: tuple[CalibrationStep, ...] = ()
        if lonely_psu == "fail":
            self._check_lonely()

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

    # ------------------------------------------------------------------ what the design holds
    @property
    def n(self) -> int:
        """Number of rows in the data (R ``nrow(design)`` of the full design)."""
        return self._struct.n

    @property
    def n_psu(self) -> int:
        """Primary sampling units in the full design."""
        return self._struct.n_psu

    @property
    def n_strata(self) -> int:
        """First-stage strata in the full design (1 without ``strata``)."""
        return self._struct.n_strata

    @property
    def weights(self) -> pd.Series:
        """Current analysis weights; zero outside the domain (R ``weights(design)``)."""
        return pd.Series(
            np.where(self.domain_mask(), self._w, 0.0), index=self.data.index, name="weight"
        )

    @property
    def row_weights(self) -> np.ndarray:
        """Current weights of every row, the domain ignored (estimators mask them themselves)."""
        return self._w

    @property
    def psu_codes(self) -> np.ndarray:
        """First-stage cluster code (0..n_psu-1) of every row (R ``design$cluster[, 1]``)."""
        return self._struct.psu

    @property
    def stratum_codes(self) -> np.ndarray:
        """First-stage stratum code of every row (0..n_strata-1, sorted as the labels)."""
        return self._struct.stratum

    @property
    def stratum_labels(self) -> np.ndarray:
        """The first-stage strata's labels, in code order."""
        return self._struct.stratum_labels

    @property
    def has_strata(self) -> bool:
        """True when the design was given ``strata``."""
        return self._struct.has_strata

    @property
    def stage_count(self) -> int:
        """Sampling stages in ``ids``."""
        return self._struct.n_stages

    def first_stage_population(self) -> np.ndarray | None:
        """Population count N of each row's first-stage stratum (R ``fpc$popsize[, 1]``)."""
        st = self._struct.stages[0]
        if st.pop is None:
            return None
        return np.asarray(st.pop[self._struct.stratum], dtype=float)

    @property
    def calibration(self) -> tuple[CalibrationStep, ...]:
        """The ``poststratify``/``rake`` steps applied, in order (their residuals enter variances)."""
        return self._calibration

    @property
    def is_calibrated(self) -> bool:
        """True after ``poststratify`` or ``rake``."""
        return bool(self._calibration)

    @property
    def is_domain(self) -> bool:
        """True for a design returned by ``subset``."""
        return self._domain is not None

    # ------------------------------------------------------------------ new designs
    def with_weights(
        self, weights: np.ndarray, calibration: tuple[CalibrationStep, ...] | None = None
    ) -> Self:
        """Same design with new weights; ``calibration``, when given, replaces the steps.

        For :mod:`analysis.weighting`: a calibrated design's variances use the residuals of
        its calibration steps (Lumley 2010 ch. 7).
        """
        if weights.shape != (self.n,):
            raise ValueError(f"weights must have one value per row ({self.n})")
        if calibration is None:
            return self._copy(_w=weights)
        return self._copy(_w=weights, _calibration=calibration)

    # ------------------------------------------------------------------ estimator primitives
    def _present(self, d: np.ndarray) -> tuple[np.ndarray, ...] | None:
        """Clusters holding rows of domain ``d`` per stratum and stage, when R would look.

        Only ``lonely_psu="average"`` (with a lonely stratum) and ``adjust_domain_lonely``
        depend on them. A calibrated
        design keeps every row in its domains (R sets the weights outside to zero), so every
        cluster is present there, as in R.
        """
        averaging = self.lonely_psu == "average" and any(
            st.lonely.any() for st in self._struct.stages
        )
        if not (averaging or self.adjust_domain_lonely) or self._calibration:
            return None
        out = []
        for st in self._struct.stages:
            cluster = st.cluster_of_unit[self._struct.unit]
            seen = np.bincount(cluster[d], minlength=st.n_clusters) > 0
            out.append(np.bincount(st.stratum_of_cluster, weights=seen, minlength=st.n_strata))
        counts = tuple(out)
        if self.adjust_domain_lonely:
            self._warn_domain_lonely(counts)
        return counts

    def _warn_domain_lonely(self, counts: tuple[np.ndarray, ...]) -> None:
        """R's warning when a stratum has one PSU in the domain (adjust.domain.lonely)."""
        for s, (st, c) in enumerate(zip(self._struct.stages, counts, strict=True)):
            single = (c == 1) & (st.n_sampled > 1)
            if single.any():
                h = int(np.flatnonzero(single)[0])
                where = f"stratum {self._struct.stratum_labels[h]!r}" if s == 0 else "a stratum"
                warnings.warn(
                    f"{where} has only one PSU in the domain at stage {s + 1} "
                    f"({int(single.sum())} such strata); handled as lonely_psu="
                    f"{self.lonely_psu!r} (R's survey.adjust.domain.lonely)",
                    stacklevel=4,
                )

    def variance(self, x: np.ndarray, d: np.ndarray | None = None) -> np.ndarray:
        """Design variance of the column totals of row scores ``x`` (n, p), domain ``d``."""
        if x.ndim == 1:
            x = x[:, None]
        x = calibration_residuals(x, self._calibration)
        totals = group_sums(self._struct.unit, x, self._struct.n_units)
        return recvar(
            totals,
            self._struct.stages,
            self.lonely_psu,
            self._present(self.domain_mask() if d is None else d),
            self.adjust_domain_lonely,
        )

    def group_variance(
        self, score: np.ndarray, d: np.ndarray, groups: np.ndarray, n_groups: int
    ) -> np.ndarray:
        """Joint design covariance of the totals of ``score`` within each group (R ``svyby``).

        ``groups`` codes the rows of domain ``d`` 0..n_groups-1; ``score`` is zero outside
        ``d``. This is R's ``svyby(..., covmat=TRUE)``: the groups' influence functions on the
        full design. With ``lonely_psu="average"`` or ``adjust_domain_lonely`` R's standard
        error of each group comes from that group alone, which :meth:`group_variances` gives.
        Uncalibrated designs take one pass over units x groups instead of n_groups.
        """
        s = self._struct
        if self._calibration:
            x = np.zeros((s.n, n_groups))
            rows = np.flatnonzero(d)
            x[rows, groups[rows]] = score[rows]
            x = calibration_residuals(x, self._calibration)
            totals = group_sums(s.unit, x, s.n_units)
        else:
            t = np.bincount(
                s.unit * n_groups + groups, weights=score, minlength=s.n_units * n_groups
            )
            totals = t.reshape(s.n_units, n_groups)
        return recvar(totals, s.stages, self.lonely_psu, None)

    def group_variances(
        self, score: np.ndarray, d: np.ndarray, groups: np.ndarray, n_groups: int
    ) -> np.ndarray | None:
        """Each group's variance as a domain of its own (R's ``svyby`` standard errors).

        ``None`` when they equal the diagonal of :meth:`group_variance`, i.e. unless
        ``lonely_psu="average"`` or ``adjust_domain_lonely`` looks at the domain's rows.
        """
        if self._present(d) is None:
            return None
        out = np.zeros(n_groups)
        for j in range(n_groups):
            dj = d & (groups == j)
            out[j] = self.variance(np.where(dj, score, 0.0), dj)[0, 0]
        return out

    def degf(self, mask: np.ndarray | None = None) -> int:
        """Design degrees of freedom: PSUs minus strata with nonzero weight (R ``degf``)."""
        d = self.domain_mask() if mask is None else mask
        inset = d & (self._w != 0)
        s = self._struct
        npsu = int((np.bincount(s.psu[inset], minlength=s.n_psu) > 0).sum())
        nstr = int((np.bincount(s.stratum[inset], minlength=s.n_strata) > 0).sum())
        return npsu - nstr

    def group_degf(self, rows: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
        """``degf`` per group: PSUs minus strata among ``rows`` (a mask) of each group code."""
        s = self._struct
        g = groups[rows]
        npsu = np.bincount(g * s.n_psu + s.psu[rows], minlength=n_groups * s.n_psu)
        nstr = np.bincount(g * s.n_strata + s.stratum[rows], minlength=n_groups * s.n_strata)
        return np.asarray(
            (npsu.reshape(n_groups, s.n_psu) > 0).sum(1)
            - (nstr.reshape(n_groups, s.n_strata) > 0).sum(1)
        )

    def nrow(self, d: np.ndarray) -> int:
        """R's ``nrow(design)``: calibrated domains keep all rows, others drop them."""
        return self._struct.n if self.is_calibrated else int(d.sum())

    def design_effect(
        self, v: np.ndarray, y: np.ndarray, w: np.ndarray, scale: float
    ) -> np.ndarray:
        """Design effect as R's ``deff=TRUE``: SRS without replacement of the same size.

        ``v``: design variances; ``y`` (n, p): the values; ``w``: weights, zero outside the
        domain; ``scale``: 1 for means, (Σw)² for totals.
        """
        nobs = int((w != 0).sum())
        psum = float(w.sum())
        if psum < nobs:
            return np.full(len(v), np.nan)
        vsrs = _srs_var(y, w, nobs) * (psum - nobs) / (psum * nobs) * scale
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(v, dtype=float) / vsrs

    def mean_block(
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
        v = self.variance(x, d)
        deff = self.design_effect(np.diag(v), yv, w, 1.0)
        return est, v, deff

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
        return f"{type(self).__name__}({', '.join(parts)})"
