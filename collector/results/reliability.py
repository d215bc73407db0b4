"""The reliability section: Cronbach's alpha of each dimension, with its items' diagnostics.

An evaluator asks whether a dimension's items measure one thing before its score is
read. For each dimension of the questionnaire (``analysis.dimensions``) this shows
alpha (``analysis.reliability``), alpha if each item were deleted and each item's
corrected item-total correlation, with a verdict in words. Answers with no variance
leave alpha undefined, which is said as such rather than read as "poor"; a dimension
with fewer than ``MIN_CELL`` complete answers is withheld.

An unweighted wave's figures come from sums over the complete cases counted in the
database (:func:`summed_figures`: per dimension, the rows that answered every item, Σ of
each item and Σ of each product of two; alpha needs only their covariance matrix), not
from its rows; tests/collector/results/test_sections_from_sums.py checks them against the
rows' :func:`analysis.reliability.cronbach_alpha`.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from analysis.reliability import cronbach_alpha
from collector.core.disclosure import MIN_CELL
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.results.core_sections.common import summed
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from collector.results.sums import Sums
from collector.results.sums import item
from collector.results.sums import pooled
from collector.results.sums import product
from collector.results.sums import where_all
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
    """Two decimals; a value that rounds to zero is "0.00" whatever its sign (rounding
    noise of an alpha of exactly 0 is not negative)."""
    if math.isnan(value):
        return "—"
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


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


def reliability_measures(questionnaire: Questionnaire) -> dict[str, Any] | None:
    """Per dimension of two items or more, over its complete cases: each item and each
    product of two items (the squares of an item are its own sums'). None when an item
    is not a 1-5 item (the sums read numbers; the rows' reading decides otherwise)."""
    types = {q.key: q.type for q in questionnaire.questions()}
    measures: dict[str, Any] = {}
    for name, listed in questionnaire.analysis.dimensions.items():
        keys = [k for k in listed if k in types]
        if len(keys) < 2:
            continue
        if any(types[k] != "likert5" for k in keys):
            return None
        for i, a in enumerate(keys):
            measures[f"alpha:{name}:{a}"] = where_all(item(a), keys)
            for b in keys[i + 1 :]:
                measures[f"alpha:{name}:{a}:{b}"] = where_all(product(item(a), item(b)), keys)
    return measures


def _alpha(cov: np.ndarray) -> float:
    """Cronbach's alpha from the items' covariance matrix (NaN when the total does not vary)."""
    k = cov.shape[0]
    total = float(cov.sum())
    if total == 0:
        return math.nan
    return float(k / (k - 1) * (1 - float(np.trace(cov)) / total))


def summed_figures(
    sums: Sums, questionnaire: Questionnaire, dimension: str
) -> dict[str, Any] | None:
    """:func:`dimension_figures` from the sums of :func:`reliability_measures`: the same
    figures as ``cronbach_alpha`` on the complete cases' rows. The covariances are
    (nΣxy - ΣxΣy)/(n(n-1)): exact in floating point for 1-5 answers (sums of integers),
    so a dimension everyone answered alike gives exactly 0 and alpha undefined, as the
    rows do."""
    keys = [
        k
        for k in questionnaire.analysis.dimensions[dimension]
        if k in {q.key for q in questionnaire.questions()}
    ]
    if len(keys) < 2:
        return None
    first = pooled(sums.cells[f"alpha:{dimension}:{keys[0]}"])
    n = first[1]
    key = "withheld"
    alpha = math.nan
    rows: list[dict[str, Any]] = []
    if n >= max(MIN_CELL, 2):
        k = len(keys)
        total = np.zeros(k)
        products = np.zeros((k, k))
        for i, a in enumerate(keys):
            _rows, _n, total[i], products[i, i] = pooled(sums.cells[f"alpha:{dimension}:{a}"])
            for j in range(i + 1, k):
                found = pooled(sums.cells[f"alpha:{dimension}:{a}:{keys[j]}"])
                products[i, j] = products[j, i] = found[2]
        cov = (n * products - np.outer(total, total)) / (n * (n - 1))
        alpha = _alpha(cov)
        key = verdict(alpha, n)
        for j, name in enumerate(keys):
            rest = [i for i in range(k) if i != j]
            deleted = _alpha(cov[np.ix_(rest, rest)]) if k > 2 else math.nan
            other = float(cov[np.ix_(rest, rest)].sum())
            own = float(cov[j, j])
            correlation = (
                float(cov[j, rest].sum()) / math.sqrt(own * other)
                if own > 0 and other > 0
                else math.nan
            )
            rows.append(
                {
                    "key": name,
                    "if_deleted": _number(deleted),
                    "correlation": _number(correlation),
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
        q = context.questionnaire
        measures = reliability_measures(q)
        if (
            measures is not None
            and context.source is not None
            and summed(context, context.wave) is not None
        ):
            sums = context.source.sums(context.wave, measures)
            figures = [summed_figures(sums, q, name) for name in q.analysis.dimensions]
            dimensions = [worded(row, q, context.language) for row in figures if row is not None]
            return {"dimensions": dimensions, "min_cell": MIN_CELL} if dimensions else None
        frame = context.frame()
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
