"""The field rules every complaint channel applies: normalisation, one line or several,
lengths, e-mail and phone formats, coordinates; problems worded in either language."""

from __future__ import annotations

from typing import Any

import pytest

from collector.complaints import fields


@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\r", "\u2028", "\u2029", "\x85", "\t", "\x00"])
def test_a_one_line_rule_refuses_every_break_and_control(breaker: str) -> None:
    _value, problem = fields.NAME.check(f"王{breaker}小明")
    assert problem is fields.ONE_LINE
    assert problem.text("zh-Hant-TW") == "這一欄只能填一行文字，不可包含換行或控制字元。"


def test_a_multi_line_rule_keeps_line_breaks_and_tabs_only() -> None:
    assert fields.DESCRIPTION.check(" 一\r\n二\r三\t四 ") == ("一\n二\n三\t四", None)
    assert fields.DESCRIPTION.check("一\x00二")[1] is fields.UNREADABLE
    assert fields.DESCRIPTION.check("一\u2028二")[1] is fields.UNREADABLE
    assert fields.DESCRIPTION.check("bad \ufffd")[1] is fields.UNREADABLE


def test_text_is_nfc_and_an_empty_value_is_no_problem() -> None:
    assert fields.SUBJECT.check("Cafe\u0301") == ("Caf\u00e9", None)
    assert fields.SUBJECT.check("   ") == ("", None)


def test_lengths_count_characters_after_normalising() -> None:
    assert fields.SUBJECT.check("字" * 200)[1] is None
    _value, problem = fields.SUBJECT.check("字" * 201)
    assert problem is not None
    assert problem.text("en") == "The text is too long: at most 200 characters."


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("Ming@Example.TW", "ming@example.tw"),
        ("a@example.tw\r\nBcc: b@example.tw", None),
        ("a@example.tw, b@example.tw", None),
        ('"Ming" <a@example.tw>', None),
    ],
)
def test_an_email_is_one_plain_address(value: str, stored: str | None) -> None:
    checked, problem = fields.EMAIL.check(value)
    if stored is None:
        assert problem is fields.BAD_EMAIL
    else:
        assert (checked, problem) == (stored, None)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("(02) 2345 6789#123", True), ("+886 912 345 678", True), ("12345", False), ("1" * 21, False)],
)
def test_a_phone_number(value: str, ok: bool) -> None:
    assert (fields.PHONE.check(value)[1] is None) is ok


@pytest.mark.parametrize(
    ("value", "number"),
    [("25.04", 25.04), (25, 25.0), ("", None), (None, None), ("-90", -90.0)],
)
def test_coordinates_within_bounds(value: Any, number: float | None) -> None:
    assert fields.coordinate(value, fields.LATITUDE) == (number, None)


@pytest.mark.parametrize("value", ["90.1", "nan", "inf", "north", True, [1], "2\n5"])
def test_coordinates_out_of_bounds_or_not_numbers(value: Any) -> None:
    number, problem = fields.coordinate(value, fields.LATITUDE)
    assert number is None and problem is not None
