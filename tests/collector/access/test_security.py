"""Headers and cookies every response gets: security headers, HSTS and a ``__Host-``
Secure session cookie when the public address is https, and the client's address
from trusted proxies only when ``TRUSTED_PROXIES`` says how many there are."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

from collector.answers.fast_path import SubmissionEndpoint
from tests.helpers.web import Auth
from tests.helpers.web import logged_in

HTTPS = {"PUBLIC_BASE_URL": "https://survey.example.gov.tw"}


def session_cookie(response: Any) -> str:
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if "session=" in c]
    return cookie


def test_over_https_the_session_cookie_is_secure_host_only_and_hsts_is_sent(
    make_app: Any,
) -> None:
    app = make_app(seed="staff", **HTTPS)
    client = app.test_client()
    page = client.get("/staff/login", base_url="https://survey.example.gov.tw")
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    cookie = session_cookie(page)
    assert cookie.startswith("__Host-session=")
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "; Path=/" in cookie
    assert "Domain=" not in cookie
    # Logging in works over https with that cookie and without a Referer (the
    # Referrer-Policy is no-referrer: Flask-WTF's https Referer check would refuse it).
    assert client.get("/staff/login").request.scheme == "https"
    assert logged_in(Auth(client).login("admin@alpha.example.test"))


def test_over_http_no_hsts_and_the_usual_cookie(make_app: Any) -> None:
    app = make_app(seed="staff", PUBLIC_BASE_URL="http://127.0.0.1:8000")
    page = app.test_client().get("/staff/login")
    assert "Strict-Transport-Security" not in page.headers
    cookie = session_cookie(page)
    assert cookie.startswith("session=") and "Secure" not in cookie


def test_hsts_reaches_the_fast_path_too(make_app: Any) -> None:
    app = make_app(**HTTPS)
    response = app.test_client().post("/api/v1/responses", json={})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_max_age_is_a_setting_and_zero_turns_it_off(make_app: Any) -> None:
    app = make_app(HSTS_MAX_AGE=0, **HTTPS)
    assert "Strict-Transport-Security" not in app.test_client().get("/-/health").headers


def _address_app(app: Flask) -> Flask:
    app.add_url_rule("/_who", "who", lambda: f"{request.remote_addr} {request.scheme}")
    return app


def test_forwarded_headers_are_ignored_by_default(make_app: Any) -> None:
    app = _address_app(make_app())
    answer = app.test_client().get(
        "/_who",
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert answer.text == "10.0.0.2 http"


def test_trusted_proxies_give_the_client_address_to_every_layer(make_app: Any) -> None:
    app = _address_app(make_app(TRUSTED_PROXIES=1))
    assert isinstance(app.wsgi_app, ProxyFix)  # outermost: the fast path sees the fix too
    assert isinstance(app.wsgi_app.app, SubmissionEndpoint)
    answer = app.test_client().get(
        "/_who",
        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert answer.text == "203.0.113.9 https"  # one proxy: only its own entry is trusted
