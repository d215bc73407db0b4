"""p-chart, u-chart and run rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.control_charts import p_chart
from analysis.control_charts import run_rules
from analysis.control_charts import u_chart


def test_p_chart_varying_limits() -> None:
    n = pd.Series([100, 50, 200, 100], index=pd.period_range("2024-01", periods=4, freq="M"))
    x = pd.Series([10, 5, 20, 40], index=n.index)
    ch = p_chart(x, n)
    pbar = 75 / 450
    assert ch["centre"].iloc[0] == pytest.approx(pbar)
    assert ch["ucl"].iloc[1] == pytest.approx(pbar + 3 * np.sqrt(pbar * (1 - pbar) / 50))
    assert ch["ucl"].iloc[1] > ch["ucl"].iloc[2]
    assert ch["out_of_control"].iloc[3] and "WE1" in ch["rules"].iloc[3]
    assert (ch["lcl"] >= 0).all()


def test_u_chart_per_thousand() -> None:
    ch = u_chart([5, 8, 30], [10_000, 12_000, 11_000])
    ubar = 43 / 33
    assert ch["centre"].iloc[0] == pytest.approx(ubar)
    assert ch["value"].iloc[0] == pytest.approx(0.5)
    assert ch["ucl"].iloc[0] == pytest.approx(ubar + 3 * np.sqrt(ubar / 10))
    assert ch["out_of_control"].iloc[2]


def test_run_rules() -> None:
    assert run_rules([0.5] * 8)[-1] == ["WE4"]
    assert "WE2" in run_rules([0, 2.5, 2.5])[-1]
    assert "WE3" in run_rules([1.5, 1.5, 0, 1.5, 1.5])[-1]
    assert "TREND" in run_rules([-1, -0.5, 0, 0.5, 1, 1.5])[-1]
    assert run_rules([0.1, -0.1, 0.2]) == [[], [], []]


def test_run_rules_count_a_period_without_a_value_as_a_period() -> None:
    nan = float("nan")
    # eight values above the centre with a gap among them are not eight in a row
    assert run_rules([0.5] * 4 + [nan] + [0.5] * 4)[-1] == []
    assert run_rules([0.5] * 8 + [nan])[7] == ["WE4"]
    assert run_rules([0.5] * 8 + [nan])[8] == []  # the gap itself signals nothing
    assert run_rules([2.5, nan, 2.5])[-1] == []  # two of three periods, not of two points
    assert run_rules([-1, -0.5, 0, nan, 0.5, 1, 1.5])[-1] == []
    assert run_rules([nan, 3.5]) == [[], ["WE1"]]


def test_errors() -> None:
    with pytest.raises(ValueError, match="defectives <= n"):
        p_chart([5], [3])
    with pytest.raises(ValueError, match="exposure must be positive"):
        u_chart([1], [0])
