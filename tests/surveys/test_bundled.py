"""The questionnaires that ship with collector: they load and meet the award's needs."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from surveys.expressions import compile_expression
from surveys.loader import bundled
from surveys.loader import load
from surveys.loader import parse
from surveys.schema import TEXT_FIELDS
from surveys.schema import Questionnaire
from tests.helpers.questionnaires import CORE_TYPES
from tests.helpers.questionnaires import EN
from tests.helpers.questionnaires import ZH

PATHS = bundled()
IDS = [p.name for p in PATHS]

CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")


def by_slug(slug: str) -> Questionnaire:
    for path in PATHS:
        q = load(path)
        if q.slug == slug:
            return q
    raise AssertionError(f"no bundled questionnaire {slug!r}")


def texts(node: Any, path: str = "") -> list[tuple[str, dict[str, str]]]:
    """Every translatable text in a dumped questionnaire, found by its field name."""
    found: list[tuple[str, dict[str, str]]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else key
            if key in TEXT_FIELDS and isinstance(value, dict):
                found.append((where, value))
            elif key == "dimension_labels":
                found += [(f"{where}.{k}", v) for k, v in value.items()]
            else:
                found += texts(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += texts(value, f"{path}[{i}]")
    return found


def test_the_three_award_questionnaires_are_bundled() -> None:
    slugs = {load(p).slug for p in PATHS}
    assert {"citizen-satisfaction", "staff-satisfaction", "complaint-handling"} <= slugs
    assert len(slugs) == len(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_loads_and_the_file_name_matches_the_slug(path: Path) -> None:
    q = load(path)
    assert q.slug == path.stem.replace("_", "-")


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_chinese_first_and_english_second(path: Path) -> None:
    assert load(path).languages[:2] == [ZH, EN]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_text_is_translated(path: Path) -> None:
    q = load(path)
    found = texts(q.model_dump(mode="json"))
    # The walk really found the texts: at least a title, the notice, and every label.
    assert len(found) >= 1 + 6 + len(q.sections) + len(q.questions())
    for where, text in found:
        for language in q.languages:
            assert text.get(language, "").strip(), f"{where} has no {language} text"
        # A copy-paste slip leaves Chinese in the English text or English in the Chinese.
        assert not CJK.search(text[EN]), f"{where}: English text contains Chinese: {text[EN]!r}"
        assert CJK.search(text[ZH]), f"{where}: Chinese text has no Chinese: {text[ZH]!r}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_keys_are_unique_in_the_file_itself(path: Path) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    sections = Counter(s["key"] for s in raw["sections"])
    questions = Counter(q["key"] for s in raw["sections"] for q in s["questions"])
    assert [k for k, n in sections.items() if n > 1] == []
    assert [k for k, n in questions.items() if n > 1] == []
    for name, choices in raw.get("choice_lists", {}).items():
        values = Counter(c["value"] for c in choices)
        assert [v for v, n in values.items() if n > 1] == [], name
        assert all(isinstance(v, str) for v in values), f"{name}: quote yes/no/numbers"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_only_core_question_types_and_sound_definitions(path: Path) -> None:
    q = load(path)
    for question in q.questions():
        assert question.type in CORE_TYPES, question.key
        if question.type in ("single_choice", "multiple_choice"):
            assert q.choices_for(question), question.key
        if question.type == "likert5":
            assert question.params.get("scale", "satisfaction") in ("satisfaction", "agreement")


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_the_privacy_notice_has_the_article_8_parts(path: Path) -> None:
    notice = load(path).privacy_notice
    for language in (ZH, EN):
        assert "{agency}" in notice.controller[language]
    assert "第 3 條" in notice.rights[ZH] and "Article 3" in notice.rights[EN]
    assert "少於 5 人" in notice.use[ZH] and "fewer than 5" in notice.use[EN]
    assert "一五七" in notice.purpose[ZH]  # PDPA specific purpose 157 調查、統計與研究分析


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_analysis_roles_are_consistent(path: Path) -> None:
    q = load(path)
    roles = q.analysis
    assert roles.overall and q.question(roles.overall).type == "likert5"
    assert roles.comment and q.question(roles.comment).type == "long_text"
    assert not q.question(roles.comment).required
    assert set(roles.dimension_labels) == set(roles.dimensions)
    for name, keys in roles.dimensions.items():
        assert keys, name
        assert roles.overall not in keys
        for key in keys:
            assert q.question(key).type == "likert5", f"dimension {name}: {key} is not 5-point"
    in_dimensions = [k for keys in roles.dimensions.values() for k in keys]
    assert len(in_dimensions) == len(set(in_dimensions)), "an item sits in two dimensions"
    if q.kind in ("citizen", "staff"):
        # Personal background is optional (PDPA Art. 8: the effect of not providing it).
        # The complaint survey's weighting variable is the filing channel, not personal data.
        for key in roles.demographics.values():
            assert not q.question(key).required, f"background question {key} must be optional"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_canonical_json_reloads_to_the_same_version(path: Path) -> None:
    q = load(path)
    again = parse(json.loads(q.canonical_json()))
    assert again == q
    assert again.fingerprint() == q.fingerprint()


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_conditions_refer_to_real_questions_and_evaluate(path: Path) -> None:
    q = load(path)
    keys = {x.key for x in q.questions()}
    for question in q.questions():
        for source in (question.relevant, question.constraint):
            if source:
                expr = compile_expression(source)
                assert expr.references <= keys
                assert expr.evaluate({}) in (True, False)


# -- the citizen survey ---------------------------------------------------------------------------


def test_citizen_dimensions_cover_the_four_award_areas() -> None:
    q = by_slug("citizen-satisfaction")
    assert q.kind == "citizen"
    assert {"environment", "courtesy", "professionalism", "measures"} <= set(q.analysis.dimensions)
    assert q.analysis.dimension_labels["environment"][ZH] == "洽公環境"
    assert q.analysis.dimension_labels["courtesy"][ZH] == "服務禮儀"
    assert q.analysis.dimension_labels["professionalism"][ZH] == "服務專業性"
    assert q.analysis.dimension_labels["measures"][ZH] == "服務措施"


# -- the complaint-handling survey -----------------------------------------------------------------


def test_complaint_process_and_outcome_are_separate() -> None:
    q = by_slug("complaint-handling")
    assert q.kind == "complaint"
    groups = q.analysis.groups
    process, outcome = set(groups["process"]), set(groups["outcome"])
    assert process and outcome
    assert process.isdisjoint(outcome)
    assert q.analysis.overall not in process | outcome
    assert set(q.analysis.dimensions) == {"process", "outcome"}
    for name in ("process", "outcome"):
        assert set(q.analysis.dimensions[name]) <= set(groups[name])
        assert q.analysis.dimension_labels[name][ZH]


def test_complaint_process_items_cover_the_usual_aspects() -> None:
    q = by_slug("complaint-handling")
    process = q.analysis.groups["process"]
    for key in ("proc_ease", "proc_courtesy", "proc_timeliness", "proc_progress", "proc_clarity"):
        assert key in process


def test_complaint_outcome_asks_whether_the_problem_was_solved() -> None:
    q = by_slug("complaint-handling")
    solved = [
        x
        for x in q.questions()
        if x.key in q.analysis.groups["outcome"] and x.type == "single_choice"
    ]
    assert len(solved) == 1
    values = [c.value for c in q.choices_for(solved[0]) or []]
    assert values == ["yes", "partly", "no"]


def test_complaint_asks_what_was_not_solved_only_when_needed() -> None:
    q = by_slug("complaint-handling")
    follow_up = q.question("outcome_unsolved")
    assert follow_up.type == "long_text"
    assert follow_up.relevant
    shown = compile_expression(follow_up.relevant)
    assert shown.evaluate({"outcome_solved": "no"}) is True
    assert shown.evaluate({"outcome_solved": "partly"}) is True
    assert shown.evaluate({"outcome_solved": "yes"}) is False
    assert shown.evaluate({}) is False


def test_complaint_asks_whether_they_would_use_the_channel_again() -> None:
    q = by_slug("complaint-handling")
    assert q.question("use_again").type == "yes_no"


# -- the staff survey --------------------------------------------------------------------------------


def test_staff_has_an_overall_satisfaction_item() -> None:
    q = by_slug("staff-satisfaction")
    assert q.kind == "staff"
    overall = q.question(q.analysis.overall or "")
    assert overall.type == "likert5"
    assert overall.params.get("scale", "satisfaction") == "satisfaction"
    assert overall.required


def test_staff_dimensions_are_agreement_items() -> None:
    q = by_slug("staff-satisfaction")
    assert set(q.analysis.dimensions) == {
        "environment",
        "leadership",
        "workload",
        "training",
        "process",
        "innovation",
    }
    for keys in q.analysis.dimensions.values():
        assert len(keys) >= 3  # enough items for Cronbach's alpha to mean something
        for key in keys:
            assert q.question(key).params.get("scale") == "agreement", key


def test_staff_background_cannot_single_anyone_out() -> None:
    q = by_slug("staff-satisfaction")
    keys = {x.key for x in q.questions()}
    assert not keys & {"unit", "department", "sex", "gender", "age", "age_group", "supervisor"}
    background = [x for x in q.questions() if x.key in q.analysis.demographics.values()]
    assert background, "years of service and job category are expected"
    for item in background:
        assert not item.required
        assert len(q.choices_for(item) or []) <= 5, f"{item.key}: bands must stay coarse"
    assert not [x for x in q.questions() if x.type in ("text", "number", "date")]


# -- characters outside the Basic Multilingual Plane --------------------------------------------------


def test_a_hakka_character_survives_canonical_json() -> None:
    data = load(PATHS[0]).model_dump(mode="json")
    data["sections"][0]["questions"][0]["label"][ZH] = "𠊎係客家人"  # Hakka 𠊎 "I", U+2028E
    q = parse(data)
    assert len("𠊎") == 1 and ord("𠊎") > 0xFFFF
    canonical = q.canonical_json()
    assert "𠊎係客家人" in canonical  # not escaped to \\ud840\\ude8e
    again = parse(json.loads(canonical))
    assert again.sections[0].questions[0].label[ZH] == "𠊎係客家人"
    assert again.fingerprint() == q.fingerprint()
    assert q.fingerprint() != load(PATHS[0]).fingerprint()


def test_a_hakka_character_survives_a_yaml_file(tmp_path: Path) -> None:
    data = load(PATHS[0]).model_dump(mode="json")
    data["choice_lists"] = data.get("choice_lists") or {}
    data["title"][ZH] = "𠊎个問卷"
    path = tmp_path / "hakka.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert "𠊎" in path.read_text(encoding="utf-8")
    assert load(path).title[ZH] == "𠊎个問卷"
