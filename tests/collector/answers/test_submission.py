"""The shared answer checker: conditions, constraints, required answers, receipts."""

from __future__ import annotations

import re
from typing import Any

import surveys
from collector.answers.submission import check_answers
from collector.answers.submission import new_receipt
from collector.core.plugins import get_plugins
from tests.helpers.questionnaires import NOTICE_FIELDS
from tests.helpers.questionnaires import t

NOTICE = {part: t("說明", "text") for part in NOTICE_FIELDS}


def questionnaire() -> surveys.Questionnaire:
    def q(key: str, kind: str, **extra: Any) -> dict[str, Any]:
        return {"key": key, "type": kind, "label": {"zh-Hant-TW": key, "en": key}, **extra}

    return surveys.parse(
        {
            "slug": "logic",
            "title": {"zh-Hant-TW": "邏輯", "en": "Logic"},
            "privacy_notice": NOTICE,
            "sections": [
                {
                    "key": "a",
                    "title": {"zh-Hant-TW": "甲", "en": "A"},
                    "questions": [
                        q("visited", "yes_no"),
                        q(
                            "age",
                            "number",
                            min=0,
                            max=120,
                            constraint=". >= 18",
                            constraint_message={
                                "zh-Hant-TW": "須年滿 18 歲",
                                "en": "Must be 18 or over",
                            },
                        ),
                    ],
                },
                {
                    "key": "b",
                    "title": {"zh-Hant-TW": "乙", "en": "B"},
                    "relevant": "${visited} = 'yes'",
                    "questions": [q("how_often", "number", params={"integer": True})],
                },
            ],
        }
    )


def test_hidden_section_is_neither_required_nor_stored(app: Any) -> None:
    plugins = get_plugins(app)
    clean, errors = check_answers(
        plugins, questionnaire(), {"visited": "no", "age": 30, "how_often": 3}
    )
    assert errors == {} and clean == {"visited": "no", "age": 30.0}
    clean, errors = check_answers(plugins, questionnaire(), {"visited": "yes", "age": 30})
    assert list(errors) == ["how_often"] and errors["how_often"].code == "required"


def test_constraint_uses_its_own_message(app: Any) -> None:
    _clean, errors = check_answers(get_plugins(app), questionnaire(), {"visited": "no", "age": 12})
    assert errors["age"].text("en") == "Must be 18 or over"


def test_receipts_are_random_and_readable() -> None:
    receipts = {new_receipt() for _ in range(2000)}
    assert len(receipts) == 2000
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", r) for r in receipts)


def test_receipt_bits_are_fetched_again_after_a_fork() -> None:
    from collector.answers.submission import _RandomBits

    bits = _RandomBits()
    first = bits.take(7)
    buffer = bits._buffer
    bits._pid = -1  # as a forked child sees it: the buffer is its parent's
    bits.take(7)
    assert bits._buffer is not buffer and bits._pos == 7
    assert 0 <= first < 2**56


def test_receipt_bits_are_never_handed_out_twice() -> None:
    from collector.answers.submission import _RandomBits

    bits = _RandomBits()
    bits.SIZE = 70  # type: ignore[misc]  # ten receipts a buffer: refills are exercised
    taken = [bits.take(7) for _ in range(1000)]
    assert len(set(taken)) == len(taken)


def test_checking_reuses_one_question_type_per_question(app: Any) -> None:
    from collector.answers.submission import _plan_for

    plugins = get_plugins(app)
    q = questionnaire()
    plan = _plan_for(plugins, q)
    assert _plan_for(plugins, q) is plan
    assert _plan_for(plugins, questionnaire()) is not plan  # another definition, another plan
    answers = {"visited": "yes", "age": 30}
    first, first_errors = check_answers(plugins, q, answers)
    again, again_errors = check_answers(plugins, q, answers)
    assert again == first and set(again_errors) == set(first_errors)
