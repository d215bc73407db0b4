"""STL decomposition guard and seasonal strength."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.seasonal import stl_decompose


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
