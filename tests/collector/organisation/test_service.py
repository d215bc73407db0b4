"""Rules for agencies and units (collector.organisation.service); the pages are tested in views/."""

from __future__ import annotations

import pytest
from flask import Flask

from collector.core.hooktypes import Actor
from collector.core.models import Agency
from collector.organisation.service import Names
from collector.organisation.service import OrganisationError
from collector.organisation.service import check_code
from collector.organisation.service import check_names
from collector.organisation.service import may_create_agency

MINISTRY = Agency(id=1, code="moi", name_zh="部", name_en="M", level="ministry")
OTHER_MINISTRY = Agency(id=9, code="mof", name_zh="部", name_en="F", level="ministry")
AGENCY = Agency(id=2, code="alpha", name_zh="甲", name_en="A", level="agency", parent_id=1)


def actor(role: str, agency_id: int | None, visible: set[int]) -> Actor:
    return Actor(None, role, agency_id, frozenset(visible), "test")


@pytest.mark.parametrize("code", ["a", "a1", "tax-north", "x" * 32, "0"])
def test_good_codes(code: str) -> None:
    assert check_code(code) == code


@pytest.mark.parametrize(
    "code", ["", "A", "a b", "-a", "a-", "a_b", "é", "a/b", "x" * 33, "a\n", " a", "甲"]
)
def test_bad_codes(code: str) -> None:
    with pytest.raises(OrganisationError) as refused:
        check_code(code)
    assert (refused.value.field, refused.value.key) == ("code", "err_org_code")


def test_names_are_trimmed_normalised_and_checked() -> None:
    assert check_names(Names("  北區國稅局 ", "Tax ")) == Names("北區國稅局", "Tax")
    assert check_names(Names("Cafe\u0301", "x")).name_zh == "Café"  # NFC
    assert check_names(Names("𠊎" * 200, "x")).name_zh == "𠊎" * 200
    for names, field, key in (
        (Names("", "x"), "name_zh", "err_org_name"),
        (Names("x", "  "), "name_en", "err_org_name"),
        (Names("局" * 201, "x"), "name_zh", "err_org_name"),
        (Names("a\tb", "x"), "name_zh", "err_org_name_characters"),
        (Names("x", "a\u200bb"), "name_en", "err_org_name_characters"),
        (Names("x", "a\u202eb"), "name_en", "err_org_name_characters"),
    ):
        with pytest.raises(OrganisationError) as refused:
            check_names(names)
        assert (refused.value.field, refused.value.key) == (field, key), names


def test_who_may_create_which_agency(app: Flask) -> None:
    system = actor("system_admin", None, {1, 2, 9})
    ministry = actor("ministry_admin", 1, {1, 2})
    agency_admin = actor("agency_admin", 2, {2})
    with app.test_request_context():
        assert may_create_agency(system, "ministry", None)
        assert may_create_agency(system, "agency", None)
        assert may_create_agency(system, "agency", MINISTRY)
        assert not may_create_agency(system, "ministry", MINISTRY)
        assert not may_create_agency(system, "agency", AGENCY)  # only below a ministry
        assert not may_create_agency(system, "department", None)
        assert may_create_agency(ministry, "agency", MINISTRY)
        assert not may_create_agency(ministry, "agency", OTHER_MINISTRY)
        assert not may_create_agency(ministry, "agency", None)
        assert not may_create_agency(ministry, "ministry", None)
        assert not may_create_agency(agency_admin, "agency", MINISTRY)
