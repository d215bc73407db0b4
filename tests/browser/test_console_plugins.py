"""Plugins and an agency's own questionnaire in the staff console, as its users see
them: the administrator publishes a workbook and finds it on the campaign form; the
analyst finds a plugin's exporter in the results page's export menu and downloads it."""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from collector.core import plugins as plugin_system
from tests.collector.authoring.test_own_questionnaire_in_use import desk_workbook
from tests.helpers.answers import add_responses
from tests.helpers.browser import DESKTOP
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.browser import log_in
from tests.helpers.browser import wait_for_styles

SHOTS = os.environ.get("COLLECTOR_SHOTS")


@pytest.fixture
def app(make_app: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    ep = importlib.metadata.EntryPoint(
        name="example", value="tests.helpers.example_plugin", group="collector"
    )
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [ep])
    return make_app(seed="staff", CLOCK=clock, PLUGINS_LOAD_ENTRY_POINTS=True)


def shot(page: Page, name: str) -> None:
    if SHOTS:
        wait_for_styles(page)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_the_own_questionnaire_on_the_campaign_form_and_the_plugins_exporter(
    live_server: LiveServer, new_context: Callable[..., Any], app: Flask
) -> None:
    admin = new_context(DESKTOP).new_page()
    log_in(admin, live_server.url, "admin@alpha.example.test")
    admin.goto(live_server.url + "/staff/questionnaires/upload")
    admin.locator('input[type="file"]').set_input_files(
        {"name": "desk.xlsx", "mimeType": "application/octet-stream", "buffer": desk_workbook()}
    )
    admin.get_by_role("button", name="檢查檔案").click()
    admin.locator("form[action$='/publish'] button").click()
    expect(admin.locator("#authoring-notice")).to_contain_text("第 1 版")
    admin.goto(live_server.url + "/staff/campaigns/new")
    chooser = admin.locator("select#questionnaire")
    expect(chooser.locator('option[value="desk-check"]')).to_have_text(
        "櫃台服務調查（第 1 版，本機關自訂）"
    )
    chooser.select_option("desk-check")
    shot(admin, "campaign-form-own-questionnaire")

    add_responses(app, "alpha", "c1", 6)
    for profile, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        analyst = new_context(profile).new_page()
        log_in(analyst, live_server.url, "analyst@alpha.example.test")
        analyst.goto(live_server.url + "/staff/results")
        menu = analyst.locator("p", has_text="匯出原始")
        expect(menu.get_by_role("link", name="JSONL")).to_be_visible()
        expect(menu.get_by_role("link", name="CSV")).to_be_visible()
        expect(analyst.locator("#section-analyses")).to_contain_text("count")
        shot(analyst, f"results-export-menu-{name}")
    with analyst.expect_download() as download:
        menu.get_by_role("link", name="JSONL").click()
    assert download.value.suggested_filename.endswith(".jsonl")
