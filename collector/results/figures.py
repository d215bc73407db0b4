"""Estimates as the pages print them, and the plain-language sentence about a change.

Shares are printed in percent and their changes in percentage points, scores on
0-100; every figure keeps its 95 % interval. A change is "significant" at the 5 %
level of its design-based test (``collector.results.estimation.change``).
"""

from __future__ import annotations

import math
from typing import Any

from collector.core.i18n import translator
from collector.results.estimation import Change
from collector.results.estimation import Satisfaction
from collector.results.estimation import change
from collector.results.estimation import interval

ALPHA = 0.05


def p_text(p: float) -> str:
    """``p < 0.001``, ``p = 0.004`` or ``p = 0.01`` (two significant places at most)."""
    if math.isnan(p):
        return "p = —"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def statement(language: str, moved: Change, previous_label: str) -> str:
    """ "Significantly higher than 2025 H1 (ROC 114), p = 0.01." or "not significantly"."""
    text = translator(language)
    p = p_text(moved.p)
    if moved.p < ALPHA and moved.estimate.estimate > 0:
        return text.gettext("Significantly higher than %(wave)s, %(p)s.", wave=previous_label, p=p)
    if moved.p < ALPHA and moved.estimate.estimate < 0:
        return text.gettext("Significantly lower than %(wave)s, %(p)s.", wave=previous_label, p=p)
    return text.gettext(
        "Not significantly different from %(wave)s (%(p)s).", wave=previous_label, p=p
    )


def share_view(value: float, low: float, high: float) -> dict[str, str]:
    lo, hi = f"{low * 100:.1f}", f"{high * 100:.1f}"
    return {"value": f"{value * 100:.1f}%", "ci": f"{lo}–{hi}", "low": lo, "high": hi}


def score_view(value: float, low: float, high: float) -> dict[str, str]:
    lo, hi = f"{low:.1f}", f"{high:.1f}"
    return {"value": f"{value:.1f}", "ci": f"{lo}–{hi}", "low": lo, "high": hi}


def satisfaction_view(result: Satisfaction | None) -> dict[str, Any] | None:
    """n, share and score with their intervals, as text; None when suppressed."""
    if result is None:
        return None
    share_low, share_high = interval(result.share)
    score_low, score_high = interval(result.score)
    return {
        "n": result.n,
        "share": share_view(result.share.estimate, share_low, share_high),
        "score": score_view(result.score.estimate, score_low, score_high),
        "raw": {
            "share": result.share.estimate,
            "share_ci": (share_low, share_high),
            "score": result.score.estimate,
            "score_ci": (score_low, score_high),
        },
    }


def change_view(
    language: str,
    current: Satisfaction | None,
    previous: Satisfaction | None,
    previous_label: str,
) -> dict[str, Any] | None:
    """The change of share (points) and score since the previous wave, with the sentence."""
    if current is None or previous is None:
        return None
    share = change(current.share, previous.share)
    score = change(current.score, previous.score)
    return {
        "share": _signed(share, 100.0),
        "score": _signed(score, 1.0),
        "share_p": share.p,
        "significant": share.p < ALPHA,
        "direction": "up" if share.estimate.estimate > 0 else "down",
        "statement": statement(language, share, previous_label),
        "score_statement": statement(language, score, previous_label),
    }


def _signed(moved: Change, factor: float) -> dict[str, str]:
    return {
        "value": f"{moved.estimate.estimate * factor:+.1f}",
        "ci": f"{moved.low * factor:+.1f}, {moved.high * factor:+.1f}",
        "p": p_text(moved.p),
    }
