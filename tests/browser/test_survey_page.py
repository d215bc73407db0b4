"""The citizen survey page in a real browser, used as a citizen would: phone first.

Answers are given by clicking or tapping the visible labels, or with the keyboard
alone; nothing is forced into an input. The stored response is then read back
from the test database (SQLite or PostgreSQL).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import func
from sqlalchemy import select

import collector.answers.views.survey as survey_view
from collector.core.db import session_scope
from collector.core.models import Response
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.browser import DESKTOP
from tests.helpers.browser import PHONE
from tests.helpers.browser import TEXT_KEYS
from tests.helpers.browser import TIMEOUT_MS
from tests.helpers.browser import LiveServer
from tests.helpers.browser import answer
from tests.helpers.browser import choose
from tests.helpers.browser import is_phone
from tests.helpers.browser import option
from tests.helpers.browser import receipt_code
from tests.helpers.browser import submit
from tests.helpers.browser import wait_for_styles
from tests.helpers.browser import write

pytestmark = pytest.mark.browser

PATH = "/s/alpha/c1/citizen-satisfaction"
# "Other" reveals the conditional question; in page order, as the keyboard walk meets them.
OTHER_ANSWERS: dict[str, Any] = {
    "service_type": "other",
    "service_type_other": "戶籍謄本代辦 𠊎",
} | {key: value for key, value in CITIZEN_ANSWERS.items() if key != "service_type"}
REQUIRED_MISSING = "overall_satisfaction"


# -- helpers ------------------------------------------------------------------------------


def response_count(app: Flask) -> int:
    with session_scope(app) as session:
        return session.execute(select(func.count()).select_from(Response)).scalar_one()


def stored(app: Flask) -> tuple[Response, dict[str, str]]:
    """The only stored response and its answers as text ("8", "na", "櫃台很親切 𠊎")."""
    with session_scope(app) as session:
        response = session.execute(select(Response)).scalar_one()
    last = {key: pairs[-1] for key, pairs in response.answers.items()}
    answers = {key: t if n is None else f"{n:g}" for key, (n, t) in last.items()}
    return response, answers


YES_NO = {"yes": "1", "no": "0"}  # yes/no is stored as a number


def as_text(answers: dict[str, Any]) -> dict[str, str]:
    """The answers as :func:`stored` reads them back."""
    return {
        key: YES_NO[value] if key == "first_visit" else str(value) for key, value in answers.items()
    }


def assert_kept(page: Page, answers: dict[str, Any]) -> None:
    for key, value in answers.items():
        if key in TEXT_KEYS:
            expect(page.locator(f"#q-{key}")).to_have_value(str(value))
        else:
            expect(option(page, key, value).locator("input")).to_be_checked()


# -- 1. answering everything ------------------------------------------------------------


def test_answering_everything_gives_a_receipt(
    app: Flask, live_server: LiveServer, device: Page, tmp_path: Path
) -> None:
    page = device
    page.goto(live_server.url + PATH)
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
    answer(page, CITIZEN_ANSWERS)
    if is_phone(page):
        page.screenshot(path=tmp_path / "survey-phone.png", full_page=True)
    submit(page)
    code = receipt_code(page)
    expect(page.locator("h1")).to_have_text("已收到您的問卷")
    if is_phone(page):
        page.screenshot(path=tmp_path / "receipt-phone.png", full_page=True)
    live_server.wait_idle()
    assert response_count(app) == 1
    response, answers = stored(app)
    assert response.receipt == code and response.language == "zh-Hant-TW"
    assert answers == as_text(CITIZEN_ANSWERS)


# -- 2. conditional question --------------------------------------------------------------


def test_other_service_type_reveals_its_text_box(live_server: LiveServer, phone: Page) -> None:
    phone.goto(live_server.url + PATH)
    block = phone.locator("#block-service_type_other")
    expect(phone.locator("html")).to_have_class(re.compile(r"\bjs\b"))
    expect(block).to_be_hidden()
    choose(phone, "service_type", "payment")
    expect(block).to_be_hidden()
    choose(phone, "service_type", "other")  # 其他
    expect(block).to_be_visible()
    expect(phone.get_by_label("請說明辦理的業務")).to_be_editable()
    expect(block.locator(".conditional-note")).to_be_hidden()  # the no-JS note is not needed
    choose(phone, "service_type", "inquiry")
    expect(block).to_be_hidden()


# -- 3. errors ------------------------------------------------------------------------------


def test_missing_required_answer_shows_summary_and_keeps_answers(
    app: Flask, live_server: LiveServer, phone: Page
) -> None:
    given = {k: v for k, v in CITIZEN_ANSWERS.items() if k != REQUIRED_MISSING}
    phone.goto(live_server.url + PATH)
    answer(phone, given)
    submit(phone)

    summary = phone.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("有 1 題需要修正")
    expect(phone).to_have_title(re.compile(r"^有 1 題需要修正"))
    assert response_count(app) == 0
    assert_kept(phone, given)  # nothing has to be answered twice
    expect(phone.locator(f"#q-{REQUIRED_MISSING}-0")).to_have_attribute("aria-invalid", "true")

    link = summary.get_by_role("link", name=re.compile("整體而言"))
    link.tap()
    expect(phone).to_have_url(re.compile(f"#q-{REQUIRED_MISSING}-0$"))
    expect(phone.locator(f"#q-{REQUIRED_MISSING}-0")).to_be_focused()  # focus lands on the answer
    question = phone.locator(f"#q-{REQUIRED_MISSING}")
    expect(question).to_be_in_viewport()
    expect(phone.locator(f"#error-{REQUIRED_MISSING}")).to_be_visible()

    choose(phone, REQUIRED_MISSING, CITIZEN_ANSWERS[REQUIRED_MISSING])
    submit(phone)
    receipt_code(phone)
    live_server.wait_idle()
    assert stored(app)[1] == as_text(CITIZEN_ANSWERS)


# -- 4. language switch -------------------------------------------------------------------


def test_switching_to_english_keeps_answers(
    app: Flask, live_server: LiveServer, phone: Page
) -> None:
    first = {
        "service_type": "other",
        "service_type_other": "代辦 𠊎 手續",
        "first_visit": "yes",
        "env_signage": 2,
        "recommend": 10,
        "comment": "櫃台很親切 𠊎",
    }
    phone.goto(live_server.url + PATH)
    answer(phone, first)
    phone.get_by_role("button", name="English").tap()

    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("h1")).to_have_text("Citizen Service Satisfaction Survey")
    expect(phone.get_by_role("alert")).to_have_count(0)  # switching is not submitting
    expect(phone.locator("#q-first_visit legend")).to_have_text(
        "Is this your first visit to this office? (required)"
    )
    expect(phone.locator("#block-service_type_other")).to_be_visible()
    assert_kept(phone, first)
    expect(phone.get_by_role("button", name="繁體中文")).to_have_attribute("lang", "zh-Hant-TW")

    rest = {k: v for k, v in CITIZEN_ANSWERS.items() if k not in first}
    answer(phone, rest)
    submit(phone)
    receipt_code(phone)
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    live_server.wait_idle()
    response, answers = stored(app)
    assert response.language == "en"
    assert answers == as_text(CITIZEN_ANSWERS | first)


# -- 5. keyboard only -----------------------------------------------------------------------

FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e.tagName.toLowerCase(), id: e.id, type: e.type || null, name: e.name || null,
          value: e.value === undefined ? null : e.value, checked: !!e.checked,
          outline: getComputedStyle(e).outlineStyle};
}"""


