"""The counter kiosk in a real browser, as a clerk pairs it and citizens use it: by touch
at tablet size, by keyboard alone, switching language mid-survey, offline, left idle;
Back never shows a previous respondent's answers; axe finds nothing serious."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import func
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Response
from tests.helpers.accessibility import serious_violations
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.apps import AppMaker
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.browser import answer
from tests.helpers.browser import wait_for_styles
from tests.helpers.database import STAFF
from tests.helpers.kiosk import register

pytestmark = pytest.mark.browser

TABLET: dict[str, Any] = {
    "viewport": {"width": 1024, "height": 768},
    "locale": "zh-TW",
    "has_touch": True,
}
SHOTS = Path("/work/shots/kiosk") if Path("/work/shots").is_dir() else None
# Screen by screen: the answers tapped (required ones and a few more).
SCREENS: list[dict[str, str]] = [
    {"service_type": "certificate", "first_visit": "yes"},
    {"env_signage": "4", "env_comfort": "5", "env_facilities": "na"},
    {"courtesy_attitude": "5", "courtesy_proactive": "4"},
    {"prof_knowledge": "5", "prof_efficiency": "4", "prof_consistency": "4"},
    {"measures_online": "3", "measures_information": "4", "measures_wait": "2"},
    {"overall_satisfaction": "5"},
    {},
]


@pytest.fixture
def app(make_app: AppMaker, request: pytest.FixtureRequest) -> Flask:
    """Alpha and beta with their staff; kiosk timings a test may change (indirect param)."""
    config = {"KIOSK_MIN_SECONDS": 0, "KIOSK_THANKS_SECONDS": 3}
    config |= getattr(request, "param", {})
    return make_app(seed=STAFF, **config)


def kiosk_count(app: Flask) -> int:
    with session_scope(app) as session:
        return session.execute(
            select(func.count()).select_from(Response).where(Response.channel == "kiosk")
        ).scalar_one()


def shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def paired_page(
    app: Flask, live: LiveServer, new_context: Callable[..., Any], **profile: Any
) -> Page:
    """A tablet paired as a clerk does it: the code from the console, typed on the tablet."""
    _kiosk_id, code = register(app)
    page = new_context(profile or TABLET).new_page()
    page.goto(live.url + "/kiosk/pair")
    page.get_by_label("配對碼").fill(code)
    page.get_by_role("button", name="配對").click()
    expect(page.locator("h1")).to_have_text("民眾服務滿意度調查")
    expect(page.locator("html")).to_have_class("js")
    return page


def synced(page: Page, live: LiveServer) -> None:
    """Wait until the tablet's queue is empty (the server has every answer), then idle."""
    page.wait_for_function(
        "() => JSON.parse(localStorage.getItem('collector.kiosk.queue') || '[]').length === 0"
    )
    live.wait_idle()


def choice(page: Page, key: str, value: str) -> Any:
    return page.locator(f'label.choice:has(input[name="{key}"][value="{value}"])')


def tap_through(page: Page, *, touch: bool = True, stop_before: int | None = None) -> None:
    page.locator("button.start").click()
    for index, answers in enumerate(SCREENS):
        if index == stop_before:
            return
        expect(page.locator(".progress")).to_contain_text(f"{index + 1}")
        for key, value in answers.items():
            label = choice(page, key, value)
            label.tap() if touch else label.click()
            expect(label.locator("input")).to_be_checked()
        page.locator("form.questions button[type=submit]").click()


def test_a_clerk_pairs_a_kiosk_and_a_citizen_answers_by_touch(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = paired_page(app, live_server, new_context)
    shot(page, "tablet-1-welcome")
    page.locator("button.start").tap()
    shot(page, "tablet-2-first-screen")
    page.locator("form.questions button[type=submit]").tap()  # nothing chosen yet
    expect(page.locator("#kq-service_type-error")).to_have_text("請回答這一題。")
    page.locator("button.back").tap()
    tap_through(page)
    expect(page.locator(".thanks h1")).to_have_text("感謝您的寶貴意見！")
    shot(page, "tablet-3-thanks")
    # Back to the start on its own, with nothing of the answers left.
    expect(page.locator("button.start")).to_be_visible()
    synced(page, live_server)
    assert kiosk_count(app) == 1
    page.go_back()
    page.go_forward()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("input:checked")).to_have_count(0)


