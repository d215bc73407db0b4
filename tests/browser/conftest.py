"""Browser fixtures: the test app served on loopback, and Debian's chromium via Playwright.

The app (and so the database, SQLite or PostgreSQL) comes from ``tests/conftest.py``.
The browser is the system's ``/usr/bin/chromium``; Playwright never downloads one.
Without it every browser test is skipped with the reason, and the rest of the suite runs.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server

from tests.helpers.browser import CHROMIUM
from tests.helpers.browser import CHROMIUM_ARGS
from tests.helpers.browser import DESKTOP
from tests.helpers.browser import PHONE
from tests.helpers.browser import LiveServer
from tests.helpers.browser import QuietHandler

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser: mark it so ``-m 'not browser'`` works."""
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The seeded test app on 127.0.0.1 at a free port, in a background thread."""
    live = LiveServer(app)
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, live.wsgi, threaded=True, request_handler=QuietHandler
    )
    live.url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = live.url  # links in pages and mails point here
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
