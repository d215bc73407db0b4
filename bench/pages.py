"""What the citizen pages cost a browser: the kiosk's first screen and the online survey.

Usage::

    python bench/pages.py [--runs 5] [--kiosks 20] [--queued 10]

Starts the app on a fresh SQLite database in a temporary folder (one agency, one unit, a
kiosk per simulated tablet, registered and paired through ``collector.kiosk.service``),
serves it on 127.0.0.1 (werkzeug, threaded) and drives Debian's ``/usr/bin/chromium``
headless through Playwright. For each page, ``--runs`` cold loads (a new browser context
each: empty cache, no service worker) give, as medians:

- ``bytes``: bytes transferred (the Resource Timing API's ``transferSize`` of the
  document and of every resource it loaded: headers and compressed bodies);
- ``first_paint_ms`` and ``first_contentful_paint_ms``: the Paint Timing API's entries;
- ``requests`` and ``third_party_requests``: every request the page made, and those to
  any other origin than the server's (``data:`` URLs excluded).

Then the submit path: ``--kiosks`` tablets each hold ``--queued`` answers queued while
offline (as ``kiosk.js`` queues them) and all come back online at once; while they sync,
one more tablet answers the whole questionnaire and taps "submit". ``tap_to_thanks_ms``
is the time from the tap to the thank-you screen's next frame (measured in the page),
``tap_to_stored_ms`` the time until the server holds that answer (its queue is empty),
``sync_s`` the time until every queued answer of every tablet is stored; the database
is then checked: each answer stored exactly once.

``KIOSK_MIN_SECONDS`` is 0 here (the tapping is scripted, faster than a person) and the
rate limits are off (every tablet shares the loopback address). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if sys.path and Path(sys.path[0]).resolve() == HERE:
    sys.path[0] = str(ROOT)  # bench/analysis.py would shadow the analysis package

CHROMIUM = "/usr/bin/chromium"
SLUG = "citizen-satisfaction"
ANSWERS = {
    "service_type": "certificate",
    "first_visit": "yes",
    "env_signage": "4",
    "env_comfort": "5",
    "env_facilities": "na",
    "courtesy_attitude": "5",
    "courtesy_proactive": "4",
    "prof_knowledge": "5",
    "prof_efficiency": "4",
    "prof_consistency": "4",
    "measures_online": "3",
    "measures_information": "4",
    "measures_wait": "2",
    "overall_satisfaction": "5",
}
KIOSK_THROUGH = """answers => {
  for (let step = 0; step < 20 && document.querySelector('form.questions'); step++) {
    const form = document.querySelector('form.questions');
    for (const input of form.querySelectorAll('input')) {
      if (answers[input.name] === input.value && !input.checked) { input.click(); }
    }
    const numbers = form.querySelector('.progress').textContent.match(/\\d+/g);
    const last = numbers[0] === numbers[numbers.length - 1];
    if (last) { return; }  // stop on the last screen: its submit is the measured tap
    form.querySelector('button[type=submit]').click();
  }
}"""
TAP_SUBMIT = """() => new Promise(resolve => {
  const started = performance.now();
  document.querySelector('form.questions button[type=submit]').click();
  const check = () => document.querySelector('.thanks h1')
    ? requestAnimationFrame(() => resolve(performance.now() - started))
    : requestAnimationFrame(check);
  check();
})"""
MEASURE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
  return {
    bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    first_paint_ms: paint['first-paint'] ?? null,
    first_contentful_paint_ms: paint['first-contentful-paint'] ?? null,
  };
}"""


def make_app(folder: Path) -> Any:
    from collector import create_app

    return create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'pages-bench.sqlite'}",
            "SECRET_KEY": "bench pages",
            "RATELIMIT_ENABLED": False,
            "KIOSK_MIN_SECONDS": 0,
            "KIOSK_THANKS_SECONDS": 600,
        }
    )


def seed(app: Any, kiosks: int) -> tuple[list[str], str]:
    """One agency and unit; ``kiosks`` paired kiosks: their device credentials."""
    from collector.core.db import session_scope
    from collector.core.hooktypes import Actor
    from collector.core.models import Agency
    from collector.core.models import Unit
    from collector.kiosk import service

    with session_scope(app) as session:
        agency = Agency(code="bench", name_zh="測試機關", name_en="Bench Agency")
        session.add(agency)
        session.flush()
        unit = Unit(agency_id=agency.id, code="u1", name_zh="第一櫃台", name_en="Counter 1")  # type: ignore[arg-type]
        session.add(unit)
        session.flush()
        agency_id, unit_id = agency.id, unit.id
    assert agency_id is not None and unit_id is not None
    admin = Actor(None, "agency_admin", agency_id, frozenset({agency_id}), "bench")
    credentials = []
    with app.test_request_context():
        for i in range(kiosks):
            registration = service.register(
                app,
                admin,
                agency_id=agency_id,
                unit_id=unit_id,
                name=f"平板 {i + 1}",
                questionnaire=SLUG,
                pin="246810",
            )
            paired = service.pair(app, registration.code)
            assert paired is not None
            credentials.append(paired[1])
    return credentials, f"/s/bench/u1/{SLUG}"