def test_keyboard_alone_completes_the_survey(
    app: Flask, live_server: LiveServer, desktop: Page
) -> None:
    page = desktop
    page.goto(live_server.url + PATH)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown when focused (it waits off screen otherwise)
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    visited: list[str] = []
    skipped: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "button":
            assert focused["type"] == "submit" and focused["name"] is None, focused
            break
        if focused["tag"] == "summary":
            continue
        key = (focused["name"] or "")[2:]
        assert key not in visited + skipped, f"second Tab stop in {key}: {focused}"
        assert focused["outline"] != "none", f"no visible focus on {focused['id']}"
        if key not in OTHER_ANSWERS:
            skipped.append(key)  # an optional question left blank: Tab goes past it
            continue
        visited.append(key)
        target = str(OTHER_ANSWERS[key])
        if focused["type"] == "radio":
            page.keyboard.press("Space")
            for _ in range(12):
                current = page.evaluate(FOCUSED)
                assert current["checked"], current
                if current["value"] == target:
                    break
                page.keyboard.press("ArrowDown")  # moves and selects within the group
            else:
                pytest.fail(f"{target!r} not reachable with arrows in {key}")
        else:
            page.keyboard.type(target)
    else:
        pytest.fail("never reached the submit button")

    # One Tab stop per question (not per option), in page order, the revealed box included.
    assert visited == list(OTHER_ANSWERS)
    assert skipped == ["residence"]
    page.keyboard.press("Enter")
    receipt_code(page)
    live_server.wait_idle()
    assert stored(app)[1] == as_text(OTHER_ANSWERS)


# -- 6. target size and reflow --------------------------------------------------------------

TARGETS = """() => Array.from(document.querySelectorAll('label.option, label.grid-choice, button, summary'))
  .filter(e => e.getClientRects().length > 0)
  .map(e => {
    const r = e.getBoundingClientRect();
    return {what: e.getAttribute('for') || e.textContent.trim().slice(0, 30),
            width: r.width, height: r.height};
  })"""


def small_targets(page: Page) -> list[dict[str, Any]]:
    wait_for_styles(page)  # measured as shown, never before the stylesheet applies
    targets = page.evaluate(TARGETS)
    assert len(targets) > 80, "expected every option of the survey to be measured"
    return [t for t in targets if t["width"] < 44 or t["height"] < 44]


def scroll_width(page: Page) -> int:
    wait_for_styles(page)
    return page.evaluate("document.scrollingElement.scrollWidth")


