"""Whole numbers from people and addresses (collector.core.numbers)."""

from __future__ import annotations

import pytest

from collector.core.numbers import whole_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("999999999", 999_999_999),
        ("1000000000", None),  # ten digits may not fit an integer column
        ("²", None),  # isdigit() says yes, int() says no
        ("١٢", None),  # Arabic-Indic digits
        ("１２", None),  # full-width digits
        ("-1", None),
        (" 1", None),
        ("", None),
        (None, None),
    ],
)
def test_only_ascii_digits_that_fit_count(text: str | None, expected: int | None) -> None:
    assert whole_number(text) == expected
