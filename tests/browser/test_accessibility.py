"""axe-core on every citizen-facing page in every shipped language: no serious or critical
violation of WCAG 2.1 A/AA or WCAG 2.2 AA (target size included).

The pages: the survey chooser, the survey page (also with its errors shown) and its
thank-you page, the complaint form, following a case (the form and the case page), the
handling-satisfaction follow-up, the error page; the kiosk's pairing page, its first
screen, a question screen (also with an error) and its thank-you screen. Languages:
zh-Hant-TW, en, vi, id, th and the Hakka plugin's hak. The staff survey's token page
answers staff, not citizens, so it is not here.

The web pages are one test per language (they spread over the test processes); the kiosk
one test on one app and one page that walks every language; the way to a thank-you page is filled in by script (this checks the page, not
the answering, which tests/browser/test_kiosk.py and test_survey_page.py drive by hand).
Every violation of every page is reported at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.helpers import complaints as fd
from tests.helpers.accessibility import serious_violations
from tests.helpers.apps import AppMaker
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.database import STAFF
from tests.helpers.kiosk import register

pytestmark = pytest.mark.browser

LANGUAGES = ["zh-Hant-TW", "en", "vi", "id", "th", "hak"]
SURVEY = "/s/alpha/c1/citizen-satisfaction"
TABLET: dict[str, Any] = {
    "viewport": {"width": 1024, "height": 768},
    "locale": "zh-TW",
    "has_touch": True,
    "bypass_csp": True,  # axe is injected as a script the app's CSP would refuse
}
ANSWERS = {
    "service_type": "certificate",
    "first_visit": "yes",
    "env_signage": "4",
    "env_comfort": "5",
    "env_facilities": "na",
    "courtesy_attitude": "5",
    "courtesy_proactive": "4",
    "prof_knowledge": "5",
    "prof_efficiency": "4",
    "prof_consistency": "4",
    "measures_online": "3",
    "measures_information": "4",
    "measures_wait": "2",
    "overall_satisfaction": "5",
}
"""Every required question of the citizen survey, answered."""

FILL_SURVEY = """answers => {
  for (const [key, value] of Object.entries(answers)) {
    document.querySelector(`#survey-form input[name="q_${key}"][value="${value}"]`).checked = true;
  }
}"""
KIOSK_THROUGH = """({steps, answers}) => {
  // Tap through screens: each submit draws the next screen synchronously.
  for (let step = 0; step < steps && document.querySelector('form.questions'); step++) {
    for (const input of document.querySelectorAll('form.questions input')) {
      if (answers[input.name] === input.value && !input.checked) { input.click(); }
    }
    document.querySelector('form.questions button[type=submit]').click();
  }
}"""
SHOTS = os.environ.get("COLLECTOR_SHOTS")


@pytest.fixture
def app(make_app: AppMaker, tmp_path: Path) -> Flask:
    return make_app(
        seed=STAFF,
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        KIOSK_MIN_SECONDS=0,
        KIOSK_THANKS_SECONDS=600,
        **fd.FOLLOWUP_SETTINGS,
    )


class Checker:
    """axe on one page after another; what it found, by page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: dict[str, list[dict[str, Any]]] = {}

    def check(self, name: str) -> None:
        expect(self.page.locator("h1").first).to_be_visible()
        violations = serious_violations(self.page)
        if violations:
            self.found[name] = violations
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=Path(SHOTS) / f"axe-{name}.png")

    def visit(self, url: str, name: str) -> None:
        self.page.goto(url)
        self.check(name)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_citizen_web_pages(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any], lang: str
) -> None:
    """One language per test, so that the languages' pages spread over the test processes."""
    category = fd.add_category(app, "alpha", "roads", name_zh="道路", name_en="Roads")
    case = fd.file_case(app, "alpha", category)
    fd.closed_case(app, category, email="citizen@example.test", name="Nguyễn Thị Lan")
    feedback = fd.feedback_links(app)[-1]
    page = new_context(PHONE | {"bypass_csp": True}).new_page()
    axe = Checker(page)
    url = live_server.url
    q = f"?lang={lang}"
    axe.visit(f"{url}/{q}", f"{lang}-chooser")
    page.goto(f"{url}{SURVEY}{q}")  # checked with its errors shown: the page and more
    page.locator("#survey-form button.primary").click()  # nothing answered: errors
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check(f"{lang}-survey-errors")
    page.evaluate(FILL_SURVEY, ANSWERS)
    page.locator("#survey-form button.primary").click()
    expect(page.locator(".receipt")).to_be_visible()
    axe.check(f"{lang}-survey-thanks")
    axe.visit(f"{url}/complaints/alpha/new{q}", f"{lang}-complaint-form")
    axe.visit(f"{url}/complaints/follow{q}", f"{lang}-follow-form")
    axe.visit(f"{url}/complaints/follow/{case.link_token}{q}", f"{lang}-follow-case")
    axe.visit(f"{url}{feedback}{q}", f"{lang}-handling-follow-up")
    axe.visit(f"{url}/s/nosuch/citizen-satisfaction{q}", f"{lang}-not-found")
    assert axe.found == {}


def test_the_kiosk(app: Flask, live_server: LiveServer, new_context: Callable[..., Any]) -> None:
    _kiosk_id, code = register(app)
    page = new_context(TABLET).new_page()
    axe = Checker(page)
    for lang in LANGUAGES:
        axe.visit(f"{live_server.url}/kiosk/pair?lang={lang}", f"{lang}-kiosk-pairing")
    page.get_by_role("textbox").fill(code)
    page.locator("button[type=submit]").click()
    expect(page.locator("button.start")).to_be_visible()
    for lang in LANGUAGES:
        page.locator(f'.languages .lang[lang="{lang}"]').click()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        axe.check(f"{lang}-kiosk-welcome")
        page.locator("button.start").click()
        page.locator("form.questions button[type=submit]").click()  # nothing chosen: an error
        expect(page.locator(".q .error").first).to_be_visible()
        axe.check(f"{lang}-kiosk-question-error")
        page.evaluate(KIOSK_THROUGH, {"steps": 1, "answers": ANSWERS})
        # A grid section: a table of items sharing the face scale.
        expect(page.locator("table.kiosk-grid svg.face").first).to_be_visible()
        axe.check(f"{lang}-kiosk-grid")
        page.evaluate(KIOSK_THROUGH, {"steps": 2, "answers": ANSWERS})
        expect(page.locator(".choices.faces").first).to_be_visible()  # the face scale
        axe.check(f"{lang}-kiosk-question")
        page.evaluate(KIOSK_THROUGH, {"steps": 20, "answers": ANSWERS})
        expect(page.locator(".thanks h1")).to_be_visible()
        axe.check(f"{lang}-kiosk-thanks")
        page.locator(".thanks button.primary").click()
        expect(page.locator("button.start")).to_be_visible()
    assert axe.found == {}
