"""An agency administrator publishes a workbook made in a spreadsheet program, as a person
does: upload, read the problems, fix, preview at phone size, publish; then a citizen
answers it on a phone. Screenshots go to ``COLLECTOR_SHOTS`` when it is set."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from collector.answers.standard_types import CORE_TYPES
from collector.core.db import session_scope
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from surveys import bundled
from surveys import load
from surveys.xlsform import to_sheets
from surveys.xlsform import write_xlsx
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.browser import DESKTOP
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.browser import answer
from tests.helpers.browser import log_in
from tests.helpers.browser import receipt_code
from tests.helpers.browser import submit
from tests.helpers.browser import wait_for_styles

SHOTS = os.environ.get("COLLECTOR_SHOTS")


@pytest.fixture
def app(staff_app: Flask) -> Flask:
    return staff_app


def shot(page: Page, name: str) -> None:
    if SHOTS:
        wait_for_styles(page)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def workbook(label: str) -> bytes:
    """The citizen questionnaire renamed, as a spreadsheet program saves it."""
    q = load(next(p for p in bundled() if p.stem == "citizen_satisfaction"))
    q = q.model_copy(update={"slug": "front-desk"})
    sheets = to_sheets(q, {t.name: t.xlsform for t in CORE_TYPES})
    head = sheets["survey"][0]
    row = next(r for r in sheets["survey"] if r[1] == "courtesy_attitude")
    row[head.index("label::English (en)")] = label
    return write_xlsx(sheets)


def upload(page: Page, data: bytes) -> None:
    page.locator('input[type="file"]').set_input_files(
        {"name": "front-desk.xlsx", "mimeType": "application/octet-stream", "buffer": data}
    )
    page.get_by_role("button", name="檢查檔案").click()


def test_an_administrator_publishes_a_workbook_and_a_citizen_answers_it(
    live_server: LiveServer, new_context: Callable[..., Any], app: Flask
) -> None:
    admin = new_context(DESKTOP).new_page()
    log_in(admin, live_server.url, "admin@alpha.example.test")
    admin.goto(live_server.url + "/staff/questionnaires")
    admin.get_by_role("link", name="發布本機關自訂問卷（XLSForm 或 YAML）").click()
    expect(admin.locator("h1")).to_have_text("發布問卷")

    upload(admin, workbook("Staff are friendly <script>alert(1)</script>"))
    problems = admin.locator("#upload-problems")
    expect(problems).to_contain_text("未發布任何內容")
    expect(problems).to_contain_text("label::English (en)")
    shot(admin, "1-problems")

    upload(admin, workbook("Staff are friendly and polite"))
    expect(admin.locator("h1")).to_contain_text("檢查並發布")
    shot(admin, "2-draft")

    admin.set_viewport_size(PHONE["viewport"])
    admin.get_by_role("link", name="預覽English版").click()
    expect(admin.locator(".preview-banner")).to_be_visible()
    expect(admin.locator("h1")).to_have_text("Citizen Service Satisfaction Survey")
    shot(admin, "3-preview-en-phone")
    admin.go_back()
    # the English preview switched the console's language too: find the link by address
    admin.locator('a[href$="/preview?lang=zh-Hant-TW"]').click()
    expect(admin.locator("h1")).to_have_text("民眾服務滿意度調查")
    shot(admin, "4-preview-zh-phone")
    admin.go_back()

    admin.set_viewport_size(DESKTOP["viewport"])
    admin.locator("form[action$='/publish'] button").click()
    expect(admin.locator("#authoring-notice")).to_contain_text("第 1 版")
    shot(admin, "5-published")

    citizen = new_context(PHONE).new_page()
    citizen.goto(live_server.url + "/s/alpha/front-desk")
    expect(citizen.locator("h1")).to_have_text("民眾服務滿意度調查")
    answer(citizen, CITIZEN_ANSWERS)
    shot(citizen, "6-citizen-phone")
    submit(citizen)
    receipt_code(citizen)
    shot(citizen, "7-thanks")
    live_server.wait_idle()
    with session_scope(app) as session:
        version = session.execute(
            select(QuestionnaireVersion).where(QuestionnaireVersion.slug == "front-desk")
        ).scalar_one()
        stored = session.execute(
            select(Response).where(Response.questionnaire_version_id == version.id)
        ).scalar_one()
        assert stored.answers["comment"][0][1] == CITIZEN_ANSWERS["comment"]
