"""The reliability section: Cronbach's alpha of each dimension, with its items' diagnostics.

An evaluator asks whether a dimension's items measure one thing before its score is
read. For each dimension of the questionnaire (``analysis.dimensions``) this shows
alpha (``analysis.reliability``), alpha if each item were deleted and each item's
corrected item-total correlation, with a verdict in words. Answers with no variance
leave alpha undefined, which is said as such rather than read as "poor"; a dimension
with fewer than ``MIN_CELL`` complete answers is withheld.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import pandas as pd

from analysis.reliability import cronbach_alpha
from collector.core.disclosure import MIN_CELL
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from surveys import Questionnaire

VERDICTS: dict[str, LazyText] = {
    "good": lazy_gettext("Good: the items measure one thing consistently (alpha of 0.8 or more)."),
    "acceptable": lazy_gettext("Acceptable: alpha between 0.7 and 0.8."),
    "poor": lazy_gettext(
        "Poor: alpha under 0.7; the items may not measure the same thing, so read the "
        "dimension's score with care."
    ),
    "undefined": lazy_gettext(
        "Undefined: the answers have no variance (everyone answered alike), so alpha "
        "cannot be computed; this says nothing bad about the items."
    ),
    "withheld": lazy_gettext("Withheld: fewer than %(min)s complete answers."),
}


def verdict(alpha: float, n: int) -> str:
    """The verdict's key for an alpha computed from ``n`` complete answers."""
    if n < MIN_CELL:
        return "withheld"
    if math.isnan(alpha):
        return "undefined"
    return "good" if alpha >= 0.8 else "acceptable" if alpha >= 0.7 else "poor"


def _number(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}"


def dimension_figures(
    frame: pd.DataFrame, questionnaire: Questionnaire, dimension: str
) -> dict[str, Any] | None:
    """One dimension's figures (the same in every language; :func:`worded` names them),
    or None when it has fewer than two items."""
    keys = [k for k in questionnaire.analysis.dimensions[dimension] if k in frame.columns]
    if len(keys) < 2:
        return None
    items = frame[keys].apply(pd.to_numeric, errors="coerce").dropna()
    n = len(items)
    key = "withheld"
    alpha = math.nan
    rows: list[dict[str, Any]] = []
    if n >= max(MIN_CELL, 2):
        result = cronbach_alpha(items)
        alpha = result.alpha
        key = verdict(alpha, n)
        for item in keys:
            deleted = float(result.alpha_if_deleted[item])
            rows.append(
                {
                    "key": item,
                    "if_deleted": _number(deleted),
                    "correlation": _number(float(result.item_total_correlation[item])),
                    "raises": bool(not math.isnan(alpha) and deleted > alpha + 0.005),
                }
            )
    return {
        "name": dimension,
        "n": n if n >= MIN_CELL else f"<{MIN_CELL}",
        "k": len(keys),
        "alpha": _number(alpha) if key != "withheld" else "—",
        "verdict": key,
        "items": rows,
    }


def worded(figures: dict[str, Any], questionnaire: Questionnaire, language: str) -> dict[str, Any]:
    """A dimension's figures with its title, items and verdict in ``language``."""
    label = questionnaire.analysis.dimension_labels.get(figures["name"])
    text = translator(language)
    return {
        **figures,
        "title": questionnaire.text(label, language) if label else figures["name"],
        "verdict_text": text.render(VERDICTS[figures["verdict"]], min=MIN_CELL),
        "items": [
            {**row, "label": questionnaire.text(questionnaire.question(row["key"]).label, language)}
            for row in figures["items"]
        ],
    }


class ReliabilitySection(ResultsSection):
    name = "reliability"
    title = lazy_gettext("Reliability of the dimensions")
    template = "results/sections/reliability.html"
    order = 60

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return any(len(keys) >= 2 for keys in questionnaire.analysis.dimensions.values())

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        frame = context.frame()
        q = context.questionnaire
        dimensions = [
            worded(row, q, context.language)
            for name in q.analysis.dimensions
            if (
                row := context.remembered(
                    context.wave,
                    ("reliability", name),
                    partial(dimension_figures, frame, q, name),
                )
            )
            is not None
        ]
        return {"dimensions": dimensions, "min_cell": MIN_CELL} if dimensions else None
