"""The importance-performance section: which items matter most and score lowest.

Importance-performance analysis (Martilla & James 1977) places every scored item by
its performance (its 0-100 score, with the top-two-box share beside it in the
table) and its importance. Importance is what respondents said when the
questionnaire asks it (``analysis.importance``: item -> importance question, the
importance question's 0-100 score); otherwise it is derived from each item's
correlation with overall satisfaction (``analysis.satisfaction.derived_importance``,
docs/analysis.md says why a correlation rather than a regression coefficient).
Splits are at the means, and the quadrant of high importance and low performance,
"concentrate here", is named, shaded and listed first: that is where an improvement
action pays.

The wave's responses are read as a simple random sample of visitors, as the
headline's summaries are. An item answered by fewer than ``MIN_CELL`` respondents is
withheld (no point, no figures), and so is the whole section under ``MIN_CELL``.

An unweighted wave's table with derived importance comes from sums counted in the
database (:func:`summed_ipa_table`: each item's answered rows, Σ and Σ², and per item
with the overall item the rows answering both and their Σ, Σ² and Σ of the product),
the same figures as from its rows (tests/collector/results/test_sections_from_sums.py).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from analysis.design import SurveyDesign
from analysis.satisfaction import QUADRANTS
from analysis.satisfaction import derived_importance
from analysis.satisfaction import quadrants
from analysis.satisfaction import score_0_100
from analysis.satisfaction import top_two_box
from analysis.strata import StratumCell
from collector.core.disclosure import MIN_CELL
from collector.core.disclosure import too_small
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.results.charts import Chart
from collector.results.charts import QuadrantPoint
from collector.results.charts import quadrant_chart
from collector.results.core_sections.common import design_of
from collector.results.core_sections.common import summed
from collector.results.sections import Finding
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from collector.results.summary import ALL
from collector.results.summary import group_satisfaction
from collector.results.summary import measures_for
from collector.results.sums import Sums
from collector.results.sums import given
from collector.results.sums import item
from collector.results.sums import pooled
from collector.results.sums import product
from surveys import Questionnaire

QUADRANT_NAMES: dict[str, LazyText] = {
    "concentrate here": lazy_gettext("Concentrate here"),
    "keep up the good work": lazy_gettext("Keep up the good work"),
    "low priority": lazy_gettext("Low priority"),
    "possible overkill": lazy_gettext("Possible overkill"),
}
"""``analysis.satisfaction.QUADRANTS`` as the page names them."""

CHART_ORDER = ("concentrate here", "keep up the good work", "low priority", "possible overkill")
"""The quadrants in ``quadrant_chart``'s order (top-left, top-right, bottom-left,
bottom-right) with performance across and importance up: "concentrate here" is top-left."""

FEW = 30
"""Under this many respondents a derived importance (a correlation) is too imprecise to
rank items by: the page says so."""


def scored_items(questionnaire: Questionnaire) -> list[str]:
    """The dimensions' 5-point items, in order (the overall item is the yardstick, not an item)."""
    keys = [k for ks in questionnaire.analysis.dimensions.values() for k in ks]
    overall = questionnaire.analysis.overall
    return [k for k in dict.fromkeys(keys) if k != overall]


def asked_importance(questionnaire: Questionnaire) -> dict[str, str] | None:
    """Item -> importance question, when the questionnaire asks it for every scored item."""
    pairs = questionnaire.analysis.importance
    items = scored_items(questionnaire)
    return {k: pairs[k] for k in items} if items and all(k in pairs for k in items) else None


def _likert(frame: pd.DataFrame, key: str) -> pd.Series:
    """1-5 answers as floats; "not applicable", blanks and anything else as NaN."""
    if key not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    values = pd.to_numeric(frame[key], errors="coerce").astype(float)
    return values.where(values.between(1, 5))


def _interval(low: float, high: float, percent: bool = False) -> str:
    if percent:
        return f"{low * 100:.1f}–{high * 100:.1f}"
    return f"{low:.1f}–{high:.1f}"


