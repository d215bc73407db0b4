"""A plugin question type's own template, script and stylesheet in a real browser: the
script runs under the unchanged Content-Security-Policy (no inline script needed)."""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from collector.core import plugins as plugin_system
from tests.helpers.browser import LiveServer
from tests.helpers.browser import wait_for_styles

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("COLLECTOR_SHOTS")


@pytest.fixture
def app(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    ep = importlib.metadata.EntryPoint(
        name="stars", value="tests.helpers.star_plugin", group="collector"
    )
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [ep])
    return make_app(seed="agencies", PLUGINS_LOAD_ENTRY_POINTS=True)


def test_the_types_script_runs_and_its_answer_is_stored(
    app: Flask, live_server: LiveServer, device: Any
) -> None:
    page = device
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(live_server.url + "/s/alpha/star-test?lang=en")
    wait_for_styles(page)
    stars = page.locator('[data-stars="stars"]')
    expect(stars).to_have_attribute("data-ready", "yes")  # stars.js ran
    expect(page.locator("#fieldset-stars legend")).to_contain_text("Overall rating")
    page.locator('label[for="q-stars-3"]').click()
    expect(page.locator(".stars-chosen")).to_have_text("4 / 5")
    assert refused == []
    if SHOTS:
        kind = "phone" if page.viewport_size["width"] < 600 else "desktop"
        page.screenshot(path=str(Path(SHOTS) / f"star-type-{kind}.png"), full_page=True)
    page.locator("button.primary").click()
    expect(page.locator(".receipt[role=status]")).to_be_visible()
