"""The average of item means: equal to the mean of row averages without missing answers,
never below all its items with them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.composite import average_of_means
from analysis.design import SurveyDesign


def stratified(data: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign(data, strata="unit", fpc="population")


def test_one_item_is_its_design_mean() -> None:
    data = pd.DataFrame(
        {"unit": list("aaabbbb"), "population": [30] * 3 + [50] * 4, "x": [1, 5, 4, 3, 5, 4, 2]}
    )
    design = stratified(data)
    mean = design.mean("x")
    got = average_of_means(design, ["x"])
    assert got.estimate == pytest.approx(mean.estimate)
    assert got.se == pytest.approx(mean.se)
    assert got.df == mean.df


def test_without_missing_answers_it_is_the_mean_of_row_averages_covariance_included() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, 40)
    y = np.clip(x + rng.integers(-1, 2, 40), 1, 5)  # strongly correlated with x
    data = pd.DataFrame({"unit": ["a"] * 20 + ["b"] * 20, "population": [200] * 40, "x": x, "y": y})
    data["row"] = (data["x"] + data["y"]) / 2
    design = stratified(data)
    got = average_of_means(design, ["x", "y"], scale=25, shift=1)
    row = design.mean("row")
    assert got.estimate == pytest.approx((row.estimate - 1) * 25)
    assert got.se == pytest.approx(row.se * 25)


def test_with_items_skipped_it_lies_between_the_items() -> None:
    # the low scorers answer only x, the high scorers both: the mean of row averages
    # (2.75) would fall below both items (x 3.0, y 4.0)
    data = pd.DataFrame(
        {
            "unit": ["a"] * 10,
            "population": [100] * 10,
            "x": [1, 1, 1, 1, 1, 5, 5, 5, 5, 5],
            "y": [None] * 5 + [4, 4, 4, 4, 4],
        }
    )
    design = stratified(data)
    got = average_of_means(design, ["x", "y"])
    x, y = design.mean("x", na_rm=True).estimate, design.mean("y", na_rm=True).estimate
    assert min(x, y) <= got.estimate <= max(x, y)
    assert got.se > 0


def test_an_item_nobody_answered_is_refused() -> None:
    data = pd.DataFrame({"unit": ["a", "a"], "population": [9, 9], "x": [1, 2], "y": [None, None]})
    with pytest.raises(ValueError, match="'y' has no answers"):
        average_of_means(stratified(data), ["x", "y"])
    with pytest.raises(ValueError, match="at least one"):
        average_of_means(stratified(data), [])
