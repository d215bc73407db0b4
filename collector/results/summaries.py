"""The core's analyses, registered as a plugin would.

:class:`SatisfactionSummary` also gives its result from per-stratum sums
(:meth:`SatisfactionSummary.run_sums`: every item's and dimension's answered rows, Σ, Σ²
and Σ of the top-two-box indicator), so the results page runs it without reading the
wave's rows; tests/collector/results/test_sections_from_sums.py checks both agree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import case

from analysis.design import SurveyDesign
from analysis.satisfaction import score_0_100
from analysis.satisfaction import top_two_box
from analysis.strata import StratumCell
from analysis.strata import domain_means
from collector.core.disclosure import MIN_CELL
from collector.results.analyses import Analysis
from collector.results.reading import ResponseTable
from collector.results.summary import ALL
from collector.results.summary import group_satisfaction
from collector.results.sums import MEASURE
from collector.results.sums import Sums
from collector.results.sums import dimension
from collector.results.sums import item
from collector.results.sums import pooled
from collector.results.sums import top_two
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


def summed_likert(values: StratumCell, top: StratumCell) -> dict[str, Any]:
    """:func:`likert_summary` from the sums of the values (``answered``, Σ, Σ²) and of their
    top-two-box indicator: the answered values as a simple random sample of ``answered``
    rows."""
    n = values.answered
    if n < MIN_CELL:
        return {"n": n, "suppressed": True}
    only = [StratumCell(ALL, ALL, n, n, values.total, values.squares)]
    found = group_satisfaction(
        [StratumCell(ALL, ALL, n, n, top.total, top.squares)], only, [ALL], None
    )[ALL]
    assert found is not None  # n is not too small
    mean = domain_means(only, {ALL: [ALL]})[ALL]
    return {
        "n": n,
        "suppressed": False,
        "mean": mean.estimate,
        "mean_se": mean.se,
        "top2": found.share.estimate,
        "top2_ci": list(found.share.ci()),
        "score": found.score.estimate,
        "score_ci": list(found.score.ci()),
    }


def top_of(value: Any, top: float = 4.0) -> Any:
    """1 where a measure (a dimension's per-respondent mean) is at least ``top``, 0 where it
    is below, NULL where it is NULL: ``top_two_box`` of those values."""
    indicator = case((value >= top, 1.0), (value.is_not(None), 0.0), else_=None)
    return indicator._annotate({MEASURE: ("top_of", value._annotations[MEASURE], top)})


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

    def measures(self, questionnaire: Questionnaire) -> Mapping[str, Any] | None:
        keys = {q.key: q.type for q in questionnaire.questions()}
        out: dict[str, Any] = {}
        for key, kind in keys.items():
            if kind == "likert5":
                out[f"item:{key}"] = item(key)
                out[f"top:{key}"] = top_two(key)
        for name, listed in questionnaire.analysis.dimensions.items():
            if any(keys.get(k) != "likert5" for k in listed):
                return None  # the rows' reading of other types is their own
            mean = dimension(listed)
            out[f"dimension:{name}"] = mean
            out[f"dimension top:{name}"] = top_of(mean)
        return out

    def run_sums(self, questionnaire: Questionnaire, sums: Sums) -> dict[str, Any]:
        q = questionnaire

        def cell(name: str) -> StratumCell:
            rows, answered, total, squares = pooled(sums.cells[name])
            return StratumCell(ALL, ALL, rows, answered, total, squares)

        items = {
            question.key: summed_likert(cell(f"item:{question.key}"), cell(f"top:{question.key}"))
            for question in q.questions()
            if question.type == "likert5"
        }
        dimensions = {
            name: summed_likert(cell(f"dimension:{name}"), cell(f"dimension top:{name}"))
            for name in q.analysis.dimensions
        }
        result: dict[str, Any] = {
            "questionnaire": q.slug,
            "responses": sum(sums.rows.values()),
            "items": items,
            "dimensions": dimensions,
        }
        if q.analysis.overall:
            result["overall"] = items.get(q.analysis.overall)
        return result
