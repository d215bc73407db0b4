"""Rate limits on public endpoints: keyed by kiosk or address, shared store, failing open."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from collector.access.ratelimit import get_limiter
from collector.access.ratelimit import identify_kiosks_with
from tests.helpers.answers import CITIZEN_ANSWERS

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


def test_each_app_has_its_own_counters(make_app: Any) -> None:
    first, second = make_app(), make_app()
    assert get_limiter(first).hit("1 per minute", "same")
    assert get_limiter(second).hit("1 per minute", "same")
