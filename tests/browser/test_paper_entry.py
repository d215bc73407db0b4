"""Keying in paper questionnaires at the counter, in a real browser, as a counter clerk:
the keyboard promises of the page (Enter moves on, Ctrl+Enter or Cmd+Enter saves), at
phone and desktop size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Response
from tests.helpers.answers import PAPER_KEYED
from tests.helpers.browser import DESKTOP
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.browser import log_in
from tests.helpers.browser import open_console_page

pytestmark = pytest.mark.browser

COUNTER = "counter@alpha.example.test"


@pytest.fixture
def app(staff_app: Flask) -> Flask:
    """The live server serves the app with one account per role."""
    return staff_app


def set_up(page: Page, batch: str) -> None:
    """From the console home to the keying form, as a clerk finds it."""
    open_console_page(page, "紙本問卷登打")
    page.get_by_label("服務單位").select_option(index=1)
    page.locator("#paper-questionnaire").select_option("citizen-satisfaction")
    page.get_by_label("批號").fill(batch)
    page.get_by_role("button", name="開始登打").click()
    expect(page.locator("#q-service_type")).to_be_focused()


def type_answers(page: Page, answers: dict[str, str]) -> None:
    """Go through the form from the first answer to the last with the keyboard only, as
    clerks do: type the answer (if any) and Enter to move on; stop on the last answer."""
    ids = page.locator("input.paper-input").evaluate_all("inputs => inputs.map(i => i.id)")
    for index, input_id in enumerate(ids):
        expect(page.locator(f"#{input_id}")).to_be_focused()
        page.keyboard.type(answers.get(input_id.removeprefix("q-"), ""))
        if index < len(ids) - 1:
            page.keyboard.press("Enter")


def receipts(app: Flask) -> list[str]:
    with session_scope(app) as session:
        return list(session.execute(select(Response.receipt).order_by(Response.id)).scalars())


@pytest.mark.parametrize(
    ("profile", "chord"),
    [(DESKTOP, "Control+Enter"), (PHONE, "Meta+Enter")],
    ids=["desktop", "phone"],
)
def test_ctrl_or_cmd_enter_saves_from_any_answer(
    app: Flask,
    live_server: LiveServer,
    new_context: Callable[..., Any],
    profile: dict[str, Any],
    chord: str,
) -> None:
    page = new_context(profile).new_page()
    log_in(page, live_server.url, COUNTER)
    set_up(page, "B-0412")
    # Every answer but the last two, then the chord on the third: the form is sent as
    # it stands (the questions left empty are optional).
    partial = {k: v for k, v in PAPER_KEYED.items() if k not in ("sex", "age_group")}
    type_answers(page, partial)
    page.locator("#q-env_signage").focus()
    page.keyboard.press(chord)
    expect(page.locator("#paper-saved")).to_contain_text("第 1 份已儲存")
    live_server.wait_idle()
    (receipt,) = receipts(app)
    expect(page.locator("#paper-saved")).to_contain_text(receipt)
    expect(page.locator("#q-service_type")).to_have_value("")
    expect(page.locator("#q-service_type")).to_be_focused()


def test_enter_moves_on_and_saves_on_the_last_answer(
    app: Flask, live_server: LiveServer, desktop: Page
) -> None:
    log_in(desktop, live_server.url, COUNTER)
    set_up(desktop, "B-0413")
    type_answers(desktop, PAPER_KEYED)
    desktop.keyboard.press("Enter")
    expect(desktop.locator("#paper-saved")).to_contain_text("第 1 份已儲存")
    live_server.wait_idle()
    assert len(receipts(app)) == 1


def test_a_typing_error_is_corrected_and_a_duplicate_voided(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = new_context(PHONE).new_page()
    log_in(page, live_server.url, COUNTER)
    set_up(page, "B-0414")
    type_answers(page, {**PAPER_KEYED, "overall_satisfaction": "2"})  # the paper says 4
    page.keyboard.press("Enter")
    expect(page.locator("#paper-saved")).to_contain_text("第 1 份已儲存")

    page.get_by_role("link", name="已登打的問卷：更正或作廢").click()
    expect(page.locator("h1")).to_have_text("已登打的問卷")
    (receipt,) = receipts(app)
    page.get_by_role("link", name=receipt).click()
    page.get_by_role("link", name="更正答案").click()
    field = page.locator("#q-overall_satisfaction")
    expect(field).to_have_value("2")
    field.fill("4")
    page.get_by_label("更正理由").fill("紙本勾選「滿意」，登打成 2")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("status")).to_have_text("已儲存更正，成為第 2 版。")
    expect(page.locator(".paper-changes")).to_contain_text("整體而言")
    expect(page.locator(".paper-changes del")).to_have_text("2 不滿意")
    expect(page.locator(".paper-changes ins")).to_have_text("4 滿意")

    page.get_by_label("理由").fill("同一份問卷登打兩次")
    page.get_by_role("button", name="作廢這份問卷").click()
    expect(page.locator("#keyed-status")).to_contain_text("已作廢")
    page.get_by_role("link", name="所有已登打的問卷").click()
    expect(page.get_by_role("row", name=receipt)).to_contain_text("已作廢")
