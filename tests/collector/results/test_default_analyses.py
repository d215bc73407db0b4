"""The satisfaction summary: top-two-box, 0-100 score, suppression of small cells."""

from __future__ import annotations

import pandas as pd
import pytest

from collector.results.summaries import likert_summary


def test_summary_of_a_known_item() -> None:
    values = pd.Series([5, 4, 4, 3, 2, 5, 4, 1, "na", None])
    summary = likert_summary(values)
    assert summary["n"] == 8
    assert summary["top2"] == pytest.approx(5 / 8)
    assert summary["mean"] == pytest.approx(28 / 8)
    assert summary["score"] == pytest.approx((28 / 8 - 1) / 4 * 100)
    low, high = summary["top2_ci"]
    assert 0 <= low < 5 / 8 < high <= 1


def test_fewer_than_five_is_suppressed() -> None:
    assert likert_summary(pd.Series([5, 5, 4, 4])) == {"n": 4, "suppressed": True}
