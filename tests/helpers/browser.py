"""Driving Debian's chromium through Playwright: the device profiles, the app served on
loopback (:class:`LiveServer`), and answering the survey page as a person does."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect
from werkzeug.serving import WSGIRequestHandler

from collector.jobs.worker import drain
from tests.helpers.staff import PASSWORD

CHROMIUM = os.environ.get("COLLECTOR_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "locale": "zh-TW",
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-TW"}

TIMEOUT_MS = 30_000
"""How long a browser test waits for what it checks (actions, navigation, ``expect``):
long enough for a machine busy with other work; a test that passes waits no longer
than the page takes."""

STYLES_APPLIED = """() => document.readyState === 'complete'
  && Array.from(document.querySelectorAll('link[rel=stylesheet]'))
       .every(link => link.sheet !== null && link.sheet.cssRules.length > 0)
  && document.fonts.status === 'loaded'"""

RECEIPT = re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")
TEXT_KEYS = {"service_type_other", "comment"}
"""The survey's questions answered by typing."""


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class LiveServer:
    """The app on ``url``; it logs requests and the statuses it answered with, and tells
    when it is idle, so that a test reads the database only once every request is done
    (even one whose answer the browser no longer waits for)."""

    app: Flask
    url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    _busy: int = 0
    _lock: threading.Condition = field(default_factory=threading.Condition)

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self._lock:
            self._busy += 1
            self.requests.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
            self._lock.notify_all()

        def record(status: str, headers: Any, *args: Any) -> Any:
            self.statuses.append(int(status.split()[0]))
            return start_response(status, headers, *args)

        try:
            # The body is built here so the request is "busy" until its answer is written.
            body = list(self.app(environ, record))
            # The worker beside the server (``collector serve``): the jobs this request
            # queued (e-mail, response_saved...) have run before the browser reads its
            # answer, so the next page sees them done, as a user a moment later would.
            drain(self.app)
            return body
        finally:
            with self._lock:
                self._busy -= 1
                self._lock.notify_all()

    def posts(self) -> int:
        return sum(1 for method, _ in self.requests if method == "POST")

    def wait_for_posts(self, count: int, timeout: float = TIMEOUT_MS / 1000) -> None:
        with self._lock:
            assert self._lock.wait_for(lambda: self.posts() >= count, timeout), self.requests

    def wait_idle(self, timeout: float = TIMEOUT_MS / 1000) -> None:
        with self._lock:
            assert self._lock.wait_for(lambda: self._busy == 0, timeout), "server still busy"


def wait_for_styles(page: Page) -> None:
    """Wait until the page has loaded and every stylesheet and font applies: what is
    measured (sizes, positions, scrolling) is then what a person sees."""
    page.wait_for_load_state("load")
    page.wait_for_function(STYLES_APPLIED)


def log_in(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    """Log in to the staff console (in Chinese) as a person does; it opens on its home."""
    page.goto(url + "/staff/login")
    page.get_by_label("電子郵件").fill(email)
    page.get_by_label("密碼").fill(password)
    page.get_by_role("button", name="登入").click()
    expect(page.locator("h1")).to_have_text("後台首頁")


def open_console_page(page: Page, link: str) -> None:
    """Open a console page from the navigation, as a person does: its group, then its link."""
    exact = re.compile(f"^{re.escape(link)}$")
    target = page.locator(".console-nav a").filter(has_text=exact)
    group = page.locator("details.nav-group").filter(has=page.locator("a").filter(has_text=exact))
    if group.count():
        group.first.locator("summary").click()
    target.first.click()


def is_phone(page: Page) -> bool:
    size = page.viewport_size
    return size is not None and size["width"] < 600


def option(page: Page, key: str, value: Any) -> Any:
    """The visible label of one choice (the thing a citizen taps)."""
    return page.locator(
        f':is(label.option, label.grid-choice):has(input[name="q_{key}"][value="{value}"])'
    )


def choose(page: Page, key: str, value: Any) -> None:
    label = option(page, key, value)
    if is_phone(page):
        label.tap()
    else:
        label.click()
    expect(label.locator("input")).to_be_checked()


def write(page: Page, key: str, text: str) -> None:
    """Click the question's label (focusing its box) and type, as a person would."""
    page.locator(f'label[for="q-{key}"]').click()
    expect(page.locator(f"#q-{key}")).to_be_focused()
    page.keyboard.type(text)
    expect(page.locator(f"#q-{key}")).to_have_value(text)


def answer(page: Page, answers: dict[str, Any]) -> None:
    for key, value in answers.items():
        if key in TEXT_KEYS:
            write(page, key, str(value))
        else:
            choose(page, key, value)


def submit(page: Page) -> None:
    page.locator("button.primary").click()


def receipt_code(page: Page) -> str:
    expect(page.locator(".receipt[role=status]")).to_be_visible()
    code = page.locator(".receipt-code").inner_text().strip()
    assert RECEIPT.match(code), code
    return code
