"""The questionnaire schema: every validator, text normalisation and the fingerprint."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from surveys.schema import Questionnaire
from tests.helpers.questionnaires import EN
from tests.helpers.questionnaires import ZH
from tests.helpers.questionnaires import minimal
from tests.helpers.questionnaires import question
from tests.helpers.questionnaires import t


def build(data: dict[str, Any]) -> Questionnaire:
    return Questionnaire.model_validate(data)


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        build(data)
    return str(info.value)


def test_the_minimal_definition_is_valid() -> None:
    q = build(minimal())
    assert [s.key for s in q.sections] == ["first", "environment"]
    assert [x.key for x in q.questions()] == ["visited", "colour", "env_signage", "overall"]
    assert q.question("colour").choice_list == "colour"


# -- keys ----------------------------------------------------------------------------------


def test_a_question_key_used_twice_is_refused_even_across_sections() -> None:
    data = minimal()
    question(data, 1, 0)["key"] = "visited"
    assert "question key 'visited' is used twice" in error_of(data)


def test_section_keys_must_be_unique() -> None:
    data = minimal()
    data["sections"][1]["key"] = "first"
    assert "section keys repeat" in error_of(data)


@pytest.mark.parametrize("key", ["Visited", "1st", "has-dash", "_x", "a" * 64, ""])
def test_question_keys_follow_the_pattern(key: str) -> None:
    data = minimal()
    question(data, 0, 0)["key"] = key
    assert "String should match pattern" in error_of(data)


@pytest.mark.parametrize("slug", ["Test", "x", "has_underscore", "1survey"])
def test_slug_follows_the_pattern(slug: str) -> None:
    data = minimal()
    data["slug"] = slug
    assert "slug" in error_of(data)


def test_unknown_fields_are_refused() -> None:
    data = minimal()
    question(data, 0, 0)["requried"] = False  # a typo must not pass silently
    assert "requried" in error_of(data)
    assert "Extra inputs are not permitted" in error_of(data)


def test_unknown_kind_is_refused() -> None:
    data = minimal()
    data["kind"] = "citizens"
    assert "kind" in error_of(data)


def test_languages_must_not_repeat() -> None:
    data = minimal()
    data["languages"] = [ZH, EN, ZH]
    assert "languages repeat" in error_of(data)


def test_at_least_one_section_and_one_question() -> None:
    data = minimal()
    data["sections"] = []
    assert "sections" in error_of(data)
    data = minimal()
    data["sections"][0]["questions"] = []
    assert "questions" in error_of(data)


# -- choices ---------------------------------------------------------------------------------


def test_unknown_choice_list_is_named() -> None:
    data = minimal()
    question(data, 0, 1)["choice_list"] = "colours"
    assert "question 'colour': unknown choice_list 'colours'" in error_of(data)


def test_choices_and_choice_list_together_are_refused() -> None:
    data = minimal()
    question(data, 0, 1)["choices"] = [{"value": "x", "label": t("甲")}]
    assert "give either 'choices' or 'choice_list', not both" in error_of(data)


def test_inline_choice_values_must_not_repeat() -> None:
    data = minimal()
    q = question(data, 0, 1)
    del q["choice_list"]
    q["choices"] = [{"value": "a", "label": t("甲")}, {"value": "a", "label": t("乙")}]
    assert "choice values repeat: ['a']" in error_of(data)


def test_choice_list_values_must_not_repeat() -> None:
    data = minimal()
    data["choice_lists"]["colour"].append({"value": "red", "label": t("赤", "Crimson")})
    assert "choice_lists.colour: choice values repeat: ['red']" in error_of(data)


@pytest.mark.parametrize("value", ["has space", "", "x" * 65, "中文"])
def test_choice_values_follow_the_pattern(value: str) -> None:
    data = minimal()
    data["choice_lists"]["colour"][0]["value"] = value
    assert "value" in error_of(data)


def test_a_yaml_boolean_is_not_a_choice_value() -> None:
    # Unquoted yes/no in YAML become booleans; they must be quoted.
    data = minimal()
    data["choice_lists"]["colour"][0]["value"] = True
    assert "Input should be a valid string" in error_of(data)


# -- numbers ---------------------------------------------------------------------------------


def test_min_larger_than_max_is_refused() -> None:
    data = minimal()
    question(data, 0, 0).update(type="number", min=10, max=5)
    assert "'min' (10.0) is larger than 'max' (5.0)" in error_of(data)


def test_min_equal_to_max_is_allowed() -> None:
    data = minimal()
    question(data, 0, 0).update(type="number", min=5, max=5)
    assert build(data).question("visited").max == 5


@pytest.mark.parametrize("length", [0, -1, 20001])
def test_max_length_bounds(length: int) -> None:
    data = minimal()
    question(data, 0, 0).update(type="text", max_length=length)
    assert "max_length" in error_of(data)


# -- relevant and constraint -------------------------------------------------------------------


def test_relevant_may_read_an_earlier_question() -> None:
    data = minimal()
    question(data, 1, 0)["relevant"] = "${visited} = 'yes' and ${colour} != 'red'"
    assert build(data).question("env_signage").relevant is not None


@pytest.mark.parametrize(
    ("where", "field", "expression", "message"),
    [
        (
            (0, 0),
            "relevant",
            "${overall} >= 4",
            "question 'visited': relevant refers to ['overall'], which is not an earlier question",
        ),
        (
            (0, 1),
            "relevant",
            "${colour} = 'red'",
            "question 'colour': relevant refers to ['colour']",
        ),
        ((1, 0), "relevant", "${visted} = 'yes'", "refers to ['visted']"),
        (
            (0, 0),
            "constraint",
            ". != ${overall}",
            "question 'visited': constraint refers to ['overall']",
        ),
    ],
    ids=["relevant-later", "relevant-itself", "relevant-unknown", "constraint-later"],
)
def test_an_expression_may_read_only_earlier_questions(
    where: tuple[int, int], field: str, expression: str, message: str
) -> None:
    data = minimal()
    question(data, *where)[field] = expression
    assert message in error_of(data)


def test_constraint_reads_the_answer_as_dot() -> None:
    data = minimal()
    question(data, 0, 0).update(type="number", constraint=". >= 0 and . <= 120")
    assert build(data).question("visited").constraint == ". >= 0 and . <= 120"


def test_section_relevant_may_read_an_earlier_section() -> None:
    data = minimal()
    data["sections"][1]["relevant"] = "${visited} = 'yes'"
    assert build(data).sections[1].relevant == "${visited} = 'yes'"


def test_section_relevant_may_not_read_its_own_questions() -> None:
    # The section's condition is decided before its questions are answered.
    data = minimal()
    data["sections"][1]["relevant"] = "${env_signage} >= 3"
    assert "section 'environment': relevant refers to later or unknown ['env_signage']" in error_of(
        data
    )


def test_section_relevant_may_not_read_a_later_section() -> None:
    data = minimal()
    data["sections"][0]["relevant"] = "${overall} >= 3"
    assert "section 'first': relevant refers to later or unknown ['overall']" in error_of(data)


@pytest.mark.parametrize("field", ["relevant", "constraint"])
def test_expressions_that_do_not_parse_are_refused_with_their_position(field: str) -> None:
    data = minimal()
    question(data, 1, 0)[field] = "${visited} = = 'yes'"
    assert f"{field} \"${{visited}} = = 'yes'\": unexpected '=' at 13" in error_of(data)


# -- translations ------------------------------------------------------------------------------


def test_a_missing_translation_names_the_field_and_the_language() -> None:
    data = minimal()
    del question(data, 1, 0)["label"][EN]
    assert "sections[1].questions[0].label: missing translation(s) ['en']" in error_of(data)


def test_missing_translations_are_found_everywhere() -> None:
    cases: list[tuple[Callable[[dict[str, Any]], None], str]] = [
        (lambda d: d["title"].pop(ZH), "title: missing translation(s) ['zh-Hant-TW']"),
        (
            lambda d: d["privacy_notice"]["rights"].pop(EN),
            "privacy_notice.rights: missing translation(s) ['en']",
        ),
        (
            lambda d: d["choice_lists"]["colour"][1]["label"].pop(EN),
            "choice_lists.colour[1].label: missing translation(s) ['en']",
        ),
        (
            lambda d: d["sections"][0].update(description={ZH: "說明"}),
            "sections[0].description: missing translation(s) ['en']",
        ),
        (
            lambda d: question(d, 0, 0).update(hint={EN: "hint"}),
            "sections[0].questions[0].hint: missing translation(s) ['zh-Hant-TW']",
        ),
        (
            lambda d: question(d, 0, 0).update(constraint_message={ZH: "錯"}),
            "sections[0].questions[0].constraint_message: missing translation(s) ['en']",
        ),
        (
            lambda d: d.update(thanks={ZH: "謝謝"}),
            "thanks: missing translation(s) ['en']",
        ),
        (
            lambda d: d["analysis"]["dimension_labels"]["environment"].pop(EN),
            "analysis.dimension_labels.environment: missing translation(s) ['en']",
        ),
    ]
    for change, message in cases:
        data = minimal()
        change(data)
        assert message in error_of(data), message


def test_a_declared_third_language_is_required_everywhere() -> None:
    data = minimal()
    data["languages"] = [ZH, EN, "vi"]
    assert "title: missing translation(s) ['vi']" in error_of(data)


def test_empty_translations_are_refused() -> None:
    data = minimal()
    question(data, 0, 0)["label"][EN] = "   "
    assert "sections[0].questions[0].label: empty translation(s) ['en']" in error_of(data)


def test_a_translation_must_be_text() -> None:
    data = minimal()
    question(data, 0, 0)["label"][EN] = 5
    assert "Input should be a valid string" in error_of(data)


# -- text normalisation ------------------------------------------------------------------------


def test_text_is_stored_as_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Tiếng Việt café")
    assert decomposed != "Tiếng Việt café"
    data = minimal()
    data["languages"] = [ZH, EN, "vi"]

    def add_vi(node: Any) -> None:
        if isinstance(node, dict):
            if EN in node and ZH in node:
                node["vi"] = decomposed
            for value in node.values():
                add_vi(value)
        elif isinstance(node, list):
            for value in node:
                add_vi(value)

    add_vi(data)
    q = build(data)
    assert q.title["vi"] == "Tiếng Việt café"
    assert len(q.title["vi"]) == len("Tiếng Việt café")
    assert q.question("colour").label["vi"] == "Tiếng Việt café"
    assert q.choice_lists["colour"][0].label["vi"] == "Tiếng Việt café"
    assert q.privacy_notice.purpose["vi"] == "Tiếng Việt café"
    assert q.analysis.dimension_labels["environment"]["vi"] == "Tiếng Việt café"


def test_nfc_and_nfd_input_give_the_same_fingerprint() -> None:
    composed = minimal()
    question(composed, 0, 0)["label"][EN] = "Café"
    decomposed = minimal()
    question(decomposed, 0, 0)["label"][EN] = unicodedata.normalize("NFD", "Café")
    assert build(composed).fingerprint() == build(decomposed).fingerprint()


def test_compatibility_characters_are_kept() -> None:
    # NFC, not NFKC: full-width and CJK compatibility forms a form author typed stay as typed.
    data = minimal()
    question(data, 0, 0)["label"][ZH] = "ＡＢＣ（全形）"
    assert build(data).question("visited").label[ZH] == "ＡＢＣ（全形）"


# -- bare strings --------------------------------------------------------------------------------


def test_bare_strings_become_the_first_language() -> None:
    data = minimal()
    data["languages"] = [ZH]
    data["title"] = "只有中文"
    question(data, 0, 0)["label"] = "來過嗎？"
    question(data, 0, 0)["hint"] = "提示"
    data["choice_lists"]["colour"][0]["label"] = "紅"
    data["privacy_notice"] = {k: "告知" for k in data["privacy_notice"]}
    data["analysis"]["dimension_labels"]["environment"] = "洽公環境"
    result = build(data)  # the other texts keep their (now surplus) English: that is allowed
    assert result.title == {ZH: "只有中文"}
    assert result.question("visited").label == {ZH: "來過嗎？"}
    assert result.question("visited").hint == {ZH: "提示"}
    assert result.choice_lists["colour"][0].label == {ZH: "紅"}
    assert result.privacy_notice.use == {ZH: "告知"}
    assert result.analysis.dimension_labels["environment"] == {ZH: "洽公環境"}


def test_bare_strings_follow_the_declared_first_language() -> None:
    data = minimal()
    data["languages"] = [EN, ZH]
    question(data, 0, 0)["label"] = "Been before?"
    message = error_of(data)
    assert "sections[0].questions[0].label: missing translation(s) ['zh-Hant-TW']" in message


def test_a_bare_string_in_a_two_language_questionnaire_lacks_english() -> None:
    data = minimal()
    data["title"] = "測試問卷"
    assert "title: missing translation(s) ['en']" in error_of(data)


def test_without_languages_the_defaults_apply() -> None:
    data = minimal()
    del data["languages"]
    assert build(data).languages == [ZH, EN]


# -- analysis roles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "analysis",
    [
        {"overall": "overal"},
        {"comment": "comments"},
        {"dimensions": {"environment": ["env_signage", "env_comfort"]}},
        {"groups": {"process": ["timeliness"]}},
        {"demographics": {"sex": "gender"}},
        {"importance": {"unknown_item": "overall"}},
        {"importance": {"env_signage": "importance_of_it"}},
    ],
)
def test_analysis_may_only_name_existing_questions(analysis: dict[str, Any]) -> None:
    data = minimal()
    data["analysis"] = analysis
    assert "analysis names questions that do not exist" in error_of(data)


# -- reading ---------------------------------------------------------------------------------------


def test_text_falls_back_to_the_first_language() -> None:
    q = build(minimal())
    label = q.question("visited").label
    assert q.text(label, EN) == "Been before?"
    assert q.text(label, "vi") == "來過嗎？"
    assert q.text(None, EN) == ""


def test_choices_for_and_unknown_question() -> None:
    q = build(minimal())
    assert [c.value for c in q.choices_for(q.question("colour")) or []] == ["red", "blue"]
    assert q.choices_for(q.question("visited")) is None
    with pytest.raises(KeyError):
        q.question("nope")


def test_a_questionnaire_is_immutable() -> None:
    q = build(minimal())
    with pytest.raises(ValidationError):
        q.slug = "other"  # type: ignore[misc]


# -- fingerprint ------------------------------------------------------------------------------------


def test_fingerprint_is_the_sha256_of_the_canonical_json() -> None:
    q = build(minimal())
    assert re.fullmatch(r"[0-9a-f]{64}", q.fingerprint())
    assert q.fingerprint() == hashlib.sha256(q.canonical_json().encode("utf-8")).hexdigest()


def test_fingerprint_is_stable() -> None:
    first, second = build(minimal()), build(minimal())
    assert first is not second
    assert first.fingerprint() == second.fingerprint()
    assert build(json.loads(first.canonical_json())).fingerprint() == first.fingerprint()


def test_fingerprint_ignores_mapping_order() -> None:
    data = minimal()
    label = question(data, 0, 0)["label"]
    question(data, 0, 0)["label"] = {EN: label[EN], ZH: label[ZH]}
    data = dict(reversed(list(data.items())))
    assert build(data).fingerprint() == build(minimal()).fingerprint()


def _edit_hint(d: dict[str, Any]) -> None:
    question(d, 0, 0)["hint"] = t("提示", "Hint")


EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "english label": lambda d: question(d, 0, 0)["label"].update({EN: "Visited before?"}),
    "chinese title": lambda d: d["title"].update({ZH: "測試問卷二"}),
    "required": lambda d: question(d, 0, 0).update(required=False),
    "type": lambda d: question(d, 1, 0).update(type="rating_0_10"),
    "not applicable": lambda d: question(d, 1, 0).update(not_applicable=True),
    "params": lambda d: question(d, 1, 0).update(params={"scale": "agreement"}),
    "hint added": _edit_hint,
    "relevant": lambda d: question(d, 1, 0).update(relevant="${visited} = 'yes'"),
    "choice order": lambda d: d["choice_lists"]["colour"].reverse(),
    "choice label": lambda d: d["choice_lists"]["colour"][0]["label"].update({EN: "Scarlet"}),
    "question order": lambda d: d["sections"][1]["questions"].reverse(),
    "privacy notice": lambda d: d["privacy_notice"]["use"].update({ZH: "僅供統計。"}),
    "analysis": lambda d: d["analysis"].update(comment=None, overall="env_signage"),
    "dimension label": lambda d: d["analysis"]["dimension_labels"]["environment"].update(
        {EN: "Office"}
    ),
    "kind": lambda d: d.update(kind="citizen"),
    "slug": lambda d: d.update(slug="test-survey-2"),
    "a trailing space": lambda d: question(d, 0, 0)["label"].update({EN: "Been before? "}),
}


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_fingerprint_changes_with_any_edit(edit: str) -> None:
    original = build(minimal())
    data = minimal()
    EDITS[edit](data)
    changed = build(data)
    assert changed.fingerprint() != original.fingerprint()
