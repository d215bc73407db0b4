"""Where links that leave the site point: e-mails, API and Open311 answers, QR posters
and printed one-time links.

Never the request's Host header, which the client chooses (a complaint filed with
``Host: evil.example`` would otherwise make the agency's own mail server send a link
to that host): the ``PUBLIC_BASE_URL`` setting, checked when the app starts
(``collector.core.config``), else, in development and tests, ``DEVELOPMENT_BASE_URL``.
A production server refuses to start without the setting (docs/deployment.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask

DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
"""Where links point when ``PUBLIC_BASE_URL`` is not set: ``collector serve`` on this
machine. Only development, tests and the demo run without the setting."""


def check_base_url(value: Any) -> str | None:
    """``PUBLIC_BASE_URL`` as links use it (no trailing slash), None when unset; a
    ``ValueError`` saying what is wrong with a value that is not an http(s) address."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("it must be a text such as 'https://survey.example.gov.tw'")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"{value!r} is not an http(s) address such as 'https://survey.example.gov.tw'"
        )
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValueError(f"{value!r} has a query or a fragment: give the site's address only")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{value!r} holds a user name or password")
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def public_base(app: Flask) -> str:
    """The site's public address, without a trailing slash."""
    configured = app.config.get("PUBLIC_BASE_URL")
    return str(configured) if configured else DEVELOPMENT_BASE_URL


def is_https(app: Flask) -> bool:
    """True when the public address is https: cookies are then Secure and HSTS is sent."""
    return public_base(app).startswith("https://")


def external_url(app: Flask, endpoint: str, **values: Any) -> str:
    """The absolute public URL of ``endpoint``, built on the public address (a path
    in it, such as ``/survey``, prefixes every link), whatever the request said."""
    parts = urlsplit(public_base(app))
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)
