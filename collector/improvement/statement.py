"""The before/after of an action in one sentence, as a coordinator writes it into the
award's review-and-improvement report (檢討改善情形). Pure: a result and a language in,
text out."""

from __future__ import annotations

from collector.core.i18n import translator
from collector.improvement.effects import BeforeAfter
from collector.improvement.effects import Side

SHARES = ("top2", "on_time")
"""Measures that are shares (shown as per cent, changes in percentage points)."""


def figure(value: float, measure: str) -> str:
    """One side's estimate as shown: ``38%``, ``62.4``, ``17`` (cases)."""
    return _number(value, measure, "") + ("%" if measure in SHARES else "")


def change_figure(value: float, measure: str) -> str:
    """A change with its sign: ``+12`` (percentage points or 0-100 points), ``-3`` (cases)."""
    return _number(value, measure, "+")


def _number(value: float, measure: str, sign: str) -> str:
    if measure in SHARES:
        return f"{value * 100:{sign}.0f}"
    return f"{value:{sign}.0f}" if measure == "cases" else f"{value:{sign}.1f}"


def p_text(p: float) -> str:
    """``p < 0.001`` or ``p = 0.03`` (two significant figures below 0.1)."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _unit(measure: str, language: str) -> str:
    text = translator(language)
    if measure in SHARES:
        return text.gettext("percentage points")
    if measure == "cases":
        return text.gettext("cases")
    return text.gettext("points")


def before_after_statement(result: BeforeAfter, subject: str, language: str) -> str:
    """One sentence on ``result`` for ``subject`` (what the measure is, e.g. "Top-two-box
    share of 等候時間合理 at 綜合櫃台"): the two waves' figures and the change with
    its interval and significance; or why there is no comparison."""
    text = translator(language)
    before = result.before
    w0 = before.wave.label(language)
    after = result.after
    small = (
        text.gettext("fewer than 5 cases")
        if result.measure in ("cases", "on_time")
        else text.gettext("fewer than 5 respondents")
    )
    if after is None:
        if before.estimate is None:
            return text.gettext(
                "%(subject)s in %(wave)s: %(small)s. No later wave has begun yet.",
                subject=subject,
                wave=w0,
                small=small,
            )
        return text.gettext(
            "%(subject)s was %(value)s in %(wave)s. No later wave has begun yet.",
            subject=subject,
            value=figure(before.estimate, result.measure),
            wave=w0,
        )
    w1 = after.wave.label(language)
    if result.suppressed:
        thin: Side = before if before.suppressed else after
        return text.gettext(
            "%(subject)s: %(small)s in %(wave)s, so the waves are not compared.",
            subject=subject,
            small=small,
            wave=thin.wave.label(language),
        )
    assert before.estimate is not None and after.estimate is not None
    values = {
        "subject": subject,
        "before": figure(before.estimate, result.measure),
        "after": figure(after.estimate, result.measure),
        "w0": w0,
        "w1": w1,
    }
    change = result.change
    if change is None:
        return text.gettext("%(subject)s: %(before)s in %(w0)s, %(after)s in %(w1)s.", **values)
    values["change"] = (
        f"{change_figure(change.estimate, result.measure)} {_unit(result.measure, language)}"
    )
    if change.p is None or change.low is None or change.high is None:
        return text.gettext(
            "%(subject)s: %(before)s in %(w0)s, %(after)s in %(w1)s (%(change)s).", **values
        )
    values["low"] = change_figure(change.low, result.measure)
    values["high"] = change_figure(change.high, result.measure)
    values["p"] = p_text(change.p)
    if not change.significant:
        return text.gettext(
            "%(subject)s: %(before)s in %(w0)s, %(after)s in %(w1)s; the change "
            "(%(change)s, 95%% CI %(low)s to %(high)s) is not significant (%(p)s).",
            **values,
        )
    if change.estimate > 0:
        return text.gettext(
            "%(subject)s: %(before)s in %(w0)s, %(after)s in %(w1)s, significantly "
            "higher (%(change)s, 95%% CI %(low)s to %(high)s, %(p)s).",
            **values,
        )
    return text.gettext(
        "%(subject)s: %(before)s in %(w0)s, %(after)s in %(w1)s, significantly "
        "lower (%(change)s, 95%% CI %(low)s to %(high)s, %(p)s).",
        **values,
    )
