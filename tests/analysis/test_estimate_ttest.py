"""``Estimate.t_test`` at the edges: no sampling variance at all."""

from __future__ import annotations

import math

from analysis.estimate import Estimate


def estimate(value: float, se: float) -> Estimate:
    return Estimate(name="d", statistic="mean", estimate=value, se=se, df=10)


def test_a_difference_without_variance_is_certain() -> None:
    t, p = estimate(-0.5, 0.0).t_test()
    assert t == -math.inf and p == 0.0
    t, p = estimate(0.25, 0.0).t_test(df=3)
    assert t == math.inf and p == 0.0


def test_no_difference_or_no_standard_error_has_no_test() -> None:
    for value, se in ((0.0, 0.0), (0.3, math.nan), (math.nan, 0.0)):
        t, p = estimate(value, se).t_test()
        assert math.isnan(t) and math.isnan(p)


def test_a_positive_standard_error_gives_the_wald_test() -> None:
    t, p = estimate(0.2, 0.1).t_test(df=10)
    assert t == 2.0 and 0.07 < p < 0.08  # t on 10 df (R: 2 * pt(-2, 10) = 0.0734)
