"""Rate limits on public endpoints and on log-in, in a store every worker shares.

Counters live where ``RATELIMIT_STORAGE_URI`` says:

- unset (the default): the database when the app runs on PostgreSQL (the shipped
  server settings run two workers there), memory on SQLite (one worker); the
  server settings switch to the database whenever they start more than one worker
  (``collector.serving.post_fork``), so a limit never doubles with the workers;
- ``"database"``: the app's database (``collector.access.limitstore``), shared by
  every worker and host on it;
- a Redis URL (``redis://host:6379/0``, needs the ``redis`` package:
  ``pip install -e '.[redis]'``), shared too and lighter on the database;
- ``"memory://"``: per process, for one worker only.

Limits use the ``limits`` notation (``"600 per minute"``) and its sliding-window
counter, which every one of these stores keeps atomically (one request more than
the limit is refused however many arrive at once).

Keys: a citizen's request is keyed by :func:`client_key`, the client address (an
IPv6 address by its /64 network, :func:`client_address`);
many kiosks may sit behind one address, so a request that the kiosk feature has
authenticated as a kiosk (through :func:`identify_kiosks_with`, or by setting
``g.kiosk_id`` before the check) is keyed by that kiosk instead, and the
per-address limit stays generous enough for a mobile carrier's shared addresses.
Behind a reverse proxy, make ``request.remote_addr`` the client's address
(``TRUSTED_PROXIES``, docs/deployment.md), or every citizen shares the proxy's
budget. Failed log-ins and case-password guesses are answered with a back-off in
the database (``collector.access.backoff``), not here.

When the store fails (Redis down), requests are let through and the failure is
logged: the survey stays available and the back-off after failed log-ins still holds.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask import Request
from flask import current_app
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from limits import RateLimitItem
from limits import parse
from limits.storage import Storage
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from werkzeug.exceptions import TooManyRequests

from collector.access.limitstore import DatabaseStorage
from collector.core.db import get_engine
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.i18n import use_language

log = logging.getLogger(__name__)

PUBLIC_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "survey.answer": ("POST",),
    "api.create_response": ("POST",),
}
"""Endpoints outside the core's own decorators that get ``RATELIMIT_PUBLIC``."""


def identify_kiosks_with(app: Flask, identify: Callable[[Request], str | None]) -> None:
    """Let the kiosk feature say which kiosk sent a request.

    ``identify(request)`` must *authenticate* the kiosk (a device token it issued,
    not a client-chosen header, or anyone could pick a fresh key per request) and
    return its id, or None for a request that is not from a kiosk.
    """
    app.extensions["collector.kiosk_identifier"] = identify


def client_key() -> str:
    """Who a public request counts against: the kiosk when known, else the address."""
    return client_key_for(current_app, request, g.get("kiosk_id"))


def client_key_for(app: Flask, req: Request, kiosk: str | None = None) -> str:
    """:func:`client_key` for a request that has no request context around it."""
    identify = app.extensions.get("collector.kiosk_identifier")
    if kiosk is None and identify is not None:
        kiosk = identify(req)
    if kiosk is not None:
        return f"kiosk:{kiosk}"
    return f"addr:{client_address(req)}"


def client_address(req: Request) -> str:
    """The address a client is counted by: its IPv4 address, or the /64 network of its IPv6
    address (one subscriber's, who can use any of its 2**64 addresses)."""
    address = req.remote_addr or "-"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def address_key() -> str:
    return f"addr:{client_address(request)}"


DATABASE = "database"
"""``RATELIMIT_STORAGE_URI`` for the app's own database."""


def store_uri(app: Flask) -> str:
    """Where the app's counters live: the setting, or the default for its database."""
    uri = app.config.get("RATELIMIT_STORAGE_URI")
    if uri:
        return str(uri)
    return "memory://" if app.config["DATABASE_URL"].startswith("sqlite") else DATABASE


