"""Sample size formulas (Cochran 1977)."""

from __future__ import annotations

import pytest

from analysis.sample_size import allocate
from analysis.sample_size import counter_plan
from analysis.sample_size import margin_of_error
from analysis.sample_size import sample_size


def test_textbook_values() -> None:
    assert sample_size(0.03) == 1068
    assert sample_size(0.03, population=300) == 235
    assert sample_size(0.05) == 385
    assert sample_size(0.03, deff=1.5) == 1601
    assert sample_size(0.03, response_rate=0.5) == 2135
    assert margin_of_error(1068) == pytest.approx(0.03, abs=2e-5)
    assert margin_of_error(235, population=300) < 0.03
    assert margin_of_error(1068, deff=2) == pytest.approx(0.03 * 2**0.5, abs=1e-4)


def test_allocation() -> None:
    assert allocate(100, {"a": 500, "b": 300, "c": 200}) == {"a": 50, "b": 30, "c": 20}
    ney = allocate(100, {"a": 500, "b": 500}, sds={"a": 1.0, "b": 3.0})
    assert ney == {"a": 25, "b": 75}
    capped = allocate(100, {"a": 1000, "b": 10}, sds={"a": 1.0, "b": 100.0})
    assert capped["b"] == 10 and sum(capped.values()) == 100
    assert sum(allocate(7, {"a": 1, "b": 1, "c": 10}, minimum=1).values()) == 7
    with pytest.raises(ValueError, match="exceeds the population"):
        allocate(50, {"a": 10, "b": 10})


def test_counter_plan() -> None:
    plan = counter_plan(400, {"north": 200, "south": 100}, days_in_period=20, response_rate=0.5)
    assert plan.interval == 7  # 6000 visitors * 0.5 / 400
    assert plan.expected_completes >= 400
    assert plan.days_per_unit == {"north": 3, "south": 3}
    with pytest.raises(ValueError, match="more visitors"):
        counter_plan(10_000, {"a": 10}, days_in_period=5)


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="margin must be a proportion"):
        sample_size(3)
    with pytest.raises(ValueError, match="smaller than the sample"):
        margin_of_error(500, population=300)
