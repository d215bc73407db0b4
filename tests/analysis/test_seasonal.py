"""STL and the seasonal count model against R's stl and glm(quasipoisson)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.seasonal import seasonal_forecast
from analysis.seasonal import stl_decompose
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import close
from tests.helpers.r_reference import data
from tests.helpers.r_reference import ref


def test_stl_finds_seasonality() -> None:
    idx = pd.period_range("2021-01", periods=36, freq="M")
    rng = np.random.default_rng(1)
    y = pd.Series(
        50 + 10 * np.sin(np.arange(36) * 2 * np.pi / 12) + rng.normal(0, 1, 36), index=idx
    )
    dec = stl_decompose(y)
    assert dec.seasonal_strength > 0.8
    np.testing.assert_allclose(
        dec.components[["trend", "seasonal", "resid"]].sum(axis=1), y.to_numpy()
    )


def test_stl_needs_two_cycles() -> None:
    with pytest.raises(ValueError, match="two full cycles"):
        stl_decompose(pd.Series(np.arange(20.0)))


@pytest.mark.parametrize(
    ("name", "deg", "robust"), [("robust_deg1", 1, True), ("plain_deg0", 0, False)]
)
def test_stl_matches_r(name: str, deg: int, robust: bool) -> None:
    y = data("monthly")["y"]
    dec = stl_decompose(y, robust=robust, seasonal_deg=deg)
    r = ref(f"stl.{name}")
    close(dec.components["seasonal"], r["seasonal"], EST_RTOL, atol=1e-9)
    close(dec.components["trend"], r["trend"], EST_RTOL)


def test_seasonal_forecast_matches_r_quasipoisson_glm() -> None:
    y = data("monthly")["y"]
    y.index = pd.period_range("2020-01", periods=len(y), freq="M")
    fc = seasonal_forecast(y, steps=12)
    r = ref("seasonal.glm")
    assert list(fc.params.index[:2]) == ["(Intercept)", "t"]
    close(fc.params, r["params"], EST_RTOL, atol=1e-9)
    close(fc.bse, r["bse"], SE_RTOL)
    close(fc.dispersion, r["dispersion"], SE_RTOL)
    assert fc.df_resid == r["df"]
    f = fc.forecast
    assert str(f.index[0]) == "2026-01"
    close(f["se_link"], r["se_link"], SE_RTOL)
    for col in ("mean", "mean_low", "mean_high", "low", "high"):
        close(f[col], r[col], EST_RTOL)
    assert (f["low"] < f["mean_low"]).all() and (f["high"] > f["mean_high"]).all()
    assert fc.trend_per_year == pytest.approx(np.exp(12 * fc.params["t"]))


def test_seasonal_forecast_errors() -> None:
    with pytest.raises(ValueError, match="two full cycles"):
        seasonal_forecast(pd.Series(np.arange(20.0)))
    with pytest.raises(ValueError, match="negative"):
        seasonal_forecast(pd.Series(np.r_[-1.0, np.ones(30)]))
    with pytest.raises(ValueError, match="finite"):
        seasonal_forecast(pd.Series(np.r_[np.inf, np.ones(30)]))
