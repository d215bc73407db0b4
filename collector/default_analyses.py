"""The core's analyses, registered as a plugin would."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from collector.analyses import MIN_CELL, Analysis
from collector.hookspecs import hookimpl
from collector.responses import ResponseTable
from surveys import Questionnaire

Z95 = 1.959963984540054


def _share_ci(successes: float, n: int) -> tuple[float, float]:
    """Wilson interval for a share under simple random sampling."""
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def likert_summary(values: pd.Series) -> dict[str, Any]:
    """n, mean, top-two-box share (4-5) with its CI, and the 0-100 score of one 1-5 item."""
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    n = int(numbers.size)
    if n < MIN_CELL:
        return {"n": n, "suppressed": True}
    mean = float(numbers.mean())
    sd = float(numbers.std(ddof=1)) if n > 1 else 0.0
    top2 = float((numbers >= 4).sum())
    low, high = _share_ci(top2, n)
    half = Z95 * sd / math.sqrt(n)
    return {
        "n": n,
        "suppressed": False,
        "mean": mean,
        "top2": top2 / n,
        "top2_ci": [low, high],
        "score": (mean - 1) / 4 * 100,
        "score_ci": [(mean - half - 1) / 4 * 100, (mean + half - 1) / 4 * 100],
    }


class SatisfactionSummary(Analysis):
    """Headline satisfaction and every scale item: top-two-box share and 0-100 score."""

    name = "satisfaction_summary"
    description = "Top-two-box share and 0-100 score for each 5-point item and dimension"

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return any(q.type == "likert5" for q in questionnaire.questions())

    def run(self, table: ResponseTable) -> dict[str, Any]:
        q = table.questionnaire
        frame = table.frame
        items = {
            question.key: likert_summary(frame[question.key])
            for question in q.questions()
            if question.type == "likert5"
        }
        dimensions = {}
        for name, keys in q.analysis.dimensions.items():
            numeric = frame[keys].apply(pd.to_numeric, errors="coerce")
            dimensions[name] = likert_summary(numeric.mean(axis=1, skipna=True))
        result: dict[str, Any] = {
            "questionnaire": q.slug,
            "responses": len(frame),
            "items": items,
            "dimensions": dimensions,
        }
        if q.analysis.overall:
            result["overall"] = items.get(q.analysis.overall)
        return result


@hookimpl
def register_analyses() -> list[type[Analysis]]:
    return [SatisfactionSummary]