def ipa_table(
    questionnaire: Questionnaire,
    frame: pd.DataFrame,
    language: str,
    base: SurveyDesign | None = None,
) -> tuple[list[dict[str, Any]], str, int]:
    """One row per scored item (figures, or withheld), the importance source ("asked" or
    "derived") and the number of respondents.

    ``base``: the wave's design (``collector.results.estimation``, weighted where the
    agency has margins), one row per row of ``frame``; without it, simple random
    sampling of the rows."""
    items = scored_items(questionnaire)
    asked = asked_importance(questionnaire)
    overall = questionnaire.analysis.overall
    columns = {k: _likert(frame, k) for k in items}
    if asked is not None:
        columns.update({f"_imp_{k}": _likert(frame, q) for k, q in asked.items()})
    elif overall:
        columns["_overall"] = _likert(frame, overall)
    data = pd.DataFrame(columns, index=frame.index).reset_index(drop=True)
    if base is not None and base.n == len(data):
        design = base.assign(**{str(k): v.to_numpy() for k, v in data.items()})
    else:
        design = SurveyDesign(data)
    derived: dict[str, tuple[float, int]] = {}
    if asked is None and overall and data["_overall"].notna().sum() >= MIN_CELL:
        table = derived_importance(design, items, "_overall")
        derived = {
            k: (float(v), int(n))
            for k, v, n in zip(table.index, table["importance"], table["n"], strict=True)
        }
    rows: list[dict[str, Any]] = []
    for key in items:
        n = int(data[key].notna().sum())
        row: dict[str, Any] = {
            "key": key,
            "n": n,
            "withheld": too_small(n),
            "performance": math.nan,
            "importance": math.nan,
        }
        if not row["withheld"]:
            score = score_0_100(design, key)
            share = top_two_box(design, key)
            row.update(
                performance=score.estimate,
                performance_ci=_interval(*score.ci()),
                top2=share.estimate,
                top2_ci=_interval(*share.ci(), percent=True),
            )
            if asked is not None:
                imp_key = f"_imp_{key}"
                if not too_small(int(data[imp_key].notna().sum())):
                    imp = score_0_100(design, imp_key)
                    row.update(importance=imp.estimate, importance_ci=_interval(*imp.ci()))
            elif key in derived and not too_small(derived[key][1]):
                row["importance"] = derived[key][0]
        rows.append(row)
    placed(rows)
    label_rows(questionnaire, rows, language)
    return rows, "asked" if asked is not None else "derived", len(frame)


def placed(rows: list[dict[str, Any]]) -> None:
    """Each row's quadrant, where it has an importance and a performance (two or more)."""
    shown = [
        r for r in rows if not math.isnan(r["importance"]) and not math.isnan(r["performance"])
    ]
    if len(shown) >= 2:
        found = quadrants(
            pd.Series({r["key"]: r["importance"] for r in shown}),
            pd.Series({r["key"]: r["performance"] for r in shown}),
        )
        for r in shown:
            r["quadrant"] = found[r["key"]]


def importance_measures(questionnaire: Questionnaire) -> dict[str, Any] | None:
    """The sums :func:`summed_ipa_table` reads: each scored item's and the overall item's
    (:func:`collector.results.summary.measures_for`), and per item, over the rows that
    answered it and the overall item, Σ of each, of their squares and of the product.
    None where the table needs the rows: importance asked (not derived), no overall item,
    or an item that is not a 1-5 item."""
    items = scored_items(questionnaire)
    overall = questionnaire.analysis.overall
    if asked_importance(questionnaire) is not None or not overall:
        return None
    types = {q.key: q.type for q in questionnaire.questions()}
    if any(types.get(k) != "likert5" for k in [*items, overall]):
        return None
    measures: dict[str, Any] = {**measures_for(overall)}
    for key in items:
        measures.update(measures_for(key))
        x, y = item(key), item(overall)
        measures[f"ipa:{key}:xy"] = product(x, y)
        measures[f"ipa:{key}:x"] = given(x, y)
        measures[f"ipa:{key}:y"] = given(y, x)
    return measures


