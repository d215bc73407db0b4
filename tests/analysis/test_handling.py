"""Complaint-handling statistics from counts: the same numbers as from each case."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis.design import SurveyDesign
from analysis.handling import dimension_scores
from analysis.handling import followup_design
from analysis.handling import overdue_chart
from analysis.handling import share
from analysis.handling import time_to_close_counts
from analysis.survival import time_to_close


def test_share_has_wilson_interval_that_stays_open_at_one() -> None:
    s = share(20, 20)
    assert s.estimate == 1.0 and s.high == pytest.approx(1.0)
    assert s.low == pytest.approx(0.8389, abs=1e-4)  # Wilson: 20 / (20 + 1.96^2)
    with pytest.raises(ValueError):
        share(3, 0)


def test_grouped_counts_give_the_per_case_curve() -> None:
    counts = [
        (date(2026, 1, 1), date(2026, 1, 4), 3),
        (date(2026, 1, 2), date(2026, 1, 20), 2),
        (date(2026, 1, 5), None, 2),
    ]
    grouped = time_to_close_counts(counts, date(2026, 2, 1))
    opened = pd.Series([pd.Timestamp(r) for r, _, n in counts for _ in range(n)])
    closed = pd.Series([pd.Timestamp(a) if a else pd.NaT for _, a, n in counts for _ in range(n)])
    direct = time_to_close(opened, closed, pd.Timestamp("2026-02-01"))
    assert grouped.median == direct.median == 18  # S(3) = 4/7 > 0.5, S(18) = 2/7
    assert grouped.n_open == 2 and grouped.n == 7
    pd.testing.assert_frame_equal(grouped.table, direct.table)


def test_overdue_chart_keeps_a_month_without_cases_as_a_gap() -> None:
    chart = overdue_chart(["2026-01", "2026-02", "2026-03"], [10, 0, 30], [1, 0, 9])
    assert list(chart.index) == ["2026-01", "2026-02", "2026-03"]
    assert chart["centre"].tolist() == pytest.approx([10 / 40] * 3)
    gap = chart.loc["2026-02"]
    assert gap["n"] == 0 and np.isnan(gap["value"]) and np.isnan(gap["ucl"])
    assert gap["rules"] == "" and not gap["out_of_control"]
    assert chart.loc["2026-03", "value"] == pytest.approx(0.3)
    # eight months above the centre around an empty one: not a run of eight months
    due = [20] * 4 + [0] + [20] * 4 + [40] * 6
    overdue = [8] * 4 + [0] + [8] * 4 + [4] * 6
    months = [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01", "2026-02", "2026-03"]
    split = overdue_chart(months, due, overdue)
    assert "WE4" not in ",".join(split["rules"].iloc[:9])
    contiguous = overdue_chart(months[:14], [20] * 8 + [40] * 6, [8] * 8 + [4] * 6)
    assert "WE4" in contiguous["rules"].iloc[7]  # the same eight months, one after another
    with pytest.raises(ValueError):
        overdue_chart(["2026-01"], [0], [0])


def test_followup_weights_each_stratum_to_its_invited_cases() -> None:
    answers = pd.DataFrame({"stratum": ["a", "a", "b", "b", "b"], "y": [5.0, 3.0, 1.0, 2.0, 3.0]})
    design = followup_design(answers, {"a": 10, "b": 3})
    # a's two stand for 10 cases (weight 5), b's three for 3 (weight 1)
    assert design.mean("y").estimate == pytest.approx((25 + 15 + 6) / 13)
    reference = SurveyDesign(
        answers.assign(w=[5.0, 5.0, 1.0, 1.0, 1.0], N=[10.0, 10.0, 3.0, 3.0, 3.0]),
        strata="stratum",
        weights="w",
        fpc="N",
    )
    assert design.mean("y").se == pytest.approx(reference.mean("y").se)
    with pytest.raises(ValueError, match="more respondents"):
        followup_design(answers, {"a": 1, "b": 3})


def test_dimension_scores_average_the_answered_items() -> None:
    frame = pd.DataFrame({"p1": [5.0, None], "p2": [3.0, 4.0]})
    scored = dimension_scores(frame, {"process": ["p1", "p2"]})
    assert list(scored["dim_process"]) == [4.0, 4.0]
