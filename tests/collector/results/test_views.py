"""The results page (/staff/results): suppression, comments, targets, who sees what."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from flask import Flask

from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.campaigns import make_campaign
from tests.helpers.organisation import unit_id
from tests.helpers.web import Auth
from tests.helpers.web import logged_in
from tests.helpers.web import who_may_open

ANALYST = "analyst@alpha.example.test"


def page_as(app: Flask, email: str, **query: Any) -> Any:
    client = app.test_client()
    assert logged_in(Auth(client).login(email))
    return client.get("/staff/results", query_string={"questionnaire": SLUG, "lang": "en", **query})


def section(page: str, heading: str) -> str:
    """The HTML of the card (h2) or breakdown (h3) whose heading is ``heading``."""
    match = re.search(
        rf"<h([23]) id=\"[^\"]+\">{re.escape(heading)}</h\1>(.*?)</section>", page, re.S
    )
    assert match, heading
    return match.group(2)


def row(page: str, label: str) -> list[str]:
    match = re.search(rf"<tr><th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", page, re.S)
    assert match, label
    return [
        html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)
    ]


def test_an_analyst_sees_the_headline_breakdowns_and_escaped_comments(staff_app: Flask) -> None:
    add_responses(staff_app, "alpha", "c1", 6, overall_satisfaction=5)
    add_responses(staff_app, "alpha", "c2", 3, overall_satisfaction=2, days_ago=3)
    add_responses(
        staff_app,
        "alpha",
        "c2",
        1,
        comment="<script>alert('x')</script><img src=x onerror=alert(1)>",
    )
    add_responses(staff_app, "beta", "c1", 7, comment="beta secret")
    response = page_as(staff_app, ANALYST)
    assert response.status_code == 200
    page = response.text

    assert "10 responses" in page  # alpha only
    headline = section(page, "Overall satisfaction")
    assert "70.0%" in headline  # 7 of 10 gave 4 or 5 (6 fives + the commenter's 4)

    units = section(page, "By service unit")
    assert row(units, "Counter 1 (c1)")[:2] == ["6", "—"]  # else c2 = total - c1
    assert row(units, "Counter 2 (c2)") == ["<5", "—", "—"]  # 4 respondents: suppressed
    channels = section(page, "By channel")
    assert row(channels, "Online")[0] == "10"
    ages = section(page, "By age group")
    assert row(ages, "65 or older")[0] == "10"
    assert "By agency" not in page  # one agency: no side-by-side table

    comments = section(page, "Comments")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in comments
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "beta secret" not in page
    assert "Export raw responses" in page

    assert " style=" not in page and "<script>" not in page


def test_fewer_than_five_respondents_are_suppressed(staff_app: Flask) -> None:
    add_responses(staff_app, "alpha", "c1", 4)
    page = page_as(staff_app, ANALYST).text
    assert "Fewer than 5 respondents: not shown." in page
    assert "headline-top2" not in page
    items = section(page, "Dimensions and items").split("<table")[1].split("</table>")[0]
    assert "—" in items and "%" not in items
    add_responses(staff_app, "alpha", "c1", 1)
    page = page_as(staff_app, ANALYST).text
    assert 'id="headline-top2"' in page
    assert "Fewer than 5 respondents" not in section(page, "Overall satisfaction")


def test_a_unit_filter_and_campaign_target(staff_app: Flask) -> None:
    c1 = unit_id(staff_app, "alpha", "c1")
    campaign_id = make_campaign(
        staff_app,
        title="2026 第四季",
        starts_on=date(2026, 10, 1),
        target_n=400,
        margin=None,
        confidence=None,
        unit_targets={c1: 150},
    )["campaign_id"]
    add_responses(staff_app, "alpha", "c1", 5, campaign_id=campaign_id)
    add_responses(staff_app, "alpha", "c2", 2, campaign_id=campaign_id)
    add_responses(staff_app, "alpha", "c1", 3)  # outside the campaign
    page = page_as(staff_app, ANALYST, campaign=campaign_id).text
    assert "7 responses / target 400" in page
    progress = page.split('id="unit-progress"')[1].split("</table>")[0]
    assert row(progress, "Counter 1 (c1)") == ["5", "150", "3.3%"]
    page = page_as(
        staff_app, ANALYST, campaign=campaign_id, unit=unit_id(staff_app, "alpha", "c1")
    ).text
    assert "5 responses / target 150" in page
    # another agency's campaign or unit is ignored, never shown
    page = page_as(staff_app, "analyst@beta.example.test", campaign=campaign_id).text
    assert "target" not in page and "2026 第四季" not in page


def test_the_ministry_sees_its_agencies_side_by_side_aggregates_only(staff_app: Flask) -> None:
    add_responses(staff_app, "alpha", "c1", 5, comment="alpha comment")
    add_responses(staff_app, "beta", "c1", 6, comment="beta comment", overall_satisfaction=2)
    response = page_as(staff_app, "ministry@moi.example.test")
    assert response.status_code == 200
    page = response.text
    assert "11 responses" in page
    agencies = section(page, "By agency")
    assert row(agencies, "Agency Alpha")[0] == "5"
    assert row(agencies, "Agency Beta")[0] == "6"
    assert "alpha comment" not in page  # no comments section for aggregates only
    assert "alpha comment" not in page and "beta comment" not in page
    assert "By service unit" not in page
    assert "Export raw responses" not in page
    for email in ("ministry@moi.example.test", "admin@alpha.example.test"):
        c = staff_app.test_client()
        assert logged_in(Auth(c).login(email))
        assert c.get(f"/staff/results/export?format=csv&questionnaire={SLUG}").status_code == 403


def test_who_may_read_results(staff_app: Flask) -> None:
    who_may_open(
        staff_app,
        "/staff/results",
        {
            ANALYST: 200,
            "admin@alpha.example.test": 200,
            "ministry@moi.example.test": 200,
            "counter@alpha.example.test": 403,
            "cases@alpha.example.test": 403,
            "sysadmin@example.test": 200,  # aggregates only, to compare ministries
        },
    )


def test_an_agency_admin_sees_the_agency_in_detail(staff_app: Flask) -> None:
    add_responses(staff_app, "alpha", "c1", 5, comment="admin reads this")
    page = page_as(staff_app, "admin@alpha.example.test").text
    assert "By service unit" in page
    assert "admin reads this" in page  # docs/access.md: results.read includes comments
    assert "Export raw responses" not in page


def test_a_suppressed_group_cannot_be_recovered_from_the_others(staff_app: Flask) -> None:
    add_responses(staff_app, "alpha", "c1", 7, channel="online")
    add_responses(staff_app, "alpha", "c1", 6, channel="qr", overall_satisfaction=2)
    add_responses(staff_app, "alpha", "c1", 2, channel="kiosk", overall_satisfaction=1)
    channels = section(page_as(staff_app, ANALYST).text, "By channel")
    assert row(channels, "Kiosk") == ["<5", "—", "—"]
    # headline minus the groups shown would give the kiosk's two answers: the smallest
    # shown group is hidden as well (its count stays, counts identify nobody)
    assert row(channels, "QR code") == ["6", "—", "—"]
    assert row(channels, "Online")[0] == "7" and row(channels, "Online")[1] != "—"


def test_comments_of_fewer_than_five_respondents_are_withheld(staff_app: Flask) -> None:
    add_responses(staff_app, "alpha", "c1", 6, comment="counter one is fine")
    add_responses(staff_app, "alpha", "c2", 2, comment="only two of us here")
    c2 = unit_id(staff_app, "alpha", "c2")
    small = page_as(staff_app, "analyst@alpha.example.test", unit=c2).text
    assert "only two of us here" not in small
    assert "Fewer than 5 respondents: comments are not shown" in small
    whole = page_as(staff_app, "analyst@alpha.example.test").text
    assert "only two of us here" in whole and "counter one is fine" in whole


@pytest.mark.parametrize("value", ["²", "9" * 30, "١"])
def test_odd_numbers_in_the_address_are_ignored_not_a_500(staff_app: Flask, value: str) -> None:
    response = page_as(staff_app, "analyst@alpha.example.test", unit=value, campaign=value)
    assert response.status_code == 200
