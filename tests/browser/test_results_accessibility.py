"""axe-core on the results pages, filled from the demo (``collector demo``): the main
results page with every section (weighted: the demo enters the year's margins), the
staff survey page, the agencies compared, the complaint statistics, the improvement
actions and the margins page; no serious or critical WCAG 2.x A/AA violation, on a
desktop and (the main page) on a phone."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from collector.demo.staff import DEMO_PASSWORD
from tests.helpers.accessibility import serious_violations
from tests.helpers.browser import DESKTOP
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.browser import log_in
from tests.helpers.staff import FAST_HASH

pytestmark = pytest.mark.browser

ANALYST = "analyst@demo-household.example"
ADMIN = "admin@demo-household.example"
MINISTRY = "ministry@demo-city.example"


@pytest.fixture
def app(make_app: Any) -> Flask:
    """The demo: two half-year waves, staff surveys, complaints, margins."""
    app = make_app(PASSWORD_HASH=FAST_HASH)
    result = app.test_cli_runner().invoke(args=["demo", "--waves", "2", "--no-case-history"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def as_person(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> Iterator[Callable[[str, dict[str, Any]], Page]]:
    def open_as(email: str, profile: dict[str, Any]) -> Page:
        page = new_context(profile, bypass_csp=True).new_page()
        page.set_default_navigation_timeout(120_000)  # the demo's results pages on a busy machine
        log_in(page, live_server.url, email, DEMO_PASSWORD)
        return page

    yield open_as


def checked(page: Page, url: str, heading: str) -> list[dict[str, Any]]:
    page.goto(url)
    expect(page.locator("h1")).to_contain_text(heading)
    return serious_violations(page)


def test_the_results_pages_have_no_serious_axe_violation(
    as_person: Callable[[str, dict[str, Any]], Page], live_server: LiveServer
) -> None:
    base = live_server.url
    analyst = as_person(ANALYST, DESKTOP)
    found: dict[str, list[dict[str, Any]]] = {}
    found["results"] = checked(analyst, base + "/staff/results", "結果")
    expect(analyst.locator("#section-design")).to_contain_text("反覆加權")
    for section in ("headline", "dimensions", "trend", "breakdowns", "importance_performance"):
        expect(analyst.locator(f"#section-{section}")).to_be_visible()
    found["staff"] = checked(analyst, base + "/staff/results/staff", "員工")
    found["statistics"] = checked(analyst, base + "/staff/cases/statistics", "陳情")
    found["improvement"] = checked(analyst, base + "/staff/improvement", "檢討改善")
    found["agencies (one agency)"] = checked(analyst, base + "/staff/results/agencies", "機關比較")
    admin = as_person(ADMIN, DESKTOP)
    found["margins"] = checked(admin, base + "/staff/margins", "母體結構")
    ministry = as_person(MINISTRY, DESKTOP)
    found["agencies"] = checked(ministry, base + "/staff/results/agencies", "機關比較")
    found["results (ministry)"] = checked(ministry, base + "/staff/results", "結果")
    phone = as_person(ANALYST, PHONE)
    found["results (phone)"] = checked(phone, base + "/staff/results", "結果")
    assert {page: v for page, v in found.items() if v} == {}
