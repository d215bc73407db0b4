"""A grid section keyed from paper, in a real browser, as a counter clerk: the table
mirrors the printed grid (the scale's codes over their columns), typing a code ticks
that column in the row, Enter goes row to row, an error stays in its row; at tablet,
phone and desktop size, axe finding nothing serious. Screenshots to
/work/shots/plugin-rest/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.test_paper_entry import COUNTER
from tests.browser.test_paper_entry import receipts
from tests.browser.test_paper_entry import set_up
from tests.browser.test_paper_entry import type_answers
from tests.helpers.accessibility import serious_violations
from tests.helpers.answers import PAPER_KEYED
from tests.helpers.browser import DESKTOP
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.browser import log_in

pytestmark = pytest.mark.browser

SHOTS = Path("/work/shots/plugin-rest") if Path("/work/shots").is_dir() else None
TABLET: dict[str, Any] = {"viewport": {"width": 1024, "height": 768}, "locale": "zh-TW"}
SIZES = {"tablet": TABLET, "phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def app(staff_app: Flask) -> Flask:
    """The live server serves the app with one account per role."""
    return staff_app


def shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"paper-grid-{name}.png", full_page=True)


def ticked(page: Page, key: str) -> list[str]:
    return page.locator(f'tr[data-key="{key}"] td.paper-scale.picked').evaluate_all(
        "cells => cells.map(c => c.dataset.code)"
    )


@pytest.mark.parametrize("size", list(SIZES))
def test_a_grid_is_keyed_row_by_row_as_on_paper(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any], size: str
) -> None:
    page = new_context(SIZES[size] | {"bypass_csp": True}).new_page()
    log_in(page, live_server.url, COUNTER)
    set_up(page, f"G-{size}")
    grid = page.locator("#paper-grid-environment")
    expect(grid).to_be_visible()
    expect(grid.locator("caption")).to_have_text("洽公環境")
    expect(page.locator("#q-env_signage")).to_have_accessible_name("洽公動線及指引標示清楚")
    expect(page.locator("#q-env_signage")).to_have_accessible_description(
        "5 非常滿意 4 滿意 3 普通 2 不滿意 1 非常不滿意 n / 0 不適用"
    )
    scale = grid.locator("thead th.paper-scale")
    if size == "phone":
        expect(scale.first).to_be_hidden()  # the codes are written under each item
        expect(grid.locator("#keys-env_signage")).to_be_visible()
    else:
        expect(scale).to_have_count(6)
        expect(scale.first).to_have_text("5 非常滿意")
        expect(scale.last).to_have_text("n / 0 不適用")
    # Typing a code ticks its column, as the citizen's tick on paper; "0" is n / 0.
    answers = {**PAPER_KEYED, "env_comfort": "9", "env_facilities": "0"}
    type_answers(page, answers)
    assert ticked(page, "env_signage") == ["4"]
    assert ticked(page, "env_facilities") == ["n / 0"]
    assert ticked(page, "env_comfort") == []  # no such code: nothing ticked
    shot(page, f"{size}-1-typed")
    assert serious_violations(page) == []
    page.keyboard.press("Enter")  # on the last answer: saves
    expect(page.locator("#error-summary")).to_be_visible()
    row = page.locator('tr.has-error[data-key="env_comfort"]')
    expect(row.locator(".error-message")).to_be_visible()
    expect(page.locator("#q-env_comfort")).to_be_focused()
    expect(page.locator("#q-env_comfort")).to_have_value("9")
    shot(page, f"{size}-2-error")
    assert serious_violations(page) == []
    page.locator("#q-env_comfort").fill("3")
    assert ticked(page, "env_comfort") == ["3"]
    page.keyboard.press("Control+Enter")
    expect(page.locator("#paper-saved")).to_be_visible()
    assert len(receipts(app)) == 1
