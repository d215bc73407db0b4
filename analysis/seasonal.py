"""Seasonal decomposition and a seasonal forecast of monthly series, with statsmodels.

:func:`stl_decompose` is STL (Cleveland et al. 1990) through statsmodels' port of the same
Fortran R's ``stl`` runs, with R's defaults for the window lengths, jumps and iterations, so it
equals R's ``stl(x, s.window = seasonal, s.degree = seasonal_deg, robust = robust)`` (to 1e-12
in the tests; statsmodels' robust fit with ``s.degree = 0`` differs from R's, hence the default
``seasonal_deg=1``). It needs at least two full seasonal cycles (otherwise the seasonal
component cannot be told from noise). Seasonal strength is Wang, Smith & Hyndman's (2006)
F_S = max(0, 1 - var(R)/var(S + R)).

:func:`seasonal_forecast` models a long monthly count series (complaints per month) as a
quasi-Poisson GLM with a log-linear trend and one effect per month of the year, statsmodels
``GLM`` equal to R's ``glm(y ~ t + factor(month), family = quasipoisson)``, and forecasts the
next months: the expected count with its interval (from the linear predictor's SE, as R's
``predict(..., se.fit = TRUE)``) and a prediction interval for the count itself, whose variance
is the quasi-Poisson variance phi·mu plus the estimation variance mu²·var(eta) (the normal
approximation of Farrington et al. 1996 §2, without their 2/3-power transform). Intervals use
t on the residual df, since phi is estimated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tsa.seasonal import STL

__all__ = ["Decomposition", "SeasonalForecast", "seasonal_forecast", "stl_decompose"]


@dataclass(frozen=True)
class Decomposition:
    """Trend, seasonal and remainder components with the seasonal strength."""

    components: pd.DataFrame
    seasonal_strength: float
    period: int


def _check_series(series: pd.Series, period: int, what: str) -> None:
    if not isinstance(series, pd.Series):
        raise ValueError("series must be a pandas Series")
    if period < 2:
        raise ValueError(f"period must be at least 2, got {period}")
    if series.isna().any():
        raise ValueError("series has missing values; fill or drop the gaps first")
    values = pd.to_numeric(series, errors="coerce")
    if values.isna().any() or not np.isfinite(values.to_numpy(dtype=float)).all():
        raise ValueError("series must hold finite numbers")
    if len(series) < 2 * period:
        raise ValueError(
            f"{what} needs at least two full cycles: {2 * period} points for period {period}, "
            f"got {len(series)}"
        )


def _nextodd(x: float) -> int:
    n = round(x)
    return n + 1 if n % 2 == 0 else n


def stl_decompose(
    series: pd.Series,
    period: int = 12,
    robust: bool = True,
    seasonal: int = 7,
    seasonal_deg: int = 1,
) -> Decomposition:
    """STL of ``series`` (ordered, regularly spaced, no gaps), as R's ``stl``.

    ``seasonal`` is R's ``s.window`` (odd, at least 3), ``seasonal_deg`` its ``s.degree``;
    the trend and low-pass windows, the jumps (a tenth of each window) and the iterations
    (inner 1 and outer 15 when robust, else 2 and 0) are R's defaults.
    """
    _check_series(series, period, "STL")
    if seasonal < 3 or seasonal % 2 == 0:
        raise ValueError(f"seasonal must be an odd integer of at least 3, got {seasonal}")
    if seasonal_deg not in (0, 1):
        raise ValueError(f"seasonal_deg must be 0 or 1, got {seasonal_deg}")
    trend = _nextodd(math.ceil(1.5 * period / (1 - 1.5 / seasonal)))
    low_pass = _nextodd(period)
    y = series.astype(float).to_numpy()
    res = STL(
        y,
        period=period,
        seasonal=seasonal,
        trend=trend,
        low_pass=low_pass,
        seasonal_deg=seasonal_deg,
        trend_deg=1,
        low_pass_deg=1,
        robust=robust,
        seasonal_jump=math.ceil(seasonal / 10),
        trend_jump=math.ceil(trend / 10),
        low_pass_jump=math.ceil(low_pass / 10),
    ).fit(inner_iter=1 if robust else 2, outer_iter=15 if robust else 0)
    comp = pd.DataFrame(
        {
            "observed": y,
            "trend": res.trend,
            "seasonal": res.seasonal,
            "resid": y - res.trend - res.seasonal,
        },
        index=series.index,
    )
    var_sr = np.var(comp["seasonal"] + comp["resid"])
    strength = float(max(0.0, 1 - np.var(comp["resid"]) / var_sr)) if var_sr > 0 else 0.0
    return Decomposition(comp, strength, period)


@dataclass(frozen=True)
class SeasonalForecast:
    """A fitted seasonal count model and its forecast.

    ``fitted``: observed and fitted counts. ``forecast``: per future period the expected
    count (``mean``) with its interval (``mean_low``, ``mean_high``) and the prediction
    interval for the count (``low``, ``high``). ``params``: the GLM's coefficients (names
    as R's: ``(Intercept)``, ``t``, ``season2`` ...); ``dispersion``: phi (Pearson X²/df);
    ``trend_per_year``: the rate ratio over ``period`` steps, exp(period·slope).
    """

    fitted: pd.DataFrame
    forecast: pd.DataFrame
    params: pd.Series
    bse: pd.Series
    dispersion: float
    df_resid: float
    trend_per_year: float
    level: float


def _seasonal_exog(t: np.ndarray, period: int) -> np.ndarray:
    season = t % period
    dummies = [(season == k).astype(float) for k in range(1, period)]
    return np.column_stack([np.ones(len(t)), t.astype(float), *dummies])


def seasonal_forecast(
    series: pd.Series, steps: int = 12, period: int = 12, level: float = 0.95
) -> SeasonalForecast:
    """Quasi-Poisson trend + seasonal GLM of a count series and its next ``steps`` values.

    The season of the first observation is the reference level (R's ``factor(month)`` with
    the series starting in month 1). ``series`` needs non-negative counts over at least two
    full cycles; a ``PeriodIndex`` or ``DatetimeIndex`` with a frequency is extended for the
    forecast's index.
    """
    _check_series(series, period, "a seasonal model")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    y = series.astype(float).to_numpy()
    if (y < 0).any():
        raise ValueError("a count series can't have negative values")
    if y.sum() == 0:
        raise ValueError("the series is all zeros; there is nothing to model")
    n = len(y)
    t = np.arange(n)
    exog = _seasonal_exog(t, period)
    res = sm.GLM(y, exog, family=sm.families.Poisson()).fit(scale="X2")
    names = ["(Intercept)", "t", *[f"season{k + 1}" for k in range(1, period)]]
    df_resid = float(res.df_resid)
    phi = float(res.scale)
    q = float(stats.t.ppf(1 - (1 - level) / 2, df_resid))
    t_new = np.arange(n, n + steps)
    x_new = _seasonal_exog(t_new, period)
    eta = x_new @ res.params
    se_eta = np.sqrt(np.einsum("ij,jk,ik->i", x_new, res.cov_params(), x_new))
    mu = np.exp(eta)
    pred_sd = np.sqrt(phi * mu + mu**2 * se_eta**2)
    index: pd.Index = pd.RangeIndex(n, n + steps)
    if isinstance(series.index, pd.PeriodIndex):
        index = pd.period_range(series.index[-1] + 1, periods=steps, freq=series.index.freq)
    elif isinstance(series.index, pd.DatetimeIndex) and series.index.freq is not None:
        index = pd.date_range(series.index[-1], periods=steps + 1, freq=series.index.freq)[1:]
    forecast = pd.DataFrame(
        {
            "mean": mu,
            "se_link": se_eta,
            "mean_low": np.exp(eta - q * se_eta),
            "mean_high": np.exp(eta + q * se_eta),
            "low": np.maximum(mu - q * pred_sd, 0.0),
            "high": mu + q * pred_sd,
        },
        index=index,
    )
    fitted = pd.DataFrame({"observed": y, "fitted": res.fittedvalues}, index=series.index)
    return SeasonalForecast(
        fitted=fitted,
        forecast=forecast,
        params=pd.Series(res.params, index=names),
        bse=pd.Series(res.bse, index=names),
        dispersion=phi,
        df_resid=df_resid,
        trend_per_year=float(math.exp(period * res.params[1])),
        level=level,
    )
