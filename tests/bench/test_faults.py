"""bench/faults.py: its counting and its retrying client, on tiny scenarios (no timing)."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "faults.py"


@pytest.fixture(scope="module")
def faults() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_faults", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_clean_run_counts_requests_failures_and_rows(faults: ModuleType) -> None:
    record = faults.KeyRecord
    records = [
        record("k1", attempts=3, receipt="R1", failures=["503 Retry-After", "disconnected"]),
        record("k2", attempts=2, receipt="R2", replayed=True, failures=["500"]),
        record("k3", attempts=1, gave_up=True),  # stored, but never acknowledged
        record("k4", attempts=1, gave_up=True),
        record("k5", attempts=1, failures=["422"], rejected="422: bad answer"),
    ]
    rows = [("api:k1", "R1"), ("api:k2", "R2"), ("api:k3", "R3")]
    counts = faults.count(records, rows)
    assert counts == {
        "requests": 8,
        "keys": 5,
        "acknowledged": 2,
        "acknowledged_as_replay": 1,
        "failed": 4,
        "failures": {"422": 1, "500": 1, "503 Retry-After": 1, "disconnected": 1},
        "http_failures": 3,
        "http_failures_503_retry_after": 1,
        "rejected": 1,
        "gave_up": 2,
        "stored": 3,
        "stored_unacknowledged": 1,
        "duplicates": 0,
        "lost": 0,
        "ok": True,
    }


def test_duplicates_and_lost_responses_are_counted(faults: ModuleType) -> None:
    record = faults.KeyRecord
    records = [
        record("twice", attempts=2, receipt="A"),
        record("missing", attempts=1, receipt="B"),
        record("other-receipt", attempts=1, receipt="C"),
    ]
    rows = [
        ("api:twice", "A"),
        ("api:twice", "A2"),  # the same key stored twice
        ("api:never-sent", "X"),  # a row no client asked for
        (None, "Y"),
        ("api:other-receipt", "D"),  # stored, but not what the client was told
    ]
    counts = faults.count(records, rows)
    assert (counts["stored"], counts["duplicates"], counts["lost"]) == (5, 3, 2)
    assert counts["ok"] is False


def test_retry_after_is_honoured_within_a_cap(faults: ModuleType) -> None:
    assert faults.retry_delay("2", 0.05) == 2.0
    assert faults.retry_delay("3600", 0.05) == 5.0
    assert 0.5 <= faults.retry_delay(None, 1.0) <= 1.5
    assert 0.5 <= faults.retry_delay("Wed, 21 Oct 2015 07:28:00 GMT", 1.0) <= 1.5


class _Flaky(BaseHTTPRequestHandler):
    """Each key: a 503 with Retry-After, then a dropped connection, then stored (201)."""

    attempts: dict[str, int] = {}
    rows: list[tuple[str, str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        key = self.headers["Idempotency-Key"]
        seen = self.attempts[key] = self.attempts.get(key, 0) + 1
        if seen == 1:
            self._reply(503, b'{"error": "try again"}', ("Retry-After", "0"))
        elif seen == 2:
            self.close_connection = True  # gone without an answer, as a killed worker
        else:
            receipt = f"R-{key}"
            self.rows.append((f"api:{key}", receipt))
            self._reply(201, json.dumps({"receipt": receipt}).encode())

    def _reply(self, status: int, body: bytes, *header: tuple[str, str]) -> None:
        self.send_response(status)
        for name, value in header:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def flaky_port() -> Iterator[int]:
    _Flaky.attempts, _Flaky.rows = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_client_retries_with_the_same_key_until_acknowledged(
    faults: ModuleType, flaky_port: int
) -> None:
    client = faults.Client(flaky_port, b"{}", "t", threads=1)
    records = [faults.KeyRecord(f"t-{n}") for n in range(2)]
    conn = None
    for record in records:
        conn = client.submit(record, conn)
    counts = faults.count(records, _Flaky.rows)
    assert counts["requests"] == 6
    assert counts["failures"] == {"503 Retry-After": 2, "disconnected": 2}
    assert (counts["acknowledged"], counts["stored"]) == (2, 2)
    assert (counts["duplicates"], counts["lost"]) == (0, 0)
    assert [r.receipt for r in records] == ["R-t-0", "R-t-1"]
