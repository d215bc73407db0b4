"""Protections every page gets: CSRF on forms, security headers on responses (HSTS when
the public address is https), and the client's address from trusted proxies only."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from collector.core.links import is_https

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def headers_for(endpoint: str | None, app: Flask) -> list[tuple[str, str]]:
    """The security headers a response from ``endpoint`` of ``app`` gets."""
    headers = list(HEADERS)
    max_age = app.config["HSTS_MAX_AGE"]
    if is_https(app) and max_age:
        headers.append(("Strict-Transport-Security", f"max-age={max_age}"))
    if endpoint and not endpoint.startswith("static"):
        # Answers on a shared kiosk or phone must not come back from a cache.
        headers.append(("Cache-Control", "no-store"))
    return headers


def _headers(response: Response) -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    for name, value in headers_for(request.endpoint, app):
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.after_request(_headers)


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address and scheme
    from the X-Forwarded-For and X-Forwarded-Proto entries they add (werkzeug's
    ProxyFix), so rate limits and the audit log see the client. Never by default: a
    client could otherwise claim any address. X-Forwarded-Host is not trusted (links
    come from ``PUBLIC_BASE_URL``)."""
    count = app.config["TRUSTED_PROXIES"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]  # WSGI middleware, as Flask documents it
