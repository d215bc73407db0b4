"""Change between survey waves and linear trend over waves, fitted with statsmodels.

The design-based variance of each wave's estimate is ours (statsmodels has none); the models
across waves are statsmodels':

* :func:`linear_trend` is a meta-regression of the wave estimates on time with their sampling
  variances known (Cochran 1954; Borenstein et al. 2009 ch. 20): ``WLS`` with weights 1/se²
  and the scale fixed at 1 when the waves are independent samples, ``GLS`` with the full
  covariance between the waves' estimates when they share PSUs or respondents (Kish 1965
  §12.4). The residual chi-square Q tests whether the waves scatter around the line more than
  sampling error explains. When they do (Q/df > 1), the slope's standard error is inflated
  multiplicatively by sqrt(Q/df) and referred to t on df = waves - 2 (Thompson & Sharp 1999):
  R's ``summary(lm(y ~ x, weights = 1/se^2))``. Both are reported; the inflated one (equal to
  the sampling-only one when Q/df <= 1) is the one the web layer shows.
* :func:`wave_change` is the difference of two waves with variance se1² + se2² - 2·cov;
  :func:`design_change` takes both waves from one design (shared PSUs, a panel), whose joint
  linearisation gives the covariance (R ``svyglm(y ~ wave)``, as ``SurveyDesign.difference``).
* :func:`design_trend` fits :func:`linear_trend` to the waves of one design with their joint
  covariance (R ``svyby(..., covmat=TRUE)`` then GLS).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import statsmodels.api as sm
from scipy import stats

from analysis.design import SurveyDesign
from analysis.estimate import Estimate
from analysis.estimate import Estimates

__all__ = [
    "LinearTrend",
    "design_change",
    "design_trend",
    "linear_trend",
    "wave_change",
]


def wave_change(current: Estimate, previous: Estimate, covariance: float = 0.0) -> Estimate:
    """``current - previous``: independent waves by default, else their ``covariance``.

    Overlapping waves (the same PSUs or a panel of respondents) are positively correlated,
    so ignoring the covariance overstates the SE of the change; pass it, or use
    :func:`design_change` when both waves are in one design.
    """
    var = current.se**2 + previous.se**2 - 2 * covariance
    if var < -1e-12 * (current.se**2 + previous.se**2):
        raise ValueError(
            f"covariance {covariance!r} is larger than the two variances allow "
            f"({current.se:g}² and {previous.se:g}²)"
        )
    return Estimate(
        estimate=current.estimate - previous.estimate,
        se=math.sqrt(max(var, 0.0)),
        df=min(current.df, previous.df),
        name=f"{current.name or 'current'} - {previous.name or 'previous'}",
        statistic="change",
    )


def design_change(
    design: SurveyDesign,
    col: str,
    wave: str,
    previous: Any,
    current: Any,
    na_rm: bool = True,
) -> Estimate:
    """Change of the mean (or share, for a 0/1 column) of ``col`` between two waves of one design.

    The waves' covariance comes from the joint design (R ``svyglm(col ~ wave)`` on the two
    waves), with t on the ``svyglm`` residual df for the interval.
    """
    return design.difference(col, wave, [previous, current], na_rm=na_rm)


@dataclass(frozen=True)
class LinearTrend:
    """Precision-weighted linear trend: slope per unit of ``x`` (e.g. per year).

    ``slope_se``, ``z``, ``p_value`` and :meth:`ci` are the reported values: sampling error
    only while the waves agree with a line (``scale == 1``), inflated by sqrt(``scale``) with
    t on ``heterogeneity_df`` when they scatter more. ``sampling_se`` and
    ``sampling_p_value`` are always the sampling-error-only ones (normal reference).
    """

    slope: float
    slope_se: float
    intercept: float
    z: float
    p_value: float
    heterogeneity_chi2: float
    heterogeneity_df: int
    heterogeneity_p: float
    sampling_se: float = math.nan
    sampling_p_value: float = math.nan
    scale: float = 1.0
    method: str = "WLS"

    @property
    def inflated(self) -> bool:
        """True when the slope's SE was inflated for heterogeneity between waves."""
        return self.scale > 1.0

    def ci(self, level: float = 0.95, sampling_only: bool = False) -> tuple[float, float]:
        """Interval for the slope (t on waves - 2 when inflated, else normal)."""
        upper = 1 - (1 - level) / 2
        if sampling_only or not self.inflated:
            se = self.sampling_se if sampling_only else self.slope_se
            q = float(stats.norm.ppf(upper))
        else:
            se = self.slope_se
            q = float(stats.t.ppf(upper, self.heterogeneity_df))
        return (self.slope - q * se, self.slope + q * se)