def _correlation(sums: Sums, key: str) -> tuple[float, int]:
    """``analysis.satisfaction``'s unweighted correlation of ``key`` with the overall item
    over the rows that answered both, and their number, from sums: (nΣxy - ΣxΣy) over the
    root of (nΣx² - (Σx)²)(nΣy² - (Σy)²), exact for 1-5 answers (sums of integers)."""
    _r, n, sxy, _q = pooled(sums.cells[f"ipa:{key}:xy"])
    _r, _n, sx, sxx = pooled(sums.cells[f"ipa:{key}:x"])
    _r, _n, sy, syy = pooled(sums.cells[f"ipa:{key}:y"])
    if n < 2:
        return math.nan, n
    vx = n * sxx - sx * sx
    vy = n * syy - sy * sy
    if not (vx > 0 and vy > 0):
        return math.nan, n
    return float((n * sxy - sx * sy) / math.sqrt(vx * vy)), n


def summed_ipa_table(
    questionnaire: Questionnaire, sums: Sums, language: str
) -> tuple[list[dict[str, Any]], str, int]:
    """:func:`ipa_table` of an unweighted wave from the sums of :func:`importance_measures`
    (the rows as a simple random sample: one stratum of every response)."""
    items = scored_items(questionnaire)
    overall = questionnaire.analysis.overall
    assert overall is not None  # importance_measures
    total = sum(sums.rows.values())

    def cell(name: str) -> StratumCell:
        _rows, answered, value, squares = pooled(sums.cells[name])
        return StratumCell(ALL, ALL, total, answered, value, squares)

    derived: dict[str, tuple[float, int]] = {}
    if cell(f"item:{overall}").answered >= MIN_CELL:
        derived = {key: _correlation(sums, key) for key in items}
    rows: list[dict[str, Any]] = []
    for key in items:
        values = cell(f"item:{key}")
        n = values.answered
        row: dict[str, Any] = {
            "key": key,
            "n": n,
            "withheld": too_small(n),
            "performance": math.nan,
            "importance": math.nan,
        }
        if not row["withheld"]:
            found = group_satisfaction([cell(f"top:{key}")], [values], [ALL], None)[ALL]
            assert found is not None  # not too small
            row.update(
                performance=found.score.estimate,
                performance_ci=_interval(*found.score.ci()),
                top2=found.share.estimate,
                top2_ci=_interval(*found.share.ci(), percent=True),
            )
            if key in derived and not too_small(derived[key][1]):
                row["importance"] = derived[key][0]
        rows.append(row)
    placed(rows)
    label_rows(questionnaire, rows, language)
    return rows, "derived", total


def label_rows(questionnaire: Questionnaire, rows: list[dict[str, Any]], language: str) -> None:
    """Name each row's item and dimension in ``language`` (the figures are the same in
    every language: the table is computed once and labelled for each)."""
    dimensions = {}
    for name, keys in questionnaire.analysis.dimensions.items():
        label = questionnaire.analysis.dimension_labels.get(name)
        for k in keys:
            dimensions[k] = questionnaire.text(label, language) if label else name
    for row in rows:
        row["label"] = questionnaire.text(questionnaire.question(row["key"]).label, language)
        row["dimension"] = dimensions.get(row["key"], "")


