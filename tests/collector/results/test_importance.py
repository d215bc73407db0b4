"""The importance-performance section, built directly from a WaveContext."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from flask import Flask
from flask import render_template

from analysis.design import SurveyDesign
from analysis.satisfaction import derived_importance
from analysis.satisfaction import quadrants
from analysis.satisfaction import score_0_100
from analysis.satisfaction import top_two_box
from collector.core.i18n import use_language
from collector.results.chart_sections import CHART_SECTIONS
from collector.results.importance import ImportancePerformanceSection
from collector.results.importance import asked_importance
from collector.results.importance import scored_items
from collector.results.sections import WaveContext
from collector.results.waves import Wave
from surveys import Questionnaire
from surveys import bundled
from surveys import load
from surveys import parse

WAVE = Wave("2025H1", "half", date(2025, 1, 1), date(2025, 6, 30))


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load(next(p for p in bundled() if p.stem == "citizen_satisfaction"))


@pytest.fixture(scope="module")
def asking() -> Questionnaire:
    """The citizen questionnaire with an importance question for every scored item."""
    path = next(p for p in bundled() if p.stem == "citizen_satisfaction")
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    items = [k for ks in data["analysis"]["dimensions"].values() for k in ks]
    data["sections"].append(
        {
            "key": "importance",
            "title": {"zh-Hant-TW": "重要程度", "en": "Importance"},
            "questions": [
                {
                    "key": f"imp_{k}",
                    "type": "likert5",
                    "required": False,
                    "label": {"zh-Hant-TW": f"重要程度 {k}", "en": f"Importance of {k}"},
                }
                for k in items
            ],
        }
    )
    data["analysis"]["importance"] = {k: f"imp_{k}" for k in items}
    return parse(data, "asking")


def answers(q: Questionnaire, n: int, seed: int = 1) -> pd.DataFrame:
    """Items that follow a common factor with different strengths, one item rated low."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 1, n)
    columns = {}
    for i, key in enumerate(scored_items(q)):
        shift = -0.8 if i == 0 else 0.0
        noise = rng.normal(0, 1, n)
        columns[key] = np.clip(np.round(3.6 + shift + (0.2 + 0.1 * i) * base + noise), 1, 5)
    assert q.analysis.overall is not None
    columns[q.analysis.overall] = np.clip(np.round(3.6 + base), 1, 5)
    for asked in q.analysis.importance.values():
        columns[asked] = rng.integers(2, 6, n)
    return pd.DataFrame(columns)


def context(q: Questionnaire, frame: pd.DataFrame, language: str = "zh-Hant-TW") -> WaveContext:
    return WaveContext(q, language, WAVE, None, [WAVE], True, None, lambda wave: frame)


def _by_key(section: dict) -> dict[str, dict]:
    return {r["key"]: r for r in section["rows"]}


def test_figures_equal_analysis_with_derived_importance(questionnaire: Questionnaire) -> None:
    frame = answers(questionnaire, 200)
    frame.loc[:9, "measures_wait"] = np.nan  # ten did not answer one item
    section = ImportancePerformanceSection().build(context(questionnaire, frame, "en"))
    assert section is not None and not section["withheld"]
    assert section["source"] == "derived" and section["n"] == 200
    items = scored_items(questionnaire)
    design = SurveyDesign(frame[[*items, "overall_satisfaction"]].astype(float))
    importance = derived_importance(design, items, "overall_satisfaction")
    performance = pd.Series({k: score_0_100(design, k).estimate for k in items})
    expected = quadrants(importance["importance"], performance)
    rows = _by_key(section)
    for key in items:
        row = rows[key]
        assert row["performance"] == pytest.approx(performance[key])
        assert row["top2"] == pytest.approx(top_two_box(design, key).estimate)
        assert row["importance"] == pytest.approx(importance.loc[key, "importance"])
        assert row["quadrant"] == expected[key]
    assert rows["measures_wait"]["n"] == 190
    # "Concentrate here" is named, listed first and numbered first (the chart's points).
    concentrate = [k for k in items if expected[k] == "concentrate here"]
    assert concentrate and section["rows"][0]["quadrant"] == "concentrate here"
    assert section["rows"][0]["number"] == 1
    assert set(section["concentrate"]) == {rows[k]["label"] for k in concentrate}
    chart = section["chart"]
    assert chart is not None and chart.title.startswith("Concentrate here")
    assert [r[1] for r in chart.rows] == [r["label"] for r in section["rows"] if r.get("number")]
    assert float(section["x_split"]) == pytest.approx(performance.mean(), abs=0.05)
    assert "Concentrate here" in chart.alt


def test_asked_importance_is_used_when_every_item_has_one(asking: Questionnaire) -> None:
    assert asked_importance(asking) is not None
    frame = answers(asking, 120, seed=2)
    section = ImportancePerformanceSection().build(context(asking, frame, "en"))
    assert section is not None and section["source"] == "asked"
    design = SurveyDesign(frame.astype(float))
    for key, row in _by_key(section).items():
        expected = score_0_100(design, f"imp_{key}")
        assert row["importance"] == pytest.approx(expected.estimate)
        low, high = expected.ci()
        assert row["importance_ci"] == f"{low:.1f}–{high:.1f}"
    assert "asked" in section["chart"].headers[3]


def test_partly_asked_importance_falls_back_to_derived(questionnaire: Questionnaire) -> None:
    data = questionnaire.model_dump(mode="json", exclude_none=True)
    first = scored_items(questionnaire)[0]
    data["analysis"]["importance"] = {first: "overall_satisfaction"}
    assert asked_importance(parse(data, "partly")) is None


def test_under_min_cell_respondents_the_section_is_withheld(questionnaire: Questionnaire) -> None:
    section = ImportancePerformanceSection().build(
        context(questionnaire, answers(questionnaire, 4))
    )
    assert section == {"withheld": True, "min_cell": 5}
    assert (
        ImportancePerformanceSection().build(context(questionnaire, answers(questionnaire, 0)))
        is None
    )


def test_an_item_with_fewer_than_min_cell_answers_is_withheld(
    questionnaire: Questionnaire,
) -> None:
    frame = answers(questionnaire, 60)
    frame.loc[4:, "env_signage"] = np.nan  # four answers left
    section = ImportancePerformanceSection().build(context(questionnaire, frame))
    assert section is not None
    row = _by_key(section)["env_signage"]
    assert row["withheld"] and row["n"] == 4
    assert math.isnan(row["performance"]) and "quadrant" not in row and "number" not in row
    labels = [r[1] for r in section["chart"].rows]
    assert row["label"] not in labels and len(labels) == len(scored_items(questionnaire)) - 1


def test_the_section_is_in_the_list_the_coordinator_registers() -> None:
    assert ImportancePerformanceSection in CHART_SECTIONS


def test_the_template_renders_in_both_languages(questionnaire: Questionnaire, app: Flask) -> None:
    frame = answers(questionnaire, 80)
    for language, word in [("zh-Hant-TW", "優先改善"), ("en", "Concentrate here")]:
        section = ImportancePerformanceSection().build(context(questionnaire, frame, language))
        with app.test_request_context():
            use_language(language)
            html = render_template(ImportancePerformanceSection.template, section=section)
        assert word in html and "<table" in html and "<img" in html
        assert 'class="ipa-concentrate-row"' in html
    withheld = {"withheld": True, "min_cell": 5}
    with app.test_request_context():
        use_language("en")
        html = render_template(ImportancePerformanceSection.template, section=withheld)
    assert "Fewer than 5 respondents" in html and "<img" not in html
