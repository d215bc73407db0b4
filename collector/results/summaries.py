"""The core's analyses, registered as a plugin would."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.design import SurveyDesign
from analysis.satisfaction import score_0_100
from analysis.satisfaction import top_two_box
from collector.core.disclosure import MIN_CELL
from collector.results.analyses import Analysis
from collector.results.reading import ResponseTable
from surveys import Questionnaire


def likert_summary(values: pd.Series) -> dict[str, Any]:
    """n, mean, top-two-box share and 0-100 score of one 1-5 item, with 95% intervals.

    Responses are treated as a simple random sample of visitors (the design-based
    weighting of an evidence pack is done with ``analysis.weighting``); "not
    applicable" and missing answers drop out. The share's interval is the
    satisfaction measures' default: R's ``svyciprop`` logit interval, with all of α on the
    side that can miss near a share of 1 (``boundary="one-sided"``, docs/analysis.md).
    """
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    n = int(numbers.size)
    if n < MIN_CELL:
        return {"n": n, "suppressed": True}
    design = SurveyDesign(pd.DataFrame({"y": numbers.to_numpy(dtype=float)}))
    mean = design.mean("y")
    top2 = top_two_box(design, "y")
    score = score_0_100(design, "y")
    return {
        "n": n,
        "suppressed": False,
        "mean": mean.estimate,
        "mean_se": mean.se,
        "top2": top2.estimate,
        "top2_ci": list(top2.ci()),
        "score": score.estimate,
        "score_ci": list(score.ci()),
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
