"""Design-based subgroup comparisons with multiple-comparison control.

Pairwise differences of domain means use the joint design (``SurveyDesign.difference``, the
``svyglm``/``svyttest`` slope); each grouping variable gets an overall design-based Wald F test
(R ``regTermTest`` on ``svyglm``); two-way tables get the Rao-Scott second-order corrected
Pearson test (R ``svychisq`` default ``statistic="F"``; Rao & Scott 1984). p-values across a
family of comparisons are adjusted by Holm (1979) or Benjamini-Hochberg (1995) via statsmodels
``multipletests``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from analysis.checks import SMALL_GROUP
from analysis.checks import warn_small_groups
from analysis.design import SurveyDesign
from analysis.tables import svychisq

__all__ = ["RaoScott", "adjust_pvalues", "pairwise", "rao_scott", "subgroup_tests"]

_METHODS = {
    "holm": "holm",
    "bh": "fdr_bh",
    "fdr_bh": "fdr_bh",
    "bonferroni": "bonferroni",
    "none": None,
}


def adjust_pvalues(p: Sequence[float] | np.ndarray, method: str = "holm") -> np.ndarray:
    """Holm, Benjamini-Hochberg ('bh'), Bonferroni or 'none' adjusted p-values."""
    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}, got {method!r}")
    arr = np.asarray(p, dtype=float)
    if _METHODS[method] is None or arr.size == 0:
        return arr
    ok = ~np.isnan(arr)
    out = np.full(arr.shape, np.nan)
    if ok.any():
        if method == "holm":
            out[ok] = _holm(arr[ok])
        else:
            out[ok] = multipletests(arr[ok], method=_METHODS[method])[1]
    return out


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment, as ``multipletests(method="holm")`` computes it.

    statsmodels' Holm calls ``gc.collect()``, a full collection that costs seconds in a
    web process holding a large wave's rows; this is its arithmetic without that
    (``tests/analysis/test_compare_holm.py`` checks they agree).
    """
    order = np.argsort(p)
    corrected = np.maximum.accumulate(p[order] * np.arange(p.size, 0, -1))
    out = np.empty(p.size)
    out[order] = np.minimum(corrected, 1.0)
    return out


def _group_counts(design: SurveyDesign, group: str, cols: Sequence[str] = ()) -> dict[object, int]:
    """Respondents (rows with weight, in the domain, answering ``cols``) per level of ``group``."""
    ok = design.domain_mask() & (design.row_weights != 0)
    for c in cols:
        ok = ok & design.data[c].notna().to_numpy()
    g = design.data[group].to_numpy()
    return {lv: int((ok & (g == lv)).sum()) for lv in design.levels(group)}


def pairwise(
    design: SurveyDesign,
    col: str,
    group: str,
    method: str = "holm",
    na_rm: bool = True,
    min_group: int = SMALL_GROUP,
) -> pd.DataFrame:
    """All pairwise differences of group means, design-based t tests, adjusted p-values.

    Groups with fewer than ``min_group`` respondents give one ``SmallDomainWarning``.
    """
    levels = design.levels(group)
    warn_small_groups(
        _group_counts(design, group, [col]), f"pairwise({col!r}, {group!r})", min_group
    )
    rows = []
    for a, b in itertools.combinations(levels, 2):
        est = design.difference(col, group, [a, b], na_rm=na_rm, min_group=0)
        t, p = est.t_test()
        lo, hi = est.ci()
        rows.append(
            {
                "group_a": a,
                "group_b": b,
                "difference": est.estimate,
                "se": est.se,
                "ci_low": lo,
                "ci_high": hi,
                "t": t,
                "df": est.df,
                "p": p,
            }
        )
    out = pd.DataFrame(rows)
    if len(out):
        out["p_adjusted"] = adjust_pvalues(out["p"].to_numpy(), method)
    return out


def subgroup_tests(
    design: SurveyDesign,
    col: str,
    groups: Sequence[str],
    method: str = "holm",
    min_group: int = SMALL_GROUP,
) -> pd.DataFrame:
    """One overall Wald F test per grouping variable (sex, age group, channel, unit...).

    A level with fewer than ``min_group`` respondents gives a ``SmallDomainWarning``.
    """
    rows = []
    for g in groups:
        warn_small_groups(
            _group_counts(design, g, [col]), f"subgroup test of {col!r} by {g!r}", min_group
        )
        safe = design.assign(_y=design.data[col], _g=design.data[g].astype("string"))
        res = safe.glm("_y ~ C(_g)")
        terms = [t for t in res.params.index if t != "Intercept"]
        f, k, ddf, p = res.wald_test(terms)
        rows.append({"group": g, "F": f, "df_num": k, "df_den": ddf, "p": p})
    out = pd.DataFrame(rows)
    out["p_adjusted"] = adjust_pvalues(out["p"].to_numpy(), method)
    return out


@dataclass(frozen=True)
class RaoScott:
    """Rao-Scott F test of independence in a two-way table."""

    statistic: float
    df_num: float
    df_den: float
    p_value: float
    pearson: float


def rao_scott(design: SurveyDesign, row: str, col: str, min_group: int = SMALL_GROUP) -> RaoScott:
    """R ``svychisq(~row + col, design)`` with its default second-order correction.

    On a domain (``design.subset``) the denominator df counts the domain's clusters and
    strata, as R's ``svychisq`` does on the subset (a calibrated design keeps all its rows in
    R, so its domains keep the full design's df). A level of either variable with fewer
    than ``min_group`` respondents gives a ``SmallDomainWarning``.
    """
    counts: dict[object, int] = {
        f"{v}={lv}": k for v in (row, col) for lv, k in _group_counts(design, v, [row, col]).items()
    }
    warn_small_groups(counts, f"rao_scott({row!r}, {col!r})", min_group)
    t = svychisq(design, row, col, "F")
    return RaoScott(t.statistic, t.ndf, t.ddf, t.p_value, t.pearson)
