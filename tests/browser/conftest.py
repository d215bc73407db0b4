"""Browser fixtures: the test app served on loopback, and Debian's chromium via Playwright.

The app (and so the database, SQLite or PostgreSQL) comes from ``tests/conftest.py``.
The browser is the system's ``/usr/bin/chromium``; Playwright never downloads one.
Without it every browser test is skipped with the reason, and the rest of the suite runs.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

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

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser: mark it so ``-m 'not browser'`` works."""
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


class _QuietHandler(WSGIRequestHandler):
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
            return list(self.app(environ, record))
        finally:
            with self._lock:
                self._busy -= 1
                self._lock.notify_all()

    def posts(self) -> int:
        return sum(1 for method, _ in self.requests if method == "POST")

    def wait_for_posts(self, count: int, timeout: float = 10.0) -> None:
        with self._lock:
            assert self._lock.wait_for(lambda: self.posts() >= count, timeout), self.requests

    def wait_idle(self, timeout: float = 10.0) -> None:
        with self._lock:
            assert self._lock.wait_for(lambda: self._busy == 0, timeout), "server still busy"


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The seeded test app on 127.0.0.1 at a free port, in a background thread."""
    live = LiveServer(app)
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, live.wsgi, threaded=True, request_handler=_QuietHandler
    )
    live.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="live-server", daemon=True
    )
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        live.wait_idle()


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"browser tests need chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser: Any) -> Iterator[Callable[..., Any]]:
    """Make browser contexts (phone or desktop profile plus overrides), closed after the test."""
    made: list[Any] = []

    def factory(profile: dict[str, Any] = PHONE, **overrides: Any) -> Any:
        context = browser.new_context(**(profile | overrides))
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield factory
    for context in made:
        context.close()


@pytest.fixture
def phone(new_context: Callable[..., Any]) -> Any:
    """A page in a 390×844 zh-TW touch phone context."""
    return new_context(PHONE).new_page()


@pytest.fixture
def desktop(new_context: Callable[..., Any]) -> Any:
    return new_context(DESKTOP).new_page()
