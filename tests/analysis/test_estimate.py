"""Estimate / Estimates helpers."""

from __future__ import annotations

import math

import pytest

from analysis.estimate import Estimate
from analysis.estimate import critical_value
from tests.helpers.r_reference import api_design


def test_estimate_helpers() -> None:
    e = Estimate(10.0, 2.0, 30, name="x")
    assert e.var == 4.0 and e.cv == 0.2
    assert e.ci() == pytest.approx((10 - 1.959963984540054 * 2, 10 + 1.959963984540054 * 2))
    t, p = e.t_test(5.0)
    assert t == 2.5 and 0 < p < 0.05
    assert e.as_dict()["ci_low"] == e.ci()[0]
    assert Estimate(1.0, 0.0, 3).t_test() == (math.inf, 0.0)  # no variance: certain
    assert math.isnan(Estimate(1.0, 0.0, 3).t_test(1.0)[0])  # ... and no difference
    with pytest.raises(ValueError, match="between 0 and 1"):
        critical_value(95)


def test_estimates_table_and_contrast() -> None:
    b = api_design("clus1").by("api00", "stype")
    tab = b.table()
    assert list(tab.index) == ["E", "H", "M"]
    assert tab.loc["E", "se"] == pytest.approx(b["E"].se)
    assert len(b) == 3 and set(b) == {"E", "H", "M"}
    with pytest.raises(ValueError, match="unknown levels"):
        b.contrast({"Z": 1})