def ipa_chart(
    rows: list[dict[str, Any]], source: str, language: str
) -> tuple[Chart, float, float] | None:
    """The quadrant chart of the placed items, with its splits (the means); None under two."""
    placed = [r for r in rows if r.get("quadrant")]
    if len(placed) < 2:
        return None
    text = translator(language)
    x_split = float(np.mean([r["performance"] for r in placed]))
    y_split = float(np.mean([r["importance"] for r in placed]))
    concentrate = [r for r in placed if r["quadrant"] == QUADRANTS[0]]
    title = text.ngettext(
        "Concentrate here: %(num)s item of high importance and low performance",
        "Concentrate here: %(num)s items of high importance and low performance",
        len(concentrate),
    )
    y_label = (
        text.gettext("Importance (asked, score 0-100)")
        if source == "asked"
        else text.gettext("Importance (correlation with overall satisfaction)")
    )
    chart = quadrant_chart(
        [QuadrantPoint(r["label"], r["performance"], r["importance"]) for r in placed],
        title=title,
        x_label=text.gettext("Performance (score 0-100)"),
        y_label=y_label,
        x_split=x_split,
        y_split=y_split,
        quadrant_labels=[text.render(QUADRANT_NAMES[q]) for q in CHART_ORDER],
        language=language,
        highlight=CHART_ORDER.index(QUADRANTS[0]),
    )
    return chart, x_split, y_split


def _or_inf(value: float) -> float:
    return math.inf if math.isnan(value) else value


class ImportancePerformanceSection(ResultsSection):
    name = "importance_performance"
    title = lazy_gettext("Importance and performance")
    template = "results/sections/importance.html"
    order = 70

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        enough = len(scored_items(questionnaire)) >= 2
        return enough and (
            bool(questionnaire.analysis.overall) or asked_importance(questionnaire) is not None
        )

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        text = translator(context.language)
        measures = importance_measures(context.questionnaire)
        if (
            measures is not None
            and context.source is not None
            and summed(context, context.wave) is not None
        ):
            sums = context.source.sums(context.wave, measures)
            responses = sum(sums.rows.values())
            if not responses:
                return None
            if too_small(responses):
                return {"withheld": True, "min_cell": MIN_CELL}
            rows, source, n = summed_ipa_table(context.questionnaire, sums, context.language)
        else:
            frame = context.frame()
            if not len(frame):
                return None
            if too_small(len(frame)):
                return {"withheld": True, "min_cell": MIN_CELL}
            # Weighted where the wave is (the wave's calibrated design); else, as always,
            # the respondents as a simple random sample.
            weighted = context.weigher(context.wave) is not None
            wave_design = design_of(context, context.wave) if weighted else None
            rows, source, n = context.remembered(
                context.wave,
                ("importance",),
                lambda: ipa_table(
                    context.questionnaire,
                    frame,
                    context.language,
                    wave_design.survey
                    if wave_design is not None and wave_design.weighting
                    else None,
                ),
            )
        label_rows(context.questionnaire, rows, context.language)
        # "Concentrate here" first, lowest performance first within a quadrant; the chart
        # numbers its points in this order, so the table's numbers name them.
        order = {q: i for i, q in enumerate(QUADRANTS)}
        rows.sort(key=lambda r: (order.get(r.get("quadrant", ""), 9), _or_inf(r["performance"])))
        number = 0
        for row in rows:
            if row.get("quadrant"):
                number += 1
                row["number"] = number
                row["quadrant_name"] = text.render(QUADRANT_NAMES[row["quadrant"]])
        for row in rows:
            concentrate = row.get("quadrant") == QUADRANTS[0]
            row["links"] = context.links(Finding("ipa_item", row["key"])) if concentrate else []
        drawn = ipa_chart(rows, source, context.language)
        return {
            "withheld": False,
            "min_cell": MIN_CELL,
            "source": source,
            "n": n,
            "few": source == "derived" and n < FEW,
            "chart": drawn[0] if drawn else None,
            "x_split": f"{drawn[1]:.1f}" if drawn else None,
            "y_split": (f"{drawn[2]:.2f}" if source == "derived" else f"{drawn[2]:.1f}")
            if drawn
            else None,
            "rows": rows,
            "concentrate": [r["label"] for r in rows if r.get("quadrant") == QUADRANTS[0]],
        }
