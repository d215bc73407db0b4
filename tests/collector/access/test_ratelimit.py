"""Rate limits on public endpoints: keyed by kiosk or address, one store for every worker,
failing open."""

from __future__ import annotations

import multiprocessing
import uuid
from typing import Any

import pytest
from flask import Flask
from limits import parse

from collector import create_app
from collector import serving
from collector.access.ratelimit import DATABASE
from collector.access.ratelimit import get_limiter
from collector.access.ratelimit import identify_kiosks_with
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.database import BASE_SETTINGS
from tests.helpers.database import dispose

BODY = {"questionnaire": "citizen-satisfaction", "agency": "alpha", "answers": CITIZEN_ANSWERS}


@pytest.fixture
def limited(make_app: Any) -> Flask:
    app = make_app(seed="agencies", RATELIMIT_PUBLIC="3 per minute")
    return app


def post(client: Any, address: str = "198.51.100.7") -> Any:
    return client.post("/api/v1/responses", json=BODY, environ_base={"REMOTE_ADDR": address})


def test_public_submissions_are_limited_per_address(limited: Flask) -> None:
    client = limited.test_client()
    assert [post(client).status_code for _ in range(3)] == [201, 201, 201]
    refused = post(client)
    assert refused.status_code == 429
    assert refused.get_json() == {"error": "too many requests; try again later"}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert post(client, "198.51.100.8").status_code == 201  # another address


def test_survey_page_posts_are_limited_and_reading_is_not(limited: Flask) -> None:
    client = limited.test_client()
    for _ in range(3):
        assert client.post("/s/alpha/citizen-satisfaction").status_code != 429
    page = client.post("/s/alpha/citizen-satisfaction")
    assert page.status_code == 429
    assert "請求太頻繁" in page.text and page.headers["Content-Security-Policy"]
    assert client.get("/s/alpha/citizen-satisfaction").status_code == 200


def test_kiosks_behind_one_address_count_separately(make_app: Any) -> None:
    app = make_app(seed="agencies", RATELIMIT_PUBLIC="2 per minute")

    # Stands in for the kiosk feature, which will authenticate a device token.
    identify_kiosks_with(app, lambda request: request.headers.get("X-Test-Kiosk"))

    client = app.test_client()
    for kiosk in ("k1", "k2", "k3"):
        statuses = [
            client.post("/api/v1/responses", json=BODY, headers={"X-Test-Kiosk": kiosk}).status_code
            for _ in range(3)
        ]
        assert statuses == [201, 201, 429], kiosk


def test_limits_can_be_turned_off(make_app: Any) -> None:
    app = make_app(seed="agencies", RATELIMIT_PUBLIC="1 per minute", RATELIMIT_ENABLED=False)
    client = app.test_client()
    assert [post(client).status_code for _ in range(3)] == [201, 201, 201]


def test_a_failing_store_lets_requests_through(limited: Flask) -> None:
    class Broken:
        def hit(self, *_: Any) -> bool:
            raise ConnectionError("redis is down")

        test = hit

    get_limiter(limited)._limiter = Broken()  # type: ignore[assignment]
    client = limited.test_client()
    assert [post(client).status_code for _ in range(5)] == [201] * 5


def test_the_store_is_configurable_and_opened_lazily(make_app: Any) -> None:
    app = make_app(RATELIMIT_STORAGE_URI="memory://")
    limiter = get_limiter(app)
    assert limiter.uri == "memory://" and limiter._limiter is None
    assert limiter.hit("1 per minute", "k") and not limiter.hit("1 per minute", "k")
    assert limiter.test("1 per minute", "other")


def test_each_app_has_its_own_counters_in_memory(make_app: Any) -> None:
    first = make_app(RATELIMIT_STORAGE_URI="memory://")
    second = make_app(RATELIMIT_STORAGE_URI="memory://")
    assert get_limiter(first).hit("1 per minute", "same")
    assert get_limiter(second).hit("1 per minute", "same")


# -- one store for every worker ------------------------------------------------------


def two_workers(make_app: Any, **config: Any) -> tuple[Flask, Flask]:
    """Two apps on one database, as the server makes them: one per worker process."""
    apps = make_app(seed="agencies", **config), make_app(seed="agencies", **config)
    for app in apps:
        serving.post_fork(FakeServer(app, workers=2), None)
    return apps


class FakeServer:
    """What gunicorn hands ``post_fork``: the arbiter, with the app and its settings."""

    def __init__(self, app: Flask, workers: int) -> None:
        self.app = type("Loaded", (), {"callable": app})()
        self.cfg = type("Settings", (), {"workers": workers})()


def test_a_limit_holds_across_workers(make_app: Any) -> None:
    first, second = two_workers(make_app, RATELIMIT_PUBLIC="3 per minute")
    one, two = first.test_client(), second.test_client()
    assert [post(one).status_code, post(two).status_code, post(one).status_code] == [201] * 3
    assert post(two).status_code == 429 and post(one).status_code == 429


def test_one_worker_on_sqlite_counts_in_memory_and_postgresql_in_the_database(
    make_app: Any,
) -> None:
    app = make_app()
    expected = "memory://" if app.config["DATABASE_URL"].startswith("sqlite") else DATABASE
    assert get_limiter(app).uri == expected
    serving.post_fork(FakeServer(app, workers=1), None)
    assert get_limiter(app).uri == expected
    serving.post_fork(FakeServer(app, workers=2), None)
    assert get_limiter(app).uri == DATABASE and get_limiter(app).shared


def test_a_chosen_per_process_store_is_kept_with_a_warning(
    make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(RATELIMIT_STORAGE_URI="memory://")
    serving.post_fork(FakeServer(app, workers=3), None)
    assert get_limiter(app).uri == "memory://"
    assert "3 workers run" in caplog.text


def _post_in_a_worker(url: str, start: Any, results: Any) -> None:
    app = create_app({**BASE_SETTINGS, "DATABASE_URL": url, "RATELIMIT_PUBLIC": "4 per minute"})
    serving.post_fork(FakeServer(app, workers=2), None)
    start.wait()
    client = app.test_client()
    results.put([post(client).status_code for _ in range(4)])
    dispose(app)


def test_a_limit_holds_across_worker_processes(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    dispose(app)  # no connection crosses the fork
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_post_in_a_worker, args=(url, start, results)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    statuses = [status for _ in workers for status in results.get(timeout=120)]
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    assert sorted(statuses) == [201] * 4 + [429] * 4


def test_redis_is_a_shared_store(make_app: Any) -> None:
    pytest.importorskip("redis")
    uri = "redis://127.0.0.1:6379/7"
    first = make_app(seed="agencies", RATELIMIT_STORAGE_URI=uri, RATELIMIT_PUBLIC="2 per minute")
    second = make_app(seed="agencies", RATELIMIT_STORAGE_URI=uri, RATELIMIT_PUBLIC="2 per minute")
    limiter = get_limiter(first)
    if not limiter.limiter.storage.check():
        pytest.skip("no Redis at 127.0.0.1:6379")
    address = f"198.51.100.{uuid.uuid4().int % 200 + 20}"
    limiter.limiter.clear(parse("2 per minute"), "RATELIMIT_PUBLIC", f"addr:{address}")
    assert get_limiter(second).shared
    assert post(first.test_client(), address).status_code == 201
    assert post(second.test_client(), address).status_code == 201
    assert post(first.test_client(), address).status_code == 429
