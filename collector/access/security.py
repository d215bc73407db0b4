"""Protections every page gets: CSRF on forms and security headers on responses."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import request
from flask_wtf.csrf import CSRFProtect

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


def headers_for(endpoint: str | None) -> list[tuple[str, str]]:
    """The security headers a response from ``endpoint`` gets."""
    headers = list(HEADERS)
    if endpoint and not endpoint.startswith("static"):
        # Answers on a shared kiosk or phone must not come back from a cache.
        headers.append(("Cache-Control", "no-store"))
    return headers


def _headers(response: Response) -> Response:
    for name, value in headers_for(request.endpoint):
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.after_request(_headers)
