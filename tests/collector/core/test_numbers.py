"""Whole numbers from people and addresses (collector.core.numbers)."""

from __future__ import annotations

import pytest
from flask import Flask

from collector.core.numbers import whole_number
from tests.helpers.organisation import agency_id
from tests.helpers.web import client_as


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


@pytest.mark.parametrize(
    "path",
    [
        "/staff/cases/99999999999999999999999",
        "/staff/cases/2147483648",
        "/staff/cases/9223372036854775808/letter",
        "/staff/campaigns/99999999999999999999999",
        "/staff/agencies/99999999999999999999999",
        "/staff/units/99999999999999999999999",
        "/staff/cases/settings/categories/99999999999999999999999",
    ],
)
def test_an_id_in_an_address_that_no_row_can_have_is_404(staff_app: Flask, path: str) -> None:
    client = client_as(staff_app, "sysadmin@example.test")
    assert client.get(path).status_code == 404


def test_ids_that_fit_still_route(staff_app: Flask) -> None:
    client = client_as(staff_app, "sysadmin@example.test")
    assert client.get(f"/staff/cases/{2**31 - 1}").status_code == 404  # routed: no such case
    assert client.get(f"/staff/agencies/{agency_id(staff_app, 'alpha')}").status_code == 200


@pytest.mark.parametrize(
    "path", ["/complaints/%00/new", "/s/alpha%00/citizen-satisfaction", "/c/%00x"]
)
def test_nul_in_an_address_is_404(staff_app: Flask, path: str) -> None:
    assert staff_app.test_client().get(path).status_code == 404
