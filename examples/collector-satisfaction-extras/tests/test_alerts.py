"""The low-score alert: sent after the response is stored, on the job queue; when the
agency's system is down it fails and is retried, and the citizen never notices."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import HTTPServer
from typing import Any

import pytest
from conftest import ANSWERS
from conftest import SLUG

CLOSED = "http://127.0.0.1:9/alerts"
"""The discard port, where nothing listens: the agency's system is down."""


def mine(jobs: list[Any]) -> list[Any]:
    return [job for job in jobs if job.plugin == "satisfaction_extras"]


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The agency's system: an HTTP server on loopback keeping what it was sent."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/alerts", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_low_score_is_sent_after_the_response_is_stored(
    collector_app: Any, collector_submit: Any, collector_run_jobs: Any, receiver: Any
) -> None:
    url, received = receiver
    collector_app(SATISFACTION_ALERT_URL=url)
    low = collector_submit(SLUG, {**ANSWERS, "overall": 2})
    collector_submit(SLUG, ANSWERS)  # overall 4: no alert
    assert received == []  # nothing is sent inside the citizen's request
    assert [job.status for job in mine(collector_run_jobs())] == ["done", "done"]
    assert [(r["receipt"], r["overall"], r["agency"]) for r in received] == [(low, 2, "alpha")]


def test_a_failing_alert_never_loses_or_holds_up_the_submission(
    collector_app: Any, collector_submit: Any, collector_responses: Any, collector_run_jobs: Any
) -> None:
    collector_app(SATISFACTION_ALERT_URL=CLOSED)
    receipt = collector_submit(SLUG, {**ANSWERS, "overall": 1})  # 201: the handler has not run
    assert [r["receipt"] for r in collector_responses(SLUG)] == [receipt]
    (job,) = mine(collector_run_jobs())
    # Retried five times with back-off, then listed as failed for administrators.
    assert (job.status, job.attempts) == ("failed", 6)
    assert "URLError" in (job.error or "") or "refused" in (job.error or "")
    assert [r["receipt"] for r in collector_responses(SLUG)] == [receipt]