def _check(
    xa: np.ndarray, ya: np.ndarray, sa: np.ndarray, cov: np.ndarray | None
) -> np.ndarray | None:
    if not (len(xa) == len(ya) == len(sa)):
        raise ValueError("x, estimates and ses must have the same length")
    if len(xa) < 3:
        raise ValueError("a trend needs at least three waves; compare two waves with wave_change")
    if (sa <= 0).any() or np.isnan(sa).any() or np.isnan(ya).any() or not np.isfinite(ya).all():
        raise ValueError("every wave needs a finite estimate and a positive standard error")
    if np.isnan(xa).any() or np.ptp(xa) == 0:
        raise ValueError("x must be finite and vary across waves")
    if cov is None:
        return None
    c = np.asarray(cov, dtype=float)
    if c.shape != (len(xa), len(xa)) or not np.allclose(c, c.T):
        raise ValueError(f"cov must be a symmetric {len(xa)} x {len(xa)} matrix")
    if not np.allclose(np.sqrt(np.diag(c)), sa, rtol=1e-6):
        raise ValueError("the diagonal of cov must be the squared standard errors")
    if np.linalg.eigvalsh(c).min() <= 0:
        raise ValueError("cov must be positive definite")
    return c


def linear_trend(
    x: Sequence[float] | np.ndarray,
    estimates: Sequence[float] | np.ndarray,
    ses: Sequence[float] | np.ndarray,
    cov: Sequence[Sequence[float]] | np.ndarray | None = None,
) -> LinearTrend:
    """Linear trend of wave estimates on ``x`` with known sampling (co)variances.

    Without ``cov``: statsmodels ``WLS`` with weights 1/se². With ``cov`` (the covariance
    matrix of the wave estimates, e.g. ``Estimates.vcov`` of ``design.by``): ``GLS``.
    Both with the scale fixed at 1 (the variances are known), then inflated as the module
    says when the residual chi-square exceeds its df.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(estimates, dtype=float)
    sa = np.asarray(ses, dtype=float)
    c = _check(xa, ya, sa, None if cov is None else np.asarray(cov, dtype=float))
    exog = sm.add_constant(xa, has_constant="add")
    model = sm.WLS(ya, exog, weights=1 / sa**2) if c is None else sm.GLS(ya, exog, sigma=c)
    known = model.fit(cov_type="fixed scale", cov_kwds={"scale": 1.0})
    resid = ya - exog @ known.params
    whitened = model.whiten(resid)
    chi2 = float(whitened @ whitened)
    df = len(xa) - 2
    scale = max(1.0, chi2 / df) if df > 0 else 1.0
    sampling_se = float(known.bse[1])
    slope = float(known.params[1])
    z_sampling = slope / sampling_se
    p_sampling = float(2 * stats.norm.sf(abs(z_sampling)))
    se = sampling_se * math.sqrt(scale)
    z = slope / se
    p = p_sampling if scale == 1.0 else float(2 * stats.t.sf(abs(z), df))
    return LinearTrend(
        slope=slope,
        slope_se=se,
        intercept=float(known.params[0]),
        z=float(z),
        p_value=p,
        heterogeneity_chi2=chi2,
        heterogeneity_df=df,
        heterogeneity_p=float(stats.chi2.sf(chi2, df)) if df > 0 else math.nan,
        sampling_se=sampling_se,
        sampling_p_value=p_sampling,
        scale=scale,
        method="WLS" if c is None else "GLS",
    )


def design_trend(
    design: SurveyDesign,
    col: str,
    wave: str,
    x: dict[Any, float] | None = None,
    na_rm: bool = True,
) -> tuple[LinearTrend, Estimates]:
    """Trend of the mean of ``col`` across the waves of one design, with their covariance.

    The waves' means and their joint covariance come from ``design.by(col, wave)`` (R
    ``svyby(covmat=TRUE)``); ``x`` maps each wave to its time (default: the wave labels as
    numbers). Returns the trend (GLS) and the wave estimates.
    """
    means = design.by(col, wave, na_rm=na_rm)
    labels = list(means)
    if x is None:
        try:
            times = [float(str(lab)) for lab in labels]
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"wave labels {labels} are not numbers; pass x={{wave: time}}"
            ) from err
    else:
        missing = [lab for lab in labels if lab not in x]
        if missing:
            raise ValueError(f"x has no time for waves {missing}")
        times = [float(x[lab]) for lab in labels]
    trend = linear_trend(
        times, means.estimate.to_numpy(), means.se.to_numpy(), means.vcov.to_numpy()
    )
    return trend, means
