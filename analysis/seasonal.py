"""Seasonal-trend decomposition of a monthly series by STL (Cleveland et al. 1990), via
statsmodels, only when the series covers at least two full seasonal cycles (otherwise the
seasonal component cannot be told from noise). Seasonal strength is Wang, Smith & Hyndman's
(2006) F_S = max(0, 1 - var(R)/var(S + R)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL

__all__ = ["Decomposition", "stl_decompose"]


@dataclass(frozen=True)
class Decomposition:
    """Trend, seasonal and remainder components with the seasonal strength."""

    components: pd.DataFrame
    seasonal_strength: float
    period: int


def stl_decompose(series: pd.Series, period: int = 12, robust: bool = True) -> Decomposition:
    """Robust STL of ``series`` (ordered, regularly spaced, no gaps)."""
    if not isinstance(series, pd.Series):
        raise ValueError("series must be a pandas Series")
    if period < 2:
        raise ValueError(f"period must be at least 2, got {period}")
    if series.isna().any():
        raise ValueError("series has missing values; fill or drop the gaps first")
    if len(series) < 2 * period:
        raise ValueError(
            f"STL needs at least two full cycles: {2 * period} points for period {period}, got {len(series)}"
        )
    res = STL(series.astype(float).to_numpy(), period=period, robust=robust).fit()
    comp = pd.DataFrame(
        {
            "observed": series.astype(float).to_numpy(),
            "trend": res.trend,
            "seasonal": res.seasonal,
            "resid": res.resid,
        },
        index=series.index,
    )
    var_sr = np.var(comp["seasonal"] + comp["resid"])
    strength = float(max(0.0, 1 - np.var(comp["resid"]) / var_sr)) if var_sr > 0 else 0.0
    return Decomposition(comp, strength, period)
