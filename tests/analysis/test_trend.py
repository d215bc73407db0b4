"""Wave-over-wave change and precision-weighted linear trend."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from analysis.estimate import Estimate
from analysis.trend import linear_trend
from analysis.trend import wave_change


def test_wave_change() -> None:
    a = Estimate(0.70, 0.02, 50, name="2023")
    b = Estimate(0.75, 0.015, 60, name="2024")
    ch = wave_change(b, a)
    assert ch.estimate == pytest.approx(0.05)
    assert ch.se == pytest.approx(0.025)
    t, p = ch.t_test()
    assert t == pytest.approx(2.0) and p == pytest.approx(0.0455, abs=1e-4)


def test_linear_trend_equals_wls_with_known_variance() -> None:
    x = [2020, 2021, 2022, 2023, 2024]
    y = [0.70, 0.72, 0.71, 0.75, 0.78]
    se = [0.02, 0.015, 0.02, 0.01, 0.012]
    tr = linear_trend(x, y, se)
    w = 1 / np.square(se)
    fit = sm.WLS(y, sm.add_constant(np.asarray(x, float)), weights=w).fit()
    assert tr.slope == pytest.approx(fit.params[1])
    assert tr.slope_se == pytest.approx(fit.bse[1] / np.sqrt(fit.scale))
    assert tr.heterogeneity_df == 3
    lo, hi = tr.ci()
    assert lo < tr.slope < hi


def test_trend_errors() -> None:
    with pytest.raises(ValueError, match="at least three waves"):
        linear_trend([1, 2], [0.1, 0.2], [0.1, 0.1])
    with pytest.raises(ValueError, match="positive standard error"):
        linear_trend([1, 2, 3], [0.1, 0.2, 0.3], [0.1, 0.0, 0.1])
