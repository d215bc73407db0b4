"""A grid section (``layout: grid``) on the counter kiosk, as citizens use it: a table
with a row header per item and a column per option at tablet width (every cell a
target of at least 56 px), one block per item on a phone; tapped, checked, refused
while a row is unanswered (the message in that row, linked to its radios), submitted;
axe finds nothing serious. Screenshots at each size go to /work/shots/plugin-rest/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.test_kiosk import SCREENS
from tests.browser.test_kiosk import TABLET
from tests.browser.test_kiosk import choice
from tests.browser.test_kiosk import kiosk_count
from tests.browser.test_kiosk import paired_page
from tests.browser.test_kiosk import synced
from tests.browser.test_kiosk import tap_through
from tests.helpers.accessibility import serious_violations
from tests.helpers.browser import DESKTOP
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.database import STAFF

pytestmark = pytest.mark.browser

SHOTS = Path("/work/shots/plugin-rest") if Path("/work/shots").is_dir() else None
PORTRAIT: dict[str, Any] = TABLET | {"viewport": {"width": 768, "height": 1024}}
SIZES = {"tablet": TABLET, "portrait": PORTRAIT, "phone": PHONE, "desktop": DESKTOP}
ITEMS = ("env_signage", "env_comfort", "env_facilities")


@pytest.fixture
def app(make_app: Any) -> Flask:
    """Alpha and beta with their staff; no wait before submitting (as test_kiosk)."""
    return make_app(seed=STAFF, KIOSK_MIN_SECONDS=0, KIOSK_THANKS_SECONDS=3)


def shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"kiosk-grid-{name}.png", full_page=True)


def to_the_grid(page: Page) -> Any:
    tap_through(page, touch=False, stop_before=1)
    grid = page.locator("table.kiosk-grid")
    expect(grid).to_be_visible()
    return grid


@pytest.mark.parametrize("size", list(SIZES))
def test_the_grid_screen_at_each_size(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any], size: str
) -> None:
    profile = SIZES[size] | {"bypass_csp": True}
    page = paired_page(app, live_server, new_context, **profile)
    grid = to_the_grid(page)
    expect(grid).to_have_accessible_name("洽公環境")
    expect(grid.locator('th[scope="row"]')).to_have_count(3)
    expect(grid.locator('th[scope="row"]').first).to_contain_text("洽公動線及指引標示清楚")
    first = grid.locator('input[name="env_signage"]').first
    expect(first).to_have_accessible_name("洽公動線及指引標示清楚 非常滿意")
    cell = choice(page, "env_signage", "5")
    box = cell.bounding_box()
    assert box is not None and box["height"] >= 56 and box["width"] >= 56  # a finger's target
    head = grid.locator("thead").bounding_box()
    assert head is not None
    if size == "phone":
        assert head["height"] <= 1  # for screen readers only: each option named beside it
        option = cell.locator(".grid-option").bounding_box()
        assert option is not None and option["width"] > 20
        row = grid.locator("tr#kq-env_signage").bounding_box()
        assert row is not None and row["width"] > 300
    else:
        expect(grid.locator('thead th[scope="col"]')).to_have_count(6)
        expect(grid.locator('thead th[scope="col"]').first).to_have_text("非常滿意")
        cells = grid.locator("tr#kq-env_signage td")
        tops = {round(cells.nth(i).bounding_box()["y"]) for i in range(6)}  # type: ignore[index]  # visible cells
        assert len(tops) == 1  # one row of the table, as on paper
    shot(page, f"{size}-1-empty")
    assert serious_violations(page) == []

    # One row left unanswered: its message in its row, its radios described by it.
    cell.tap() if size != "desktop" else cell.click()
    expect(cell.locator("input")).to_be_checked()
    choice(page, "env_comfort", "4").click()
    page.locator("form.questions button[type=submit]").click()
    error = page.locator("#kq-env_facilities-error")
    expect(error).to_have_text("請回答這一題。")
    expect(page.locator("tr#kq-env_facilities")).to_have_class("q grid-row has-error")
    missing = page.locator('input[name="env_facilities"]').first
    expect(missing).to_be_focused()
    expect(missing).to_have_attribute("aria-invalid", "true")
    expect(missing).to_have_accessible_description("請回答這一題。")
    shot(page, f"{size}-2-error")
    assert serious_violations(page) == []
    na = choice(page, "env_facilities", "na")
    na.click()
    expect(error).to_be_hidden()
    expect(missing).not_to_have_attribute("aria-invalid", "true")
    shot(page, f"{size}-3-answered")
    page.locator("form.questions button[type=submit]").click()
    expect(page.locator("form.questions h1")).to_have_text("服務禮儀")
    expect(page.locator("table.kiosk-grid")).to_be_visible()  # the next grid section


def test_a_grid_answered_by_keyboard_and_switched_to_english(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = paired_page(app, live_server, new_context)
    to_the_grid(page)
    for key, value in zip(ITEMS, ("4", "5", "na"), strict=True):
        radio = page.locator(f'input[name="{key}"]').first
        radio.focus()
        page.keyboard.press("Space")
        values = page.locator(f'input[name="{key}"]').evaluate_all("els => els.map(e => e.value)")
        for _ in range(values.index(value)):
            page.keyboard.press("ArrowRight")
        expect(page.locator(f'input[name="{key}"][value="{value}"]')).to_be_checked()
    page.locator('.lang-bar .lang[lang="en"]').click()
    grid = page.locator("table.kiosk-grid")
    expect(grid.locator('thead th[scope="col"]').first).to_have_text("Very satisfied")
    expect(page.locator('input[name="env_facilities"][value="na"]')).to_be_checked()
    shot(page, "tablet-4-english")
    page.locator("form.questions button[type=submit]").click()
    tap_through_rest(page)
    synced(page, live_server)
    assert kiosk_count(app) == 1


def tap_through_rest(page: Page) -> None:
    """From the second screen on: the other screens answered as test_kiosk's SCREENS."""
    for answers in SCREENS[2:]:
        for key, value in answers.items():
            label = choice(page, key, value)
            label.click()
            expect(label.locator("input")).to_be_checked()
        page.locator("form.questions button[type=submit]").click()
    expect(page.locator(".thanks h1")).to_be_visible()
