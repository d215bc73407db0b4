"""The core question types: what each accepts, refuses, stores and reads back."""

from __future__ import annotations

from typing import Any

import pytest

import surveys
from collector.answers.question_types import QuestionType
from collector.answers.standard_types import CORE_TYPES
from collector.core.hooktypes import AnswerError
from tests.helpers.questionnaires import NOTICE_FIELDS
from tests.helpers.questionnaires import t

TYPES = {cls.name: cls for cls in CORE_TYPES}


def make(kind: str, **question: Any) -> QuestionType:
    definition = {
        "key": "q",
        "type": kind,
        "label": {"zh-Hant-TW": "題目", "en": "Question"},
        **question,
    }
    questionnaire = surveys.parse(
        {
            "slug": "types",
            "title": {"zh-Hant-TW": "題型", "en": "Types"},
            "privacy_notice": {part: t("說明", "text") for part in NOTICE_FIELDS},
            "sections": [
                {"key": "s", "title": {"zh-Hant-TW": "節", "en": "S"}, "questions": [definition]}
            ],
        }
    )
    return TYPES[kind](questionnaire.question("q"), questionnaire)


def roundtrip(qtype: QuestionType, raw: Any) -> Any:
    value = qtype.parse(raw)
    return qtype.from_rows(qtype.to_rows(value))


CHOICES = [
    {"value": "a", "label": {"zh-Hant-TW": "甲", "en": "A"}},
    {"value": "b", "label": {"zh-Hant-TW": "乙", "en": "B"}},
    {"value": "c", "label": {"zh-Hant-TW": "丙", "en": "C"}},
]


@pytest.mark.parametrize(
    ("kind", "question", "raw", "stored"),
    [
        ("likert5", {}, "4", 4),
        ("likert5", {}, 5, 5),
        ("likert5", {"not_applicable": True}, "na", "na"),
        ("single_choice", {"choices": CHOICES}, "b", "b"),
        ("multiple_choice", {"choices": CHOICES}, ["c", "a", "c"], ["a", "c"]),
        ("rating_0_10", {}, "0", 0),
        ("rating_0_10", {}, 10, 10),
        ("yes_no", {}, "yes", "yes"),
        ("yes_no", {}, False, "no"),
        ("number", {"min": 0, "max": 120, "params": {"integer": True}}, "３５", 35),
        ("number", {}, "1,234.5", 1234.5),
        ("date", {}, "2026-11-23", "2026-11-23"),
        ("text", {}, "  e\u0301 ok  ", "é ok"),  # trimmed and NFC-normalised
        ("long_text", {}, "line 1\r\nline 2 𠊎", "line 1\nline 2 𠊎"),
    ],
)
def test_accepts_and_reads_back(kind: str, question: dict, raw: Any, stored: Any) -> None:
    assert roundtrip(make(kind, **question), raw) == stored


@pytest.mark.parametrize(
    ("kind", "question", "raw", "code"),
    [
        ("likert5", {}, "6", "choice"),
        ("likert5", {}, "na", "choice"),  # N/A only where the question allows it
        ("likert5", {}, "3.5", "choice"),
        ("likert5", {}, True, "choice"),
        ("single_choice", {"choices": CHOICES}, "z", "choice"),
        ("single_choice", {"choices": CHOICES}, ["a", "b"], "type"),
        ("multiple_choice", {"choices": CHOICES}, ["a", "z"], "choice"),
        ("multiple_choice", {"choices": CHOICES, "max": 1}, ["a", "b"], "max"),
        ("multiple_choice", {"choices": CHOICES, "min": 2}, ["a"], "min"),
        ("rating_0_10", {}, "11", "choice"),
        ("rating_0_10", {}, "-1", "choice"),
        ("yes_no", {}, "maybe", "choice"),
        ("number", {"min": 0, "max": 120}, "121", "max"),
        ("number", {"min": 0}, "-1", "min"),
        ("number", {}, "abc", "number"),
        ("number", {}, "nan", "number"),
        ("number", {}, "inf", "number"),
        ("number", {"params": {"integer": True}}, "2.5", "integer"),
        ("date", {}, "2026-02-30", "date"),
        ("date", {"params": {"max": "2026-01-01"}}, "2026-01-02", "max"),
        ("text", {"max_length": 5}, "123456", "too_long"),
        ("text", {}, "x" * 501, "too_long"),
        ("text", {}, "bell\x07", "bad_characters"),
        ("text", {}, "bad \ufffd", "bad_characters"),
        ("text", {}, {"a": 1}, "type"),
    ],
)
def test_refuses(kind: str, question: dict, raw: Any, code: str) -> None:
    with pytest.raises(AnswerError) as info:
        make(kind, **question).parse(raw)
    assert info.value.code == code


@pytest.mark.parametrize("raw", [None, "", "   ", [], [""]])
@pytest.mark.parametrize("kind", sorted(TYPES))
def test_empty_is_none(kind: str, raw: Any) -> None:
    question = {"choices": CHOICES} if "choice" in kind else {}
    assert make(kind, **question).parse(raw) is None


def test_likert_labels_and_order() -> None:
    qtype = make("likert5", not_applicable=True)
    assert qtype.options("zh-Hant-TW") == [
        ("5", "非常滿意"),
        ("4", "滿意"),
        ("3", "普通"),
        ("2", "不滿意"),
        ("1", "非常不滿意"),
        ("na", "不適用"),
    ]
    agreement = make("likert5", params={"scale": "agreement"})
    assert agreement.options("en")[0] == ("5", "Strongly agree")


def test_definition_checks() -> None:
    assert make("likert5", params={"scale": "stars"}).check_definition()
    assert make("single_choice").check_definition() == ["needs 'choices' or 'choice_list'"]
    assert make("single_choice", choices=CHOICES).check_definition() == []


def test_errors_speak_both_languages() -> None:
    with pytest.raises(AnswerError) as info:
        make("number", max=10).parse("11")
    assert info.value.text("zh-Hant-TW") == "數值不能大於 10。"
    assert info.value.text("en") == "The value must be at most 10."


def test_json_schemas() -> None:
    assert make("likert5").json_schema()["enum"] == [1, 2, 3, 4, 5]
    assert make("multiple_choice", choices=CHOICES).json_schema()["items"]["enum"] == [
        "a",
        "b",
        "c",
    ]
    assert make("number", min=0, max=9, params={"integer": True}).json_schema() == {
        "type": "integer",
        "minimum": 0,
        "maximum": 9,
    }