def test_keyboard_alone(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = paired_page(
        app,
        live_server,
        new_context,
        **{"viewport": {"width": 1024, "height": 768}, "locale": "zh-TW"},
    )
    page.locator("button.start").focus()
    page.keyboard.press("Enter")
    for answers in SCREENS:
        expect(page.locator("form.questions h1")).to_be_focused()
        for key, value in answers.items():
            # Tab to the group, then arrow keys choose within it (the radio group's keys).
            first = page.locator(f'input[name="{key}"]').first
            while not page.evaluate(
                "k => document.activeElement && document.activeElement.name === k", key
            ):
                page.keyboard.press("Tab")
            values = page.locator(f'input[name="{key}"]').evaluate_all(
                "els => els.map(e => e.value)"
            )
            page.keyboard.press("Space")
            for _ in range(values.index(value)):
                page.keyboard.press("ArrowRight")
            expect(page.locator(f'input[name="{key}"][value="{value}"]')).to_be_checked()
            assert first is not None
        page.locator("form.questions button[type=submit]").focus()
        page.keyboard.press("Enter")
    expect(page.locator(".thanks h1")).to_be_visible()
    synced(page, live_server)
    assert kiosk_count(app) == 1


def test_switching_language_keeps_the_answers(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = paired_page(app, live_server, new_context)
    tap_through(page, stop_before=2)
    page.locator("button.back").tap()
    expect(choice(page, "env_comfort", "5").locator("input")).to_be_checked()
    page.locator('.lang-bar .lang[lang="en"]').tap()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("form.questions h1")).to_have_text("Office environment")
    expect(choice(page, "env_comfort", "5").locator("input")).to_be_checked()
    shot(page, "tablet-4-english")


def test_offline_answers_are_stored_once_each_when_back_online(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = paired_page(app, live_server, new_context)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()  # the service worker's copy
    expect(page.locator("button.start")).to_be_visible()
    for _ in range(3):
        tap_through(page)
        expect(page.locator(".thanks .status")).to_contain_text("網路恢復")
        page.locator(".thanks button.primary").tap()
    assert (
        page.evaluate("() => JSON.parse(localStorage.getItem('collector.kiosk.queue')).length") == 3
    )
    live_server.wait_idle()
    assert kiosk_count(app) == 0
    page.context.set_offline(False)
    synced(page, live_server)
    assert kiosk_count(app) == 3
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # a second sync: nothing more
    live_server.wait_idle()
    assert kiosk_count(app) == 3


@pytest.mark.parametrize(
    "app", [{"KIOSK_IDLE_SECONDS": 2, "KIOSK_WARNING_SECONDS": 3}], indirect=True
)
def test_idle_warning_then_nothing_left(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = paired_page(app, live_server, new_context)
    tap_through(page, stop_before=1)
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#kiosk-announce")).to_contain_text("您還在嗎")
    shot(page, "tablet-5-idle-warning")
    page.locator(".more-time").tap()
    expect(dialog).to_be_hidden()
    expect(choice(page, "env_signage", "4").locator("input")).to_have_count(1)
    expect(dialog).to_be_visible()  # idle again: this time let it clear
    expect(page.locator("button.start")).to_be_visible()
    page.locator("button.start").tap()
    expect(page.locator("input:checked")).to_have_count(0)


def test_back_after_the_survey_page_shows_nothing_and_a_resend_stores_once(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = new_context(PHONE).new_page()
    page.goto(live_server.url + "/s/alpha/c1/citizen-satisfaction")
    answer(page, CITIZEN_ANSWERS)
    page.locator("button.primary").tap()
    expect(page.locator(".receipt[role=status]")).to_be_visible()
    page.go_back()
    expect(page.locator("#survey-form")).to_be_visible()
    wait_for_styles(page)
    expect(page.locator("#survey-form input:checked")).to_have_count(0)
    expect(page.locator("#q-comment")).to_have_value("")
    # The same filled form sent twice (a double tap, a resend) is stored once.
    page.goto(live_server.url + "/s/alpha/c1/citizen-satisfaction")
    answer(page, CITIZEN_ANSWERS)
    page.evaluate(
        """async () => {
          const form = document.getElementById('survey-form');
          const body = new URLSearchParams(new FormData(form));
          for (const _ of [1, 2]) { await fetch(location.href, {method: 'POST', body}); }
        }"""
    )
    live_server.wait_idle()
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(Response)).scalar_one() == 2


def test_no_serious_accessibility_violation_on_the_kiosk(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = paired_page(app, live_server, new_context, **(TABLET | {"bypass_csp": True}))
    assert serious_violations(page) == []
    page.locator("button.start").tap()
    assert serious_violations(page) == []
    page.locator("form.questions button[type=submit]").tap()  # an error shown
    expect(page.locator("#kq-service_type-error")).to_be_visible()
    assert serious_violations(page) == []
    phone = paired_page(app, live_server, new_context, **(PHONE | {"bypass_csp": True}))
    tap_through(phone, stop_before=1)
    shot(phone, "phone-1-faces")
    assert serious_violations(phone) == []
