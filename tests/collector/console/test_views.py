"""The staff console's home page: an overview of what each role can do, every link one
the role may open, nothing promised for later, no development tools."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from tests.helpers.staff import PEOPLE
from tests.helpers.web import login


def overview_links(html: str) -> list[str]:
    """The addresses the console's navigation links to, in page order."""
    start = html.index('class="console-nav"')
    section = html[start : html.index("</nav>", start)]
    return [href.replace("&amp;", "&") for href in re.findall(r'<a href="([^"#]+)"', section)]


EXPECTED = {
    "system_admin": {
        "/staff/agencies",
        "/staff/units",
        "/staff/users",
        "/staff/audit",
        "/staff/results/agencies",
    },
    "ministry_admin": {
        "/staff/agencies",
        "/staff/users",
        "/staff/results",
        "/staff/results/agencies",
    },
    "agency_admin": {
        "/staff/cases",
        "/staff/cases?overdue=1",
        "/staff/cases?status=received",
        "/staff/campaigns",
        "/staff/campaigns/new",
        "/staff/results",
        "/staff/users",
        "/staff/units",
    },
    "analyst": {"/staff/campaigns", "/staff/results", "/staff/cases/followup/export.csv"},
    "case_handler": {"/staff/cases", "/staff/cases?overdue=1", "/staff/cases/new"},
    "counter_staff": {"/staff/paper", "/staff/cases/new"},
}
NEVER = {
    "system_admin": ("/staff/results/export", "/staff/cases", "/staff/campaigns"),
    "ministry_admin": ("/staff/cases", "/staff/campaigns/new", "/staff/units"),
    "analyst": ("/staff/users", "/staff/cases", "/staff/campaigns/new"),
    "case_handler": ("/staff/users", "/staff/results", "/staff/campaigns", "/staff/cases/settings"),
    "counter_staff": ("/staff/users", "/staff/results", "/staff/cases?overdue=1"),
}


@pytest.mark.parametrize("email", sorted(e for e in PEOPLE if "beta" not in e))
def test_the_home_page_is_an_overview_of_what_the_role_can_do(staff_app: Flask, email: str) -> None:
    role = PEOPLE[email][0]
    client, _ = login(staff_app, email)
    html = client.get("/staff/").text
    assert "陸續開放" not in html and "on their way" not in html  # nothing promised for later
    assert "/staff/outbox" not in html  # a development tool is no task
    links = overview_links(html)
    assert EXPECTED[role] <= set(links), set(links)
    assert not set(NEVER.get(role, ())) & set(links)
    for href in links:  # every link opens for this role: no dead end, no refusal
        response = client.get(href)
        assert response.status_code == 200, (role, href, response.status_code)
    english = client.get("/staff/?lang=en").text
    assert overview_links(english) == links


def test_the_outbox_is_offered_only_when_mail_goes_there(staff_app: Flask, tmp_path: Path) -> None:
    staff_app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    client, _ = login(staff_app, "admin@alpha.example.test")
    staff_app.config["MAIL_BACKEND"] = "outbox"
    page = client.get("/staff/staff-survey").text
    assert 'href="/staff/outbox"' in page and client.get("/staff/outbox").status_code == 200
    assert "不會寄出" in page  # says why the mail is there
    staff_app.config["MAIL_BACKEND"] = "smtp"
    page = client.get("/staff/staff-survey").text
    assert "/staff/outbox" not in page and client.get("/staff/outbox").status_code == 404


@pytest.mark.parametrize("email", ["admin@alpha.example.test"])
def test_every_console_page_has_one_heading_naming_it_as_the_title_does(
    staff_app: Flask, email: str
) -> None:
    """The layout draws the heading from the page title (WCAG 2.4.2, 2.4.6), so the two
    cannot drift apart, and a page drawing its own heading never gets two."""
    client, _ = login(staff_app, email)
    for href in ["/staff/", *overview_links(client.get("/staff/").text)]:
        html = client.get(href).text
        headings = re.findall(r"<h1[^>]*>(.*?)</h1>", html, flags=re.S)
        assert len(headings) == 1, (href, headings)
        title = re.search(r"<title>(.*?)</title>", html, flags=re.S)
        assert title is not None
        page_title = title.group(1).split(" · ")[0].strip()
        assert re.sub(r"<[^>]+>", "", headings[0]).strip().startswith(page_title[:4]), (
            href,
            page_title,
        )
