"""Holm's adjustment without statsmodels' ``gc.collect()`` gives statsmodels' numbers."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from analysis.compare import adjust_pvalues


@pytest.mark.parametrize("seed", range(5))
def test_holm_equals_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.random(1 + seed * 7) ** 3
    p[::3] = p[0]  # ties
    assert np.array_equal(adjust_pvalues(p, "holm"), multipletests(p, method="holm")[1])


def test_holm_keeps_missing_values_in_place() -> None:
    got = adjust_pvalues([0.01, np.nan, 0.04, 0.03], "holm")
    want = multipletests([0.01, 0.04, 0.03], method="holm")[1]
    assert np.isnan(got[1])
    assert np.array_equal(got[[0, 2, 3]], want)
