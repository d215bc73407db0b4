"""The labelled TSV exporter and the net promoter score, through collector's commands."""

from __future__ import annotations

import json
from typing import Any

from conftest import ANSWERS
from conftest import SLUG


def test_the_export_names_answers_in_the_language_asked(
    collector_submit: Any, collector_cli: Any, tmp_path: Any
) -> None:
    receipt = collector_submit(SLUG, ANSWERS)
    for language, heading, service in (
        ("en", "Which online service did you use?", "Certificate request"),
        ("zh-Hant-TW", "您這次使用的線上服務", "證明文件申請"),
    ):
        out = tmp_path / f"{language}.tsv"
        args = ["export", SLUG, "--format", "tsv-labelled", "--language", language]
        result = collector_cli(*args, "-o", str(out))
        assert result.exit_code == 0, result.output
        header, row = (line.split("\t") for line in out.read_text().splitlines())
        assert header[:2] == ["receipt", heading]
        assert row[:2] == [receipt, service]


def test_the_net_promoter_score_needs_five_answers(
    collector_submit: Any, collector_cli: Any
) -> None:
    def nps() -> dict[str, Any]:
        result = collector_cli("analyse", SLUG, "--analysis", "net_promoter_score")
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.output)["net_promoter_score"])

    for score in (10, 9, 7, 3):
        collector_submit(SLUG, {**ANSWERS, "recommend": score})
    assert nps() == {"answers": 4, "nps": None, "promoters": None, "detractors": None}
    collector_submit(SLUG, {**ANSWERS, "recommend": 0})
    # 2 promoters, 2 detractors (3 and 0), 1 passive: 0 points.
    assert nps() == {"answers": 5, "promoters": 2, "detractors": 2, "nps": 0.0}


def test_the_analysis_reaches_the_core_questionnaire_too(
    collector_submit: Any, collector_cli: Any
) -> None:
    """It applies to any questionnaire with a 0-10 ``recommend``: the core's citizen survey."""
    result = collector_cli("analyse", "citizen-satisfaction", "--analysis", "net_promoter_score")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["net_promoter_score"]["answers"] == 0
