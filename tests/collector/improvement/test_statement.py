"""The before/after sentence (collector.improvement.statement), in both languages."""

from __future__ import annotations

from collector.improvement.effects import BeforeAfter
from collector.improvement.effects import Change
from collector.improvement.effects import Side
from collector.improvement.statement import before_after_statement
from collector.improvement.statement import p_text
from collector.results.waves import parse_period

H1 = parse_period("2025H1")
H2 = parse_period("2025H2")
assert H1 is not None and H2 is not None


def result(change: Change | None, n: int = 100) -> BeforeAfter:
    return BeforeAfter(
        "top2", Side(H1, n, 0.38, 0.3, 0.46), Side(H2, 120, 0.74, 0.66, 0.81), change
    )


def test_a_significant_rise() -> None:
    text = before_after_statement(result(Change(0.36, 0.25, 0.47, 0.0004)), "Waiting", "en")
    assert text == (
        "Waiting: 38% in 2025 H1 (ROC 114), 74% in 2025 H2 (ROC 114), significantly higher "
        "(+36 percentage points, 95% CI +25 to +47, p < 0.001)."
    )
    zh = before_after_statement(result(Change(0.36, 0.25, 0.47, 0.0004)), "等候時間", "zh-Hant-TW")
    assert "顯著" in zh and "38%" in zh and "74%" in zh


def test_no_significant_change_and_suppression() -> None:
    text = before_after_statement(result(Change(0.02, -0.05, 0.09, 0.41)), "Waiting", "en")
    assert "is not significant (p = 0.41)" in text
    small = BeforeAfter("top2", Side(H1, 3), Side(H2, 120, 0.74, 0.66, 0.81), None)
    assert before_after_statement(small, "Waiting", "en") == (
        "Waiting: fewer than 5 respondents in 2025 H1 (ROC 114), so the waves are not compared."
    )
    waiting = BeforeAfter("top2", Side(H1, 100, 0.38, 0.3, 0.46), None, None)
    assert "No later wave has begun yet." in before_after_statement(waiting, "Waiting", "en")


def test_p_values() -> None:
    assert [p_text(p) for p in (0.0001, 0.004, 0.04, 0.5)] == [
        "p < 0.001",
        "p = 0.004",
        "p = 0.04",
        "p = 0.50",
    ]