def test_targets_are_large_and_nothing_scrolls_sideways(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = new_context(PHONE).new_page()
    for lang in ("zh-Hant-TW", "en"):
        page.goto(f"{live_server.url}{PATH}?lang={lang}")
        assert small_targets(page) == [], lang

    narrow = new_context(PHONE, viewport={"width": 320, "height": 640}).new_page()
    for lang in ("zh-Hant-TW", "en"):
        narrow.goto(f"{live_server.url}{PATH}?lang={lang}")
        assert small_targets(narrow) == [], lang
        assert scroll_width(narrow) <= 320, lang
    submit(narrow)  # nothing answered: the error summary lists every required question
    expect(narrow.get_by_role("alert")).to_be_visible()
    assert small_targets(narrow) == []
    assert scroll_width(narrow) <= 320
    answer(narrow, CITIZEN_ANSWERS)
    submit(narrow)
    receipt_code(narrow)
    assert scroll_width(narrow) <= 320


# -- 7. without JavaScript ------------------------------------------------------------------


def test_page_works_without_javascript(
    app: Flask, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = new_context(PHONE, java_script_enabled=False).new_page()
    page.goto(live_server.url + PATH)
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bjs\b"))
    block = page.locator("#block-service_type_other")
    expect(block).to_be_visible()
    expect(block.locator(".conditional-note")).to_be_visible()
    expect(block.locator(".conditional-note")).to_have_text("（依前一題的回答填寫）")
    answer(page, OTHER_ANSWERS)
    submit(page)
    receipt_code(page)
    live_server.wait_idle()
    assert stored(app)[1] == as_text(OTHER_ANSWERS)


# -- 8. console errors and CSP --------------------------------------------------------------

CSP_PROBE = """
document.addEventListener('securitypolicyviolation', e => {
  console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI);
});
"""


def test_no_console_errors_or_csp_violations(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    context = new_context(DESKTOP)
    context.add_init_script(CSP_PROBE)
    page = context.new_page()
    problems: list[str] = []

    def on_console(msg: Any) -> None:
        where = msg.location.get("url", "")
        if msg.type not in ("error", "warning"):
            return
        if "status of 422" in msg.text and where.startswith(live_server.url + PATH):
            return  # the page with the error summary is sent as 422 on purpose
        problems.append(f"console {msg.type}: {msg.text} at {where}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    foreign: list[str] = []
    page.on(
        "request",
        lambda req: None if req.url.startswith(live_server.url) else foreign.append(req.url),
    )

    page.goto(live_server.url + PATH)
    choose(page, "service_type", "other")
    write(page, "service_type_other", "代辦")
    submit(page)  # error page (422)
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    answer(page, {k: v for k, v in CITIZEN_ANSWERS.items() if k != "service_type"})
    submit(page)
    receipt_code(page)
    assert problems == []
    assert foreign == []

    # The probe works: an inline script is refused by the CSP and reported.
    with page.expect_console_message(lambda msg: "CSP violation: script-src" in msg.text):
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.pwned = 1'; document.body.appendChild(s); }"
        )
    assert page.evaluate("window.pwned") is None
    assert any("CSP violation: script-src" in p for p in problems), problems


# -- 9. double submit ---------------------------------------------------------------------


def test_double_click_on_submit_stores_one_response(
    app: Flask, live_server: LiveServer, desktop: Page
) -> None:
    desktop.goto(live_server.url + PATH)
    answer(desktop, CITIZEN_ANSWERS)
    desktop.locator("button.primary").dblclick()
    code = receipt_code(desktop)
    live_server.wait_idle()
    assert response_count(app) == 1
    assert stored(app)[0].receipt == code


def test_second_tap_while_first_submit_is_on_its_way_stores_one_response(
    app: Flask,
    live_server: LiveServer,
    phone: Page,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a slow network the first POST is still pending when the citizen taps again.

    Chromium merges the two clicks of a fast double click into one POST, so here the
    second tap comes once the first POST has reached the server, and the server lets
    both requests store their (identical) answers at the same moment. The loser must
    answer with the winner's receipt (on SQLite it once raised: a 500 for a stored response).
    """
    both_here = threading.Barrier(2, timeout=TIMEOUT_MS / 1000)
    real_submit = survey_view.submit

    def submit_together(*args: Any, **kwargs: Any) -> Any:
        both_here.wait()  # both requests have read the database; now they race
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(survey_view, "submit", submit_together)
    phone.goto(live_server.url + PATH)
    answer(phone, CITIZEN_ANSWERS)
    button = phone.locator("button.primary")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    phone.touchscreen.tap(x, y)
    live_server.wait_for_posts(1)
    phone.touchscreen.tap(x, y)  # the same spot again: the form is still on screen
    live_server.wait_for_posts(2)
    live_server.wait_idle()
    # The browser shows only the second answer; the first must not have failed either.
    assert [s for s in live_server.statuses if s >= 500] == [], live_server.statuses
    code = receipt_code(phone)
    assert response_count(app) == 1
    assert stored(app)[0].receipt == code
