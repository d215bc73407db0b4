"""Interface text and language choice."""

from __future__ import annotations

import pytest

from collector.core.i18n import MESSAGES, pick_language, translate


def test_every_message_exists_in_both_languages() -> None:
    assert set(MESSAGES["zh-Hant-TW"]) == set(MESSAGES["en"])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh-Hant-TW"),
        ("en-US,en;q=0.9", "en"),
        ("ja,en;q=0.5", "en"),
        ("fr", "zh-Hant-TW"),
        ("en;q=0.2,zh-Hant;q=0.9", "zh-Hant-TW"),
        ("", "zh-Hant-TW"),
        ("en;q=abc", "zh-Hant-TW"),
    ],
)
def test_pick_language_from_header(header: str, expected: str) -> None:
    assert pick_language(["zh-Hant-TW", "en"], None, header) == expected


def test_explicit_choice_wins_if_offered() -> None:
    assert pick_language(["zh-Hant-TW", "en"], "en", "zh-TW") == "en"
    assert pick_language(["zh-Hant-TW", "en"], "vi", "zh-TW") == "zh-Hant-TW"


def test_translate_formats_and_falls_back() -> None:
    assert translate("err_max", "en", max=5) == "The value must be at most 5."
    assert translate("err_max", "vi", max=5) == "數值不能大於 5。"
    assert translate("no_such_key", "en") == "no_such_key"