class Server:
    """The app on a free loopback port, in a background thread."""

    def __init__(self, app: Any) -> None:
        from werkzeug.serving import WSGIRequestHandler
        from werkzeug.serving import make_server

        class Quiet(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                pass

        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(10)


def kiosk_context(browser: Any, url: str, credential: str) -> Any:
    from collector.kiosk.service import COOKIE
    from collector.kiosk.service import COOKIE_PATH

    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    context.add_cookies(
        [{"name": COOKIE, "value": credential, "url": url + COOKIE_PATH, "httpOnly": True}]
    )
    return context


def cold_load(context: Any, url: str, origin: str, ready: str) -> dict[str, Any]:
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.locator(ready).first.wait_for()
    page.wait_for_load_state("load")
    page.wait_for_function("() => performance.getEntriesByType('paint').length >= 2")
    figures = page.evaluate(MEASURE)
    shown = [r for r in requests if not r.startswith("data:")]
    figures["requests"] = len(shown)
    figures["third_party_requests"] = sum(1 for r in shown if not r.startswith(origin + "/"))
    context.close()
    return figures


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": len(runs)}
    for key in runs[0]:
        values = [r[key] for r in runs if r[key] is not None]
        out[key] = round(statistics.median(values), 1) if values else None
    out["third_party_requests"] = max(r["third_party_requests"] for r in runs)
    return out


def queued_items(count: int, version: int) -> list[dict[str, Any]]:
    sent = datetime.now(UTC) - timedelta(minutes=10)
    return [
        {
            "key": secrets.token_hex(18),
            "version": version,
            "language": "zh-Hant-TW",
            "answers": dict(ANSWERS),
            "started_at": (sent - timedelta(seconds=45)).isoformat(),
            "submitted_at": sent.isoformat(),
        }
        for _ in range(count)
    ]


def kiosk_rows(app: Any) -> tuple[int, int]:
    """Kiosk responses stored, and distinct idempotency keys among them."""
    from sqlalchemy import func
    from sqlalchemy import select

    from collector.core.db import session_scope
    from collector.core.models import Response

    with session_scope(app) as session:
        total = session.execute(
            select(func.count()).select_from(Response).where(Response.channel == "kiosk")
        ).scalar_one()
        keys = session.execute(
            select(func.count(func.distinct(Response.idempotency_key))).where(
                Response.channel == "kiosk"
            )
        ).scalar_one()
    return total, keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kiosks", type=int, default=20)
    parser.add_argument("--queued", type=int, default=10)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        credentials, survey = seed(app, args.kiosks + 1)
        with Server(app) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            url = server.url
            kiosk_runs = [
                cold_load(
                    kiosk_context(browser, url, credentials[0]),
                    url + "/kiosk/",
                    url,
                    "button.start",
                )
                for _ in range(args.runs)
            ]
            survey_runs = [
                cold_load(
                    browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True),
                    url + survey,
                    url,
                    "#survey-form",
                )
                for _ in range(args.runs)
            ]
            # -- the submit path while 20 tablets sync ------------------------------------
            tablets = []
            for credential in credentials[1:]:
                context = kiosk_context(browser, url, credential)
                page = context.new_page()
                page.goto(url + "/kiosk/")
                page.locator("button.start").wait_for()
                tablets.append(page)
            version = tablets[0].evaluate(
                "() => JSON.parse(document.getElementById('kiosk-data').textContent).questionnaireVersion"
            )
            measured = kiosk_context(browser, url, credentials[0]).new_page()
            measured.goto(url + "/kiosk/")
            measured.locator("button.start").click()
            measured.evaluate(KIOSK_THROUGH, ANSWERS)
            for page in tablets:
                page.context.set_offline(True)
                page.evaluate(
                    "items => localStorage.setItem('collector.kiosk.queue', JSON.stringify(items))",
                    queued_items(args.queued, version),
                )
            started = time.perf_counter()
            for page in tablets:
                page.context.set_offline(False)
                page.evaluate("() => window.dispatchEvent(new Event('online'))")
            tapped = time.perf_counter()
            tap_to_thanks = measured.evaluate(TAP_SUBMIT)
            measured.wait_for_function(
                "() => JSON.parse(localStorage.getItem('collector.kiosk.queue') || '[]').length === 0",
                timeout=120_000,
            )
            tap_to_stored = (time.perf_counter() - tapped) * 1000
            for page in tablets:
                page.wait_for_function(
                    "() => JSON.parse(localStorage.getItem('collector.kiosk.queue') || '[]').length === 0",
                    timeout=300_000,
                )
            sync_s = time.perf_counter() - started
            browser.close()
        stored, keys = kiosk_rows(app)
    expected = len(tablets) * args.queued + 1
    print(
        json.dumps(
            {
                "kiosk_first_screen": medians(kiosk_runs),
                "online_survey": medians(survey_runs),
                "submit_while_syncing": {
                    "kiosks_syncing": len(tablets),
                    "queued_each": args.queued,
                    "tap_to_thanks_ms": round(tap_to_thanks, 1),
                    "tap_to_stored_ms": round(tap_to_stored, 1),
                    "sync_s": round(sync_s, 2),
                    "stored": stored,
                    "expected": expected,
                    "stored_exactly_once": stored == keys == expected,
                },
                "targets": {"bytes": 60 * 1024, "first_paint_ms": 300, "third_party_requests": 0},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
