"""Staff pages in a real browser as a new user meets them: a refused case action opens
on its error summary (focused, linked to the field, what was typed kept), and the
console home gives each role an overview of its work. Screenshots of both, on a phone
and a desktop, are left in the test's folder."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.helpers.browser import DESKTOP
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.browser import is_phone
from tests.helpers.browser import log_in
from tests.helpers.browser import wait_for_styles
from tests.helpers.complaints import file_with_contact
from tests.helpers.complaints import make_category

pytestmark = pytest.mark.browser

HANDLER = "cases@alpha.example.test"
ADMIN = "admin@alpha.example.test"
ANALYST = "analyst@alpha.example.test"
REASON = "與中山路 12 號另案為同一盞路燈 𠊎"


@pytest.fixture
def app(staff_app: Flask) -> Flask:
    """Agency alpha with one account per role (tests/helpers/staff.py)."""
    return staff_app


def tap_or_click(page: Page, locator: Any) -> None:
    if is_phone(page):
        locator.tap()
    else:
        locator.click()


def refuse_a_merge(page: Page, url: str, case_id: int) -> None:
    """Ask to merge the case without saying into which: the form is refused."""
    page.goto(f"{url}/staff/cases/{case_id}")
    form = page.locator("#form-merge")
    form.get_by_label("理由").fill(REASON)
    tap_or_click(page, form.get_by_role("button", name="併案"))


def test_a_refused_case_action_opens_on_its_error_summary(
    app: Flask, live_server: LiveServer, device: Page, tmp_path: Path
) -> None:
    case_id, _ = file_with_contact(app, make_category(app))
    page = device
    log_in(page, live_server.url, HANDLER)
    refuse_a_merge(page, live_server.url, case_id)

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()  # a screen reader reads it first; the keyboard starts there
    expect(summary).to_be_in_viewport()
    expect(summary.get_by_role("heading")).to_have_text("有 1 處需要修正")
    expect(page).to_have_title(re.compile(r"^有 1 處需要修正 – 案件 "))
    wait_for_styles(page)
    page.screenshot(
        path=tmp_path / f"refused-case-action-{'phone' if is_phone(page) else 'desktop'}.png"
    )

    link = summary.get_by_role("link", name="併入的案號：此欄位為必填。")
    page.keyboard.press("Tab")
    expect(link).to_be_focused()  # the summary's first link comes next
    tap_or_click(page, link)
    field = page.locator("#merge-into")
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#merge-into-error")).to_be_visible()
    expect(page.locator("#form-merge").get_by_label("理由")).to_have_value(REASON)  # kept

    field.fill("20000101-ZZZZZZ")  # no such case: refused by the service, on the same field
    tap_or_click(page, page.locator("#form-merge").get_by_role("button", name="併案"))
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(re.compile("^併入的案號："))


def test_without_scripts_the_summary_is_where_the_skip_link_leads(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    case_id, _ = file_with_contact(app, make_category(app))
    page = new_context(PHONE, java_script_enabled=False).new_page()
    log_in(page, live_server.url, HANDLER)
    refuse_a_merge(page, live_server.url, case_id)
    expect(page.locator("main > :first-child")).to_have_id("error-summary")
    expect(page.get_by_role("alert")).to_be_in_viewport()  # at the top of the page
    page.get_by_role("alert").get_by_role("link").tap()
    expect(page).to_have_url(re.compile("#merge-into$"))
    expect(page.locator("#merge-into")).to_be_in_viewport()


@pytest.mark.parametrize(
    ("email", "profile", "areas"),
    [
        (HANDLER, PHONE, ["分析", "陳情"]),  # improvement actions due, then cases
        (ADMIN, DESKTOP, ["資料蒐集", "分析", "陳情", "系統管理"]),
        (ANALYST, PHONE, ["資料蒐集", "分析"]),
    ],
    ids=["handler-phone", "admin-desktop", "analyst-phone"],
)
def test_the_console_home_is_an_overview_for_the_role(
    app: Flask,
    live_server: LiveServer,
    new_context: Callable[..., Any],
    email: str,
    profile: dict[str, Any],
    areas: list[str],
    tmp_path: Path,
) -> None:
    page = new_context(profile).new_page()
    log_in(page, live_server.url, email)
    overview = page.locator("#attention")  # what needs the role's attention, by area
    expect(overview.locator("h2")).to_have_text(areas)
    expect(page.get_by_text("陸續開放")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("寄件匣"))).to_have_count(0)
    wait_for_styles(page)
    page.screenshot(path=tmp_path / f"home-{email.split('@')[0]}.png", full_page=True)
    links = overview.get_by_role("link")
    assert links.count() >= 1
    for index in range(links.count()):  # every task a target large enough for a finger
        box = links.nth(index).bounding_box()
        assert box is not None and box["height"] >= 44, (links.nth(index).inner_text(), box)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= profile["viewport"]["width"]  # nothing scrolls sideways
    tap_or_click(page, overview.get_by_role("link").first)
    expect(page.locator("h1")).not_to_have_text("後台首頁")  # each task leads to its page
