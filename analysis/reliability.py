"""Internal consistency of a multi-item scale: Cronbach's alpha (Cronbach 1951).

alpha = k/(k-1)·(1 - Σ var(item)/var(total)); also alpha if each item is deleted and the
corrected item-total correlation (item against the sum of the other items), as reported by
SPSS RELIABILITY and R ``psych::alpha``. Conventional reading: ≥ 0.7 acceptable, ≥ 0.8 good
(Nunnally 1978). Rows with any missing item are dropped (listwise).

Alpha is undefined when the total score does not vary (every respondent gave the same
answers): it is NaN, rated "undefined", with a warning, never "poor". An item that correlates
negatively with the sum of the others is almost always a reverse-keyed item that was not
reversed; a warning names it and says how to reverse it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CronbachAlpha", "cronbach_alpha"]


@dataclass(frozen=True)
class CronbachAlpha:
    """Alpha with item diagnostics."""

    alpha: float
    n: int
    k: int
    alpha_if_deleted: pd.Series
    item_total_correlation: pd.Series

    @property
    def rating(self) -> str:
        """'good' (≥0.8), 'acceptable' (≥0.7), 'poor', or 'undefined' when alpha is NaN."""
        if math.isnan(self.alpha):
            return "undefined"
        return "good" if self.alpha >= 0.8 else "acceptable" if self.alpha >= 0.7 else "poor"


def _alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


def cronbach_alpha(items: pd.DataFrame) -> CronbachAlpha:
    """Cronbach's alpha of the columns of ``items`` (one column per item)."""
    if not isinstance(items, pd.DataFrame) or items.shape[1] < 2:
        raise ValueError("items must be a DataFrame with at least two item columns")
    data = items.apply(pd.to_numeric, errors="coerce").dropna()
    if len(data) < 2:
        raise ValueError("cronbach_alpha needs at least two complete rows")
    x = data.to_numpy(dtype=float)
    k = x.shape[1]
    deleted = {}
    corr = {}
    for j, col in enumerate(data.columns):
        rest = np.delete(x, j, axis=1)
        deleted[col] = _alpha(rest) if k > 2 else float("nan")
        other = rest.sum(axis=1)
        corr[col] = (
            float(np.corrcoef(x[:, j], other)[0, 1])
            if x[:, j].std() > 0 and other.std() > 0
            else float("nan")
        )
    alpha = _alpha(x)
    if math.isnan(alpha):
        warnings.warn(
            f"Cronbach's alpha is undefined: the total score is the same for all {len(data)} "
            "respondents",
            stacklevel=2,
        )
    negative = [c for c, r in corr.items() if r < 0]
    if negative:
        warnings.warn(
            f"item(s) {negative} correlate negatively with the other items; if they are "
            "reverse-keyed, reverse them first (low + high - answer, e.g. 6 - x on a 1-5 scale)",
            stacklevel=2,
        )
    return CronbachAlpha(
        alpha=alpha,
        n=len(data),
        k=k,
        alpha_if_deleted=pd.Series(deleted),
        item_total_correlation=pd.Series(corr),
    )
