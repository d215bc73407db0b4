"""The grid of items sharing a scale (``layout: grid``) in a real browser: a table with
row headers on a 1280-pixel desktop, one block per item on a 390-pixel phone (CSS
only), answered by tapping or clicking, each row's error shown and linked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.browser import LiveServer
from tests.helpers.browser import answer
from tests.helpers.browser import is_phone
from tests.helpers.browser import receipt_code
from tests.helpers.browser import submit
from tests.helpers.browser import wait_for_styles

pytestmark = pytest.mark.browser

PATH = "/s/alpha/c1/citizen-satisfaction?lang=en"
SHOTS = os.environ.get("COLLECTOR_SHOTS")


def shoot(page: Any, name: str) -> None:
    if SHOTS:  # screenshots for people to look at (COLLECTOR_SHOTS, as test_authoring)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def test_the_grid_is_a_table_on_desktop_and_blocks_on_a_phone(
    app: Flask, live_server: LiveServer, device: Any
) -> None:
    page = device
    page.goto(live_server.url + PATH)
    wait_for_styles(page)
    grid = page.locator("#grid-environment")
    expect(grid).to_be_visible()
    header = grid.locator('th[scope="row"]').first
    expect(header).to_contain_text("Signs and directions are clear")
    first = page.locator("#q-env_signage-0")
    expect(first).to_have_accessible_name("Signs and directions are clear Very satisfied")
    label = grid.locator("#choice-q-env_signage-0")
    box = label.bounding_box()
    assert box is not None
    columns = grid.locator("thead th")
    kind = "phone" if is_phone(page) else "desktop"
    if is_phone(page):
        assert box["width"] > 40  # each option named beside its button
        head = grid.locator("thead").bounding_box()
        assert head is not None and head["height"] <= 1  # kept for screen readers only
        row = grid.locator("tr#block-env_signage").bounding_box()
        assert row is not None and row["width"] > 300  # one block per item, full width
    else:
        assert box["width"] <= 1  # named by the column header instead
        expect(columns.first).to_be_visible()
        expect(columns.first).to_have_text("Very satisfied")
        cells = grid.locator("tr#block-env_signage td")
        assert cells.count() == 6  # five points and "not applicable"
        tops = {round(cells.nth(i).bounding_box()["y"]) for i in range(6)}  # type: ignore[index]  # visible cells
        assert len(tops) == 1  # on one line
    shoot(page, f"grid-{kind}.png")

    # Nothing answered: each row of the grid says so, and the summary links to it.
    submit(page)
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    link = summary.locator('a[href="#q-env_signage-0"]')
    expect(link).to_be_visible()
    expect(page.locator("tr#block-env_signage .error-message")).to_be_visible()
    expect(page.locator("#q-env_signage-0")).to_have_attribute("aria-invalid", "true")
    shoot(page, f"grid-{kind}-errors.png")
    link.click()
    expect(page.locator("#q-env_signage-0")).to_be_focused()

    answer(page, CITIZEN_ANSWERS)
    submit(page)
    receipt_code(page)
