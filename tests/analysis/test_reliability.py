"""Cronbach's alpha against the textbook formula and known values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.reliability import cronbach_alpha


def test_alpha_known_value() -> None:
    items = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    res = cronbach_alpha(items)
    var_items = items.var(ddof=1).sum()
    var_total = items.sum(axis=1).var(ddof=1)
    assert res.alpha == pytest.approx(3 / 2 * (1 - var_items / var_total))
    assert res.k == 3 and res.n == 5
    assert set(res.alpha_if_deleted.index) == {"a", "b", "c"}
    assert res.item_total_correlation["a"] == pytest.approx(
        np.corrcoef(items["a"], items["b"] + items["c"])[0, 1]
    )
    assert res.rating == "good"


def test_missing_rows_and_errors() -> None:
    items = pd.DataFrame({"a": [1, 2, None, 4], "b": [1, 2, 3, 5]})
    assert cronbach_alpha(items).n == 3
    with pytest.raises(ValueError, match="at least two item columns"):
        cronbach_alpha(items[["a"]])


def test_identical_answers_give_undefined_alpha() -> None:
    items = pd.DataFrame({"a": [4, 4, 4, 4], "b": [4, 4, 4, 4], "c": [4, 4, 4, 4]})
    with pytest.warns(UserWarning, match="undefined"):
        res = cronbach_alpha(items)
    assert np.isnan(res.alpha)
    assert res.rating == "undefined"


def test_reverse_keyed_item_gets_a_hint() -> None:
    items = pd.DataFrame(
        {
            "a": [1, 2, 3, 4, 5, 4],
            "b": [2, 2, 3, 5, 5, 4],
            "c": [1, 3, 3, 4, 4, 5],
            "neg": [5, 4, 3, 2, 1, 2],
        }
    )
    with pytest.warns(UserWarning, match=r"\['neg'\] correlate negatively.*6 - x"):
        res = cronbach_alpha(items)
    assert res.item_total_correlation["neg"] < 0
    fixed = items.assign(neg=6 - items["neg"])
    assert cronbach_alpha(fixed).alpha > res.alpha
