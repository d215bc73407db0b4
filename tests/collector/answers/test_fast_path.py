"""The lean way in for POST /api/v1/responses: the same answers as the Flask view."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask import request_started
from werkzeug.middleware.proxy_fix import ProxyFix

from collector.answers.fast_path import SubmissionEndpoint
from collector.core.models import Response
from tests.helpers.answers import api_body
from tests.helpers.database import count_rows

PATH = "/api/v1/responses"
VARYING = {"receipt", "submitted_at"}  # new for every stored response
HEADERS_COMPARED = (
    "Content-Type",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "Cache-Control",
    "Idempotent-Replayed",
    "Retry-After",
)


def requests() -> list[tuple[str, dict[str, Any]]]:
    """Requests of every kind the endpoint answers, each as test-client keywords."""
    return [
        ("stored", {"json": api_body(), "headers": {"Idempotency-Key": "same"}}),
        ("replayed", {"json": api_body(), "headers": {"Idempotency-Key": "same"}}),
        (
            "other body, same key",
            {"json": api_body(unit="c2"), "headers": {"Idempotency-Key": "same"}},
        ),
        ("not JSON", {"data": "a=1", "content_type": "text/plain"}),
        ("+json media type", {"data": b"[]", "content_type": "application/vnd.x+json"}),
        ("broken JSON", {"data": b'{"a": ', "content_type": "application/json"}),
        ("bad UTF-8", {"data": b'{"a": "\xff"}', "content_type": "application/json"}),
        ("bad key", {"json": api_body(), "headers": {"Idempotency-Key": "\x01"}}),
        ("invalid answers", {"json": api_body(answers={"overall_satisfaction": 9})}),
        ("kiosk channel, no device", {"json": api_body(channel="kiosk")}),
        ("invalid envelope", {"json": {"questionnaire": 1, "agency": "nobody", "x": 1}}),
        ("English errors", {"json": api_body(answers={}), "headers": {"Accept-Language": "en"}}),
        ("Chinese errors", {"json": api_body(answers={}), "headers": {"Accept-Language": "zh-TW"}}),
        ("too large", {"data": b"x" * 300_000, "content_type": "application/json"}),
    ]


def answers_of(app: Flask) -> list[tuple[str, int, dict[str, Any], dict[str, str]]]:
    client = app.test_client()
    out = []
    for name, kwargs in requests():
        response = client.post(PATH, **kwargs)
        body = response.get_json()
        if not VARYING & set(body):
            body["bytes"] = response.get_data(as_text=True)  # byte for byte, as jsonify does
        body = {k: v for k, v in body.items() if k not in VARYING}
        headers = {h: response.headers.get(h) for h in HEADERS_COMPARED}
        out.append((name, response.status_code, body, headers))
    return out


def test_the_fast_path_answers_exactly_as_the_flask_view(make_app: Any) -> None:
    fast = make_app(seed="agencies", API_FAST_PATH=True)
    fast_answers = answers_of(fast)
    count = count_rows(fast, Response)
    fast.extensions["collector.engine"].dispose()

    view = make_app(API_FAST_PATH=False, DATABASE_URL=fast.config["DATABASE_URL"])
    with view.app_context():
        from sqlalchemy import delete

        from collector.core.db import session_scope

        with session_scope(view) as session:
            session.execute(delete(Response))
    assert answers_of(view) == fast_answers
    assert count_rows(view, Response) == count == 1
    statuses = [status for _, status, _, _ in fast_answers]
    assert statuses == [201, 201, 422, 415, 400, 400, 400, 400, 422, 422, 422, 422, 422, 413]


def test_the_fast_path_answers_without_flask_routing(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_flask(*args: Any) -> Any:
        raise AssertionError("Flask was asked")

    monkeypatch.setattr(app, "full_dispatch_request", no_flask)
    assert app.test_client().post(PATH, json=api_body()).status_code == 201
    assert count_rows(app, Response) == 1


def test_other_methods_and_paths_go_to_flask(app: Flask) -> None:
    client = app.test_client()
    wrong_method = client.get(PATH)
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["Allow"]
    assert client.post(PATH + "/").status_code in (404, 405, 308)
    assert client.get("/api/v1/agencies").status_code == 200


@pytest.mark.parametrize(
    "registry, scope",
    [
        ("before_request_funcs", None),
        ("after_request_funcs", None),
        ("teardown_request_funcs", None),
        ("before_request_funcs", "api"),
        ("after_request_funcs", "api"),
    ],
)
def test_a_request_hook_of_a_plugin_is_never_skipped(
    make_app: Any, registry: str, scope: str | None
) -> None:
    app = make_app(seed="agencies")
    seen: list[str] = []

    def hook(*args: Any) -> Any:
        seen.append(registry)
        return args[0] if registry == "after_request_funcs" else None

    getattr(app, registry).setdefault(scope, []).append(hook)
    response = app.test_client().post(PATH, json=api_body())
    assert response.status_code == 201
    assert seen == [registry]  # Flask answered: the unknown hook ran
    assert count_rows(app, Response) == 1


def test_a_signal_receiver_is_never_skipped(app: Flask) -> None:
    seen: list[str] = []

    def started(sender: Flask, **extra: Any) -> None:
        seen.append("started")

    with request_started.connected_to(started, app):
        assert app.test_client().post(PATH, json=api_body()).status_code == 201
    assert seen == ["started"]


def test_the_public_rate_limit_holds_on_the_fast_path(make_app: Any) -> None:
    app = make_app(seed="agencies", RATELIMIT_PUBLIC="2 per minute")
    client = app.test_client()
    statuses = [client.post(PATH, json=api_body()).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    limited = client.post(PATH, json=api_body())
    assert limited.get_json() == {"error": "too many requests; try again later"}
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-Content-Type-Options"] == "nosniff"
    other = client.post(PATH, json=api_body(), environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 201  # counted per client address
    assert count_rows(app, Response) == 3


def test_kiosks_are_counted_apart_on_the_fast_path(make_app: Any) -> None:
    from collector.access.ratelimit import identify_kiosks_with

    app = make_app(seed="agencies", RATELIMIT_PUBLIC="1 per minute")
    identify_kiosks_with(app, lambda req: req.headers.get("X-Test-Kiosk"))
    client = app.test_client()
    for kiosk in ("k1", "k2"):
        response = client.post(PATH, json=api_body(), headers={"X-Test-Kiosk": kiosk})
        assert response.status_code == 201
    again = client.post(PATH, json=api_body(), headers={"X-Test-Kiosk": "k1"})
    assert again.status_code == 429


@pytest.mark.parametrize("fast", [True, False])
def test_a_body_without_length_is_read_up_to_the_limit(make_app: Any, fast: bool) -> None:
    """A chunked body (no Content-Length; the server says the input ends) is capped too:
    one past the limit is too large, one at the limit is read (and refused as JSON
    here, being nothing but brackets)."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.test import run_wsgi_app

    app = make_app(seed="agencies", API_FAST_PATH=fast)
    limit = app.config["MAX_CONTENT_LENGTH"]
    for size, expected in ((limit + 1, "413"), (400_000, "413"), (limit, "400"), (10, "400")):
        environ = EnvironBuilder(
            path=PATH, method="POST", data=b"[" * size, content_type="application/json"
        ).get_environ()
        del environ["CONTENT_LENGTH"]
        environ["wsgi.input_terminated"] = True
        _, status, _ = run_wsgi_app(app, environ, buffered=True)
        assert status.startswith(expected)
    assert count_rows(app, Response) == 0


def test_an_unexpected_failure_is_a_json_500_and_logged(
    make_app: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(seed="agencies", TESTING=False, PROPAGATE_EXCEPTIONS=False)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("collector.answers.fast_path.submit", broken)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().post(PATH, json=api_body())
    assert response.status_code == 500
    assert response.is_json and "disk on fire" not in response.get_data(as_text=True)
    assert "disk on fire" in caplog.text


def test_a_proxy_fix_around_the_app_still_comes_first(make_app: Any) -> None:
    app = make_app(seed="agencies", RATELIMIT_PUBLIC="1 per minute")
    assert isinstance(app.wsgi_app, SubmissionEndpoint)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    client = app.test_client()
    for address in ("203.0.113.1", "203.0.113.2"):
        response = client.post(PATH, json=api_body(), headers={"X-Forwarded-For": address})
        assert response.status_code == 201  # two clients behind one proxy, counted apart
