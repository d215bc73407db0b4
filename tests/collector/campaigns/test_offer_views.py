"""An agency administrator switches questionnaires on and off for their agency
(/staff/questionnaires): stored, audited, and obeyed by every page that offers them."""

from __future__ import annotations

from typing import Any

from flask import Flask

from collector.core.models import QuestionnaireOffer
from tests.helpers.database import audit_events
from tests.helpers.database import count_rows
from tests.helpers.organisation import agency_id
from tests.helpers.web import client_as
from tests.helpers.web import csrf_token

ADMIN = "admin@alpha.example.test"
LAND = "land-office-service"
CITIZEN = "citizen-satisfaction"


def switch(client: Any, app: Flask, slug: str, offered: str, agency: str = "alpha") -> Any:
    page = client.get("/staff/questionnaires")
    return client.post(
        "/staff/questionnaires",
        data={
            "csrf_token": csrf_token(page.text),
            "agency": str(agency_id(app, agency)),
            "questionnaire": slug,
            "offered": offered,
        },
    )


def cell(page: str, app: Flask, slug: str) -> str:
    marker = f'id="offer-{agency_id(app, "alpha")}-{slug}">'
    start = page.index(marker) + len(marker)
    return page[start : page.index("</td>", start)]


def test_the_page_shows_each_questionnaire_with_its_default(staff_app: Flask) -> None:
    admin = client_as(staff_app, ADMIN)
    assert 'href="/staff/questionnaires"' in admin.get("/staff/").text
    page = admin.get("/staff/questionnaires")
    assert page.status_code == 200
    assert "<strong>提供</strong>" in cell(page.text, staff_app, CITIZEN)
    assert "<strong>不提供</strong>" in cell(page.text, staff_app, LAND)  # alpha is no land office
    assert "<code>land_office</code>" in page.text
    assert "staff-satisfaction" not in page.text  # not a public questionnaire


def test_switching_on_and_off_is_obeyed_everywhere_and_audited(staff_app: Flask) -> None:
    admin = client_as(staff_app, ADMIN)
    public = staff_app.test_client()
    assert public.get(f"/s/alpha/{LAND}").status_code == 404

    on = switch(admin, staff_app, LAND, "1")
    assert on.status_code == 303
    page = admin.get("/staff/questionnaires").text
    assert "「地政案件服務滿意度調查」現在於甲機關提供。" in page
    assert "由機關設定" in cell(page, staff_app, LAND)
    assert public.get(f"/s/alpha/{LAND}").status_code == 200
    assert f"/s/alpha/{LAND}" in public.get("/").text

    off = switch(admin, staff_app, CITIZEN, "0")
    assert off.status_code == 303
    refused = public.get(f"/s/alpha/c1/{CITIZEN}")
    assert refused.status_code == 404 and "甲機關沒有使用「民眾服務滿意度調查」" in refused.text
    api = public.post(
        "/api/v1/responses", json={"questionnaire": CITIZEN, "agency": "alpha", "answers": {}}
    )
    assert api.status_code == 422
    assert api.get_json()["errors"]["questionnaire"] == (
        "this questionnaire is not offered at this agency"
    )
    assert public.get(f"/s/beta/{CITIZEN}").status_code == 200  # beta's own choice stands
    counter = client_as(staff_app, "counter@alpha.example.test")
    assert f'value="{CITIZEN}"' not in counter.get("/staff/paper").text
    assert f'value="{LAND}"' in counter.get("/staff/paper").text

    events = audit_events(staff_app, "questionnaire_offer.changed")
    assert [(e.target, e.detail) for e in events] == [
        (f"questionnaire:{LAND}", '{"offered":true}'),
        (f"questionnaire:{CITIZEN}", '{"offered":false}'),
    ]
    assert all(
        e.actor_label == ADMIN and e.agency_id == agency_id(staff_app, "alpha") for e in events
    )
    assert switch(admin, staff_app, CITIZEN, "0").status_code == 303  # already so: nothing
    assert len(audit_events(staff_app, "questionnaire_offer.changed")) == 2


def test_bad_requests_change_nothing(staff_app: Flask) -> None:
    admin = client_as(staff_app, ADMIN)
    for slug, offered, agency in (
        ("no-such-questionnaire", "1", "alpha"),
        ("staff-satisfaction", "0", "alpha"),
        (CITIZEN, "maybe", "alpha"),
        (CITIZEN, "0", "beta"),  # another agency's
        (CITIZEN, "0", "moi"),
    ):
        response = switch(admin, staff_app, slug, offered, agency)
        assert response.status_code == 422, (slug, offered, agency)
        assert 'role="alert"' in response.text
    assert count_rows(staff_app, QuestionnaireOffer) == 0
    assert audit_events(staff_app, "questionnaire_offer.changed") == []


def test_only_agency_administrators_choose(staff_app: Flask) -> None:
    for email in (
        "analyst@alpha.example.test",
        "counter@alpha.example.test",
        "ministry@moi.example.test",
        "sysadmin@example.test",
    ):
        client = client_as(staff_app, email)
        assert client.get("/staff/questionnaires").status_code == 403, email
        assert 'href="/staff/questionnaires"' not in client.get("/staff/").text, email