class RateLimiter:
    """The app's limiter; the store is opened on first use (after gunicorn forks)."""

    def __init__(self, app: Flask) -> None:
        self.enabled = bool(app.config["RATELIMIT_ENABLED"])
        self.uri = store_uri(app)
        self.chosen = bool(app.config.get("RATELIMIT_STORAGE_URI"))
        self.app = app
        self._limiter: SlidingWindowCounterRateLimiter | None = None

    @property
    def limiter(self) -> SlidingWindowCounterRateLimiter:
        if self._limiter is None:
            self._limiter = SlidingWindowCounterRateLimiter(self._open())
        return self._limiter

    def _open(self) -> Storage:
        if self.uri == DATABASE:
            return DatabaseStorage(get_engine(self.app))
        storage = storage_from_string(self.uri)
        if not isinstance(storage, Storage):
            raise ValueError(f"RATELIMIT_STORAGE_URI {self.uri!r} is an asynchronous store")
        return storage

    @property
    def shared(self) -> bool:
        """Whether every process sees the same counters."""
        return not self.uri.startswith("memory://")

    def share(self, workers: int) -> None:
        """``workers`` processes serve the app: keep counters in the database unless the
        settings chose a store (then warn when that store is per process)."""
        if workers <= 1 or self.shared:
            return
        if self.chosen:
            log.warning(
                "RATELIMIT_STORAGE_URI is %s but %d workers run: each counts alone, so "
                "every limit is %d times as high",
                self.uri,
                workers,
                workers,
            )
            return
        self.uri = DATABASE
        self._limiter = None

    def hit(self, limit: str | RateLimitItem, *key: str) -> bool:
        """Count one event; False when the limit is exceeded."""
        if not self.enabled:
            return True
        item = parse(limit) if isinstance(limit, str) else limit
        try:
            return self.limiter.hit(item, *key)
        except Exception:  # the store is down: stay available
            log.exception("rate limit store failed; letting the request through")
            return True

    def test(self, limit: str | RateLimitItem, *key: str) -> bool:
        """Would one more event still be within the limit? (Counts nothing.)"""
        if not self.enabled:
            return True
        item = parse(limit) if isinstance(limit, str) else limit
        try:
            return self.limiter.test(item, *key)
        except Exception:
            log.exception("rate limit store failed; letting the request through")
            return True

    def retry_after(self, limit: str, *key: str) -> int:
        try:
            stats = self.limiter.get_window_stats(parse(limit), *key)
            return max(1, math.ceil(stats.reset_time - time.time()))
        except Exception:
            return 60


def get_limiter(app: Flask | None = None) -> RateLimiter:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    return app.extensions["collector.access.ratelimit"]


def limit(
    config_key: str, methods: tuple[str, ...] = ("POST",), key: Callable[[], str] = client_key
) -> Callable[[Any], Any]:
    """Decorate a view: at most ``app.config[config_key]`` requests per ``key()``."""

    def decorate(view: Any) -> Any:
        rules = [*getattr(view, "_collector_limits", []), (config_key, methods, key)]
        view._collector_limits = rules
        return view

    return decorate


def rules_for(app: Flask, endpoint: str) -> list[tuple[str, tuple[str, ...], Callable[[], str]]]:
    """The limits on ``endpoint``: (config key, methods, key function) each."""
    view = app.view_functions.get(endpoint)
    rules = list(getattr(view, "_collector_limits", []))
    if endpoint in PUBLIC_ENDPOINTS:
        rules.append(("RATELIMIT_PUBLIC", PUBLIC_ENDPOINTS[endpoint], client_key))
    return rules


def _check() -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    limiter = get_limiter(app)
    if not limiter.enabled or request.endpoint is None:
        return
    for config_key, methods, key in rules_for(app, request.endpoint):
        if request.method not in methods:
            continue
        value = app.config[config_key]
        identity = key()
        if not limiter.hit(value, config_key, identity):
            raise TooManyRequests(retry_after=limiter.retry_after(value, config_key, identity))


def _too_many(exc: TooManyRequests) -> Any:
    retry = getattr(exc, "retry_after", None)
    if request.path.startswith("/api/") or request.path.startswith("/-/"):
        response = jsonify({"error": "too many requests; try again later"})
    else:
        language = use_language(pick_language(current_app.config["LANGUAGES"], None))
        response = current_app.make_response(
            render_template(
                "error.html",
                title=translator(language).gettext("Too many requests"),
                body=translator(language).gettext("Please wait a moment and try again."),
            )
        )
    response.status_code = 429
    if isinstance(retry, int):
        response.headers["Retry-After"] = str(retry)
    return response


def init_app(app: Flask) -> None:
    app.extensions["collector.access.ratelimit"] = RateLimiter(app)
    app.before_request(_check)
    app.register_error_handler(TooManyRequests, _too_many)
