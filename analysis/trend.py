"""Change between survey waves and linear trend over waves.

Waves are independent samples, so the change between two wave estimates has variance
se1² + se2² (Kish 1965 §12.4); when both waves sit in one design use
``SurveyDesign.difference`` instead, which includes their covariance. With few waves the trend
is a weighted least-squares line with weights 1/se² (known sampling variances, as in
meta-regression; Cochran 1954), not a time-series model; the residual chi-square tells whether
the waves scatter around the line more than sampling error explains.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.estimate import Estimate

__all__ = ["LinearTrend", "linear_trend", "wave_change"]


def wave_change(current: Estimate, previous: Estimate) -> Estimate:
    """``current - previous`` for independent waves, normal-theory CI and test."""
    return Estimate(
        estimate=current.estimate - previous.estimate,
        se=math.sqrt(current.se**2 + previous.se**2),
        df=min(current.df, previous.df),
        name=f"{current.name or 'current'} - {previous.name or 'previous'}",
        statistic="change",
    )


@dataclass(frozen=True)
class LinearTrend:
    """Precision-weighted linear trend: slope per unit of ``x`` (e.g. per year)."""

    slope: float
    slope_se: float
    intercept: float
    z: float
    p_value: float
    heterogeneity_chi2: float
    heterogeneity_df: int
    heterogeneity_p: float

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Normal interval for the slope."""
        q = float(stats.norm.ppf(1 - (1 - level) / 2))
        return (self.slope - q * self.slope_se, self.slope + q * self.slope_se)


def linear_trend(
    x: Sequence[float], estimates: Sequence[float], ses: Sequence[float]
) -> LinearTrend:
    """Weighted least squares of wave estimates on ``x`` with weights 1/se²."""
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(estimates, dtype=float)
    sa = np.asarray(ses, dtype=float)
    if not (len(xa) == len(ya) == len(sa)):
        raise ValueError("x, estimates and ses must have the same length")
    if len(xa) < 3:
        raise ValueError("a trend needs at least three waves; compare two waves with wave_change")
    if (sa <= 0).any() or np.isnan(sa).any() or np.isnan(ya).any():
        raise ValueError("every wave needs a finite estimate and a positive standard error")
    if np.ptp(xa) == 0:
        raise ValueError("x must vary across waves")
    w = 1 / sa**2
    design = np.column_stack([np.ones_like(xa), xa])
    cov = np.linalg.inv(design.T @ (design * w[:, None]))
    beta = cov @ design.T @ (w * ya)
    resid = ya - design @ beta
    chi2 = float((w * resid**2).sum())
    df = len(xa) - 2
    se = math.sqrt(cov[1, 1])
    z = beta[1] / se
    return LinearTrend(
        slope=float(beta[1]),
        slope_se=se,
        intercept=float(beta[0]),
        z=float(z),
        p_value=float(2 * stats.norm.sf(abs(z))),
        heterogeneity_chi2=chi2,
        heterogeneity_df=df,
        heterogeneity_p=float(stats.chi2.sf(chi2, df)),
    )
