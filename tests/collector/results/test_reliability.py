"""The reliability section, built directly from a WaveContext."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from flask import Flask
from flask import render_template

from analysis.reliability import cronbach_alpha
from collector.core.i18n import use_language
from collector.results.chart_sections import CHART_SECTIONS
from collector.results.reliability import ReliabilitySection
from collector.results.reliability import verdict
from collector.results.sections import WaveContext
from collector.results.waves import Wave
from surveys import Questionnaire
from surveys import bundled
from surveys import load

WAVE = Wave("2025H1", "half", date(2025, 1, 1), date(2025, 6, 30))


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load(next(p for p in bundled() if p.stem == "citizen_satisfaction"))


def answers(q: Questionnaire, n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns = {}
    for keys in q.analysis.dimensions.values():
        base = rng.integers(1, 6, n)
        for key in keys:
            columns[key] = np.clip(base + rng.integers(-1, 2, n), 1, 5)
    return pd.DataFrame(columns)


def context(q: Questionnaire, frame: pd.DataFrame, language: str = "zh-Hant-TW") -> WaveContext:
    return WaveContext(q, language, WAVE, None, [WAVE], True, None, lambda wave: frame)


def test_alpha_equals_analysis_for_every_dimension(questionnaire: Questionnaire) -> None:
    frame = answers(questionnaire, 200)
    section = ReliabilitySection().build(context(questionnaire, frame))
    assert section is not None
    rows = {d["name"]: d for d in section["dimensions"]}
    assert set(rows) == set(questionnaire.analysis.dimensions)
    for name, keys in questionnaire.analysis.dimensions.items():
        expected = cronbach_alpha(frame[keys])
        assert rows[name]["alpha"] == f"{expected.alpha:.2f}"
        assert rows[name]["n"] == 200
        assert [i["correlation"] for i in rows[name]["items"]] == [
            f"{expected.item_total_correlation[k]:.2f}" for k in keys
        ]
    assert rows["courtesy"]["title"] == "服務禮儀"


def test_no_variance_is_undefined_not_poor(questionnaire: Questionnaire) -> None:
    frame = answers(questionnaire, 50)
    for key in questionnaire.analysis.dimensions["courtesy"]:
        frame[key] = 5
    section = ReliabilitySection().build(context(questionnaire, frame, "en"))
    assert section is not None
    courtesy = next(d for d in section["dimensions"] if d["name"] == "courtesy")
    assert courtesy["verdict"] == "undefined"
    assert courtesy["alpha"] == "—"
    assert "no variance" in courtesy["verdict_text"]


def test_fewer_than_min_cell_complete_answers_are_withheld(questionnaire: Questionnaire) -> None:
    frame = answers(questionnaire, 4)
    section = ReliabilitySection().build(context(questionnaire, frame))
    assert section is not None
    for d in section["dimensions"]:
        assert d["verdict"] == "withheld" and d["alpha"] == "—" and d["items"] == []
        assert d["n"] == "<5"


def test_verdicts() -> None:
    assert verdict(0.85, 100) == "good"
    assert verdict(0.75, 100) == "acceptable"
    assert verdict(0.5, 100) == "poor"
    assert verdict(float("nan"), 100) == "undefined"
    assert verdict(0.9, 4) == "withheld"


def test_the_section_is_in_the_list_the_coordinator_registers() -> None:
    assert ReliabilitySection in CHART_SECTIONS


def test_the_template_renders_in_both_languages(questionnaire: Questionnaire, app: Flask) -> None:
    frame = answers(questionnaire, 60)
    for language, word in [("zh-Hant-TW", "構面"), ("en", "Dimension")]:
        section = ReliabilitySection().build(context(questionnaire, frame, language))
        with app.test_request_context():
            use_language(language)
            html = render_template(ReliabilitySection.template, section=section)
        assert word in html and "<table" in html
