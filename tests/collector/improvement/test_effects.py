"""Before/after figures (collector.improvement.effects) against analysis/ directly."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis.design import SurveyDesign
from analysis.satisfaction import top_two_box
from collector.improvement.effects import CaseDates
from collector.improvement.effects import after_wave
from collector.improvement.effects import compare_cases
from collector.improvement.effects import compare_survey
from collector.results.waves import campaign_wave
from collector.results.waves import parse_period

H1 = parse_period("2025H1")
H2 = parse_period("2025H2")
assert H1 is not None and H2 is not None


def answers(seed: int, n: int, p: list[float]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"unit": rng.choice(["c1", "c2"], n), "q": rng.choice([1, 2, 3, 4, 5], n, p=p)}
    )


BEFORE = answers(1, 120, [0.15, 0.25, 0.3, 0.2, 0.1])
AFTER = answers(2, 140, [0.05, 0.1, 0.25, 0.35, 0.25])


def stacked() -> SurveyDesign:
    data = pd.concat([BEFORE.assign(wave=0), AFTER.assign(wave=1)], ignore_index=True).rename(
        columns={"q": "y"}
    )
    data["stratum"] = data["wave"].astype(str) + ":" + data["unit"]
    data["top"] = (data["y"] >= 4).astype(float)
    return SurveyDesign(data, strata="stratum", lonely_psu="adjust")


def test_top_two_box_change_is_the_design_difference() -> None:
    result = compare_survey(BEFORE, AFTER, "q", "top2", H1, H2)
    design = stacked()
    direct = design.difference("top", "wave", [0, 1])
    assert result.change is not None
    assert result.change.estimate == pytest.approx(direct.estimate)
    low, high = direct.ci()
    assert (result.change.low, result.change.high) == (pytest.approx(low), pytest.approx(high))
    assert result.change.p == pytest.approx(direct.t_test()[1])
    before_only = SurveyDesign(
        design.data[design.data["wave"] == 0].reset_index(drop=True),
        strata="stratum",
        lonely_psu="adjust",
    )
    assert result.before.estimate == pytest.approx(top_two_box(before_only, "y").estimate)
    assert result.before.estimate == pytest.approx((BEFORE["q"] >= 4).mean())
    assert result.change.significant and result.change.estimate > 0


def test_the_score_change_is_in_0_100_points() -> None:
    result = compare_survey(BEFORE, AFTER, "q", "score", H1, H2)
    assert result.change is not None
    expected = (AFTER["q"].mean() - BEFORE["q"].mean()) * 25
    assert result.change.estimate == pytest.approx(expected)
    assert result.after is not None and result.after.estimate == pytest.approx(
        (AFTER["q"].mean() - 1) * 25
    )


def test_a_side_under_five_respondents_is_suppressed() -> None:
    few = BEFORE.head(4)
    result = compare_survey(few, AFTER, "q", "top2", H1, H2)
    assert result.suppressed and result.change is None
    assert result.before.estimate is None and result.before.n == 4
    missing = BEFORE.assign(q=[None] * len(BEFORE))  # nobody answered the item
    assert compare_survey(missing, AFTER, "q", "top2", H1, H2).before.n == 0


def test_without_a_later_wave_only_the_before_is_shown() -> None:
    result = compare_survey(BEFORE, None, "q", "top2", H1, None)
    assert result.after is None and result.change is None
    assert result.before.estimate is not None


def test_the_wave_after_the_action() -> None:
    today = date(2026, 3, 1)
    assert after_wave(H1, date(2025, 7, 1), today) == H2  # took effect as H2 began
    assert after_wave(H1, date(2025, 8, 15), today) == parse_period("2026H1")  # within H2
    assert after_wave(H1, None, today) == parse_period("2026H1")  # open: the latest
    assert after_wave(H1, date(2025, 7, 1), date(2025, 5, 1)) is None  # not begun
    first = campaign_wave(1, "A", date(2025, 1, 1), date(2025, 3, 31))
    second = campaign_wave(2, "B", date(2025, 7, 1), date(2025, 9, 30))
    third = campaign_wave(3, "C", date(2026, 1, 1), date(2026, 3, 31))
    campaigns = [first, second, third]
    assert after_wave(first, date(2025, 6, 1), today, campaigns) == second
    assert after_wave(first, None, today, campaigns) == third
    assert after_wave(third, None, today, campaigns) is None


def test_complaint_case_counts_and_on_time_share() -> None:
    day = date(2025, 2, 1)
    late = [CaseDates(day, date(2025, 3, 1), date(2025, 3, 10)) for _ in range(8)]
    on_time = [CaseDates(day, date(2025, 3, 1), date(2025, 2, 20)) for _ in range(2)]
    better = [CaseDates(day, date(2025, 9, 1), date(2025, 8, 20)) for _ in range(9)]
    today = date(2026, 1, 10)
    counts = compare_cases(late + on_time, better, "many", H1, H2, today)
    assert (counts.before.n, counts.after.n if counts.after else None) == (10, 9)
    assert counts.change is not None and counts.change.estimate == -1
    shares = compare_cases(late + on_time, better + late[:1], "overdue", H1, H2, today)
    assert shares.before.estimate == pytest.approx(0.2)
    assert shares.after is not None and shares.after.estimate == pytest.approx(0.9)
    assert shares.change is not None and shares.change.estimate == pytest.approx(0.7)
    assert shares.change.p is not None and shares.change.p < 0.05
    open_not_due = [CaseDates(day, date(2026, 2, 1), None)]  # left out until due
    few = compare_cases(on_time + open_not_due, better, "overdue", H1, H2, today)
    assert few.before.n == 2 and few.suppressed and few.change is None
