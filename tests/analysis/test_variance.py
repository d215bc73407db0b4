"""The variance engine against textbook formulas (Cochran 1977)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.design import SurveyDesign
from analysis.variance import group_sums
from analysis.variance import recvar


def test_stratified_srswor_mean_matches_cochran() -> None:
    rng = np.random.default_rng(3)
    big_n = {"a": 500, "b": 300}
    rows = []
    for h, n in (("a", 20), ("b", 12)):
        for v in rng.normal(10, 2, n):
            rows.append({"h": h, "y": v, "N": big_n[h]})
    df = pd.DataFrame(rows)
    d = SurveyDesign(df, strata="h", fpc="N")
    est = d.mean("y")
    n_total = sum(big_n.values())
    var = 0.0
    mean = 0.0
    for h, g in df.groupby("h"):
        wh = big_n[h] / n_total
        n = len(g)
        mean += wh * g["y"].mean()
        var += wh**2 * (1 - n / big_n[h]) * g["y"].var(ddof=1) / n
    assert est.estimate == pytest.approx(mean)
    assert est.se == pytest.approx(np.sqrt(var))


def test_group_sums_and_bad_option() -> None:
    x = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(group_sums(np.array([0, 1, 0]), x, 2), [[4, 6], [2, 3]])
    d = SurveyDesign(pd.DataFrame({"y": [1.0, 2.0, 4.0]}))
    with pytest.raises(ValueError, match="lonely_psu must be one of"):
        recvar(np.ones((3, 1)), d._struct.stages, "drop")
