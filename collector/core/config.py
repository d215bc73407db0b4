"""Configuration defaults and where overrides come from.

Order (later wins): these defaults, ``instance/config.py``, ``COLLECTOR_*``
environment variables (values parsed as JSON when they are JSON), the test config.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from collector.core import links

DEFAULTS: dict[str, Any] = {
    # Database: None means a SQLite file in the instance folder.
    "DATABASE_URL": None,
    "DATABASE_ECHO": False,
    # SQLite: how long a write waits for another's lock before the request is answered
    # 503 (Retry-After) instead.
    "SQLITE_BUSY_TIMEOUT_MS": 10_000,
    # Seconds a client is asked to wait (Retry-After) when the database is unavailable.
    "RETRY_AFTER_SECONDS": 5,
    # Apply migrations and publish registered questionnaires when the app starts.
    "AUTO_MIGRATE": True,
    # Plugins: bundled ones load unless disabled; an allow-list, when set, restricts
    # every non-essential plugin (bundled and entry points) to the names it lists.
    "PLUGINS_DISABLED": [],
    "PLUGINS_ALLOWLIST": None,
    "PLUGINS_LOAD_ENTRY_POINTS": True,
    # A plugin that cannot load refuses start-up (False), or is left out and listed as
    # failed (True: what the command line's diagnostic commands use, `collector plugins`).
    "PLUGINS_SKIP_FAILED": False,
    # Plugin objects (modules, or (name, object) pairs) registered as they are, after the
    # entry points: how collector.testing's collector_app loads the plugin under test.
    "PLUGINS_EXTRA": [],
    # Request limits: survey answers are small; anything larger is refused early.
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "MAX_FORM_MEMORY_SIZE": 256 * 1024,
    "MAX_FORM_PARTS": 2000,
    # Languages citizens' pages speak, first is the default (plugins' languages are
    # added at start-up); staff pages speak only STAFF_LANGUAGES (docs/translations.md).
    "LANGUAGES": ["zh-Hant-TW", "en", "vi", "id", "th"],
    "STAFF_LANGUAGES": ["zh-Hant-TW", "en"],
    "TIMEZONE": "Asia/Taipei",
    "WTF_CSRF_TIME_LIMIT": 4 * 3600,
    # No Referer check on https: "Referrer-Policy: no-referrer" means browsers send none,
    # so every form would fail; the token, SameSite and the "__Host-" cookie (which no
    # other host can set) do that check's job.
    "WTF_CSRF_SSL_STRICT": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Staff accounts and sessions (collector.access.auth). Argon2id parameters: argon2-cffi's
    # defaults (RFC 9106 low-memory profile); tests pass cheaper ones.
    "PASSWORD_HASH": {"time_cost": 3, "memory_cost": 65536, "parallelism": 4},
    "PASSWORD_MIN_LENGTH": 12,
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_HOURS": 12,
    # Failed log-ins (collector.access.backoff): no lock-out. Per account and address, and per
    # address on every account: ``free`` failures, then each one makes the next attempt wait,
    # ``first_seconds`` and twice as long each time up to ``longest_minutes``; failures are
    # forgotten ``forget_hours`` after the last one (per account and address: also on success).
    "LOGIN_BACKOFF": {"free": 5, "first_seconds": 30, "longest_minutes": 15, "forget_hours": 24},
    "LOGIN_ADDRESS_BACKOFF": {
        "free": 50,
        "first_seconds": 30,
        "longest_minutes": 15,
        "forget_hours": 1,
    },
    # Rate limits (collector.access.ratelimit): RATELIMIT_STORAGE_URI None keeps counters in the
    # database on PostgreSQL and in memory on SQLite (one worker; more workers: the database);
    # or "database", a Redis URL (pip install -e '.[redis]'), "memory://". Limits in the
    # ``limits`` notation.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": None,
    "RATELIMIT_PUBLIC": "600 per minute",
    "RATELIMIT_LOGIN": "30 per minute",
    # Group commits: concurrent submissions in one process share one transaction.
    "WRITER_BATCH_MAX": 64,
    "WRITER_ENABLED": True,
    # POST /api/v1/responses answered in front of Flask (collector.answers.fast_path); False
    # leaves it to the Flask view, which answers the same.
    "API_FAST_PATH": True,
    # E-mail (collector.core.mail): "outbox" files messages under instance/outbox (development,
    # tests); "smtp" sends them. Requests store messages in the mail outbox table and a job
    # sends them (collector.mailqueue); MAIL_RETENTION_DAYS after a message was sent (or
    # failed) its address, subject and text are erased.
    "MAIL_BACKEND": "outbox",
    "MAIL_OUTBOX_DIR": None,
    "MAIL_FROM": "no-reply@collector.invalid",
    "MAIL_SMTP_HOST": "localhost",
    "MAIL_SMTP_PORT": 587,
    "MAIL_SMTP_USER": None,
    "MAIL_SMTP_PASSWORD": None,
    "MAIL_SMTP_STARTTLS": True,
    "MAIL_SMTP_TIMEOUT": 30,
    "MAIL_RETENTION_DAYS": 7,
    # The site's public address (e.g. "https://survey.example.gov.tw"): every link in
    # e-mails, API and Open311 answers and QR posters (collector.core.links), never the
    # request's Host. None: http://127.0.0.1:5000 (development, tests, the demo); a
    # production server refuses to start without it. An https address makes the session
    # cookie Secure and "__Host-" and sends HSTS for HSTS_MAX_AGE seconds (0: not sent).
    "PUBLIC_BASE_URL": None,
    "HSTS_MAX_AGE": 365 * 24 * 3600,
    # Reverse proxies in front of the app that set X-Forwarded-For and X-Forwarded-Proto
    # (werkzeug's ProxyFix trusts that many entries); 0: the headers are ignored.
    "TRUSTED_PROXIES": 0,
    # Complaints (collector.complaints): years a closed case is kept by retention class
    # (None: permanently; 檔案法), the longest single extension, attachments.
    "COMPLAINT_RETENTION_YEARS": {"short": 3, "standard": 5, "long": 15, "permanent": None},
    "COMPLAINT_MAX_EXTENSION_DAYS": 60,
    "COMPLAINT_TODAY": None,  # pin "today" (YYYY-MM-DD) for demonstrations and tests
    "COMPLAINT_FOLLOWUP_DAYS": 60,  # how long a handling-satisfaction link works
    # The Open311 GeoReport v2 facade (docs/complaints-followup.md): API keys that may
    # file requests (empty: anyone may, rate-limited), and the discovery document's texts.
    "OPEN311_API_KEYS": [],
    "OPEN311_CONTACT": "",
    "OPEN311_KEY_SERVICE": "",
    # What strangers can make the complaint channels do (collector.complaints.throttles):
    # complaints filed per client address (or kiosk) on the form, the JSON API and Open311,
    # and per Open311 API key; acknowledgements e-mailed to one address.
    "COMPLAINT_FILINGS_PER_CLIENT": "20 per hour",
    "COMPLAINT_FILINGS_PER_API_KEY": "1000 per hour",
    "COMPLAINT_ACKNOWLEDGEMENTS_PER_ADDRESS": "10 per day",
    # Wrong case number or password (the form and GET /api/v1/complaints/<number>), backing off
    # as LOGIN_BACKOFF does: per address and case number, per address on every case number, and
    # per case number from anywhere (the e-mailed follow link is never held back).
    "COMPLAINT_FOLLOW_BACKOFF": {
        "free": 5,
        "first_seconds": 30,
        "longest_minutes": 15,
        "forget_hours": 24,
    },
    "COMPLAINT_FOLLOW_ADDRESS_BACKOFF": {
        "free": 20,
        "first_seconds": 30,
        "longest_minutes": 15,
        "forget_hours": 1,
    },
    "COMPLAINT_FOLLOW_CASE_BACKOFF": {
        "free": 50,
        "first_seconds": 60,
        "longest_minutes": 15,
        "forget_hours": 24,
    },
    # Background jobs (collector.jobs, docs/jobs.md). QUEUE_URL chooses the task queue:
    # None is a SQLite file beside the app's SQLite database (or in the instance folder),
    # "sqlite:///path" another file, "redis://host:6379/N" Redis (pip install -e '.[redis]')
    # for workers on other machines. QUEUE_NAME tells apart queues sharing one Redis.
    # JOBS_RESULTS_DIR (None: beside the queue file, or instance/jobs) holds result files:
    # workers elsewhere need it shared. A worker holds a job for JOBS_LEASE_SECONDS,
    # renewed while it lives; a job whose lease ran out is queued again (checked every
    # JOBS_SWEEP_SECONDS). JOBS_WORKER_BESIDE_SERVER: whether `collector serve` starts a
    # worker (None: on the SQLite queue only).
    "QUEUE_URL": None,
    "QUEUE_NAME": "collector",
    "JOBS_RESULTS_DIR": None,
    "JOBS_LEASE_SECONDS": 60,
    "JOBS_SWEEP_SECONDS": 15,
    "JOBS_WORKER_THREADS": 2,
    "JOBS_WORKER_BESIDE_SERVER": None,
    # Complaint deadline reminders (collector.complaints.remind): the worker queues
    # them once a day from this local hour on; None leaves them to a cron job running
    # `collector complaints remind`.
    "COMPLAINTS_REMINDERS_HOUR": 8,
    # Response exports with more rows than this run on the queue (a job page, then a
    # download); smaller ones are answered at once.
    "EXPORT_BACKGROUND_ROWS": 5000,
    # Drawn results charts (SVG and PNG) are kept in RESULTS_CHARTS_DIR (None: instance/charts)
    # by the digest of their data, so that no process draws a chart another one drew.
    # Safe to empty at any time; several servers may share it. The worker deletes, once
    # a day, the charts no page has read for RESULTS_CHARTS_KEEP_DAYS (None: never).
    "RESULTS_CHARTS_DIR": None,
    "RESULTS_CHARTS_KEEP_DAYS": 30,
    # The public complaint pages' own settings (attachments, following) are in
    # collector.complaints.views.public.DEFAULTS.
}


class ConfigurationError(RuntimeError):
    """A setting the app cannot start with; the message says which and what to do."""


def _secret_key(instance: Path) -> str:
    """A random key kept in the instance folder, made once, readable by the owner only."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` from every source in order."""
    app.config.from_mapping(DEFAULTS)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("COLLECTOR")
    if test_config:
        app.config.from_mapping(test_config)
    for key in ("PLUGINS_DISABLED", "PLUGINS_ALLOWLIST"):
        value = app.config.get(key)
        if isinstance(value, str):
            app.config[key] = [v.strip() for v in value.split(",") if v.strip()]
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'collector.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    _public_address(app)
    for key in ("TRUSTED_PROXIES", "HSTS_MAX_AGE"):
        value = app.config.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigurationError(f"{key} must be a whole number, 0 or more (it is {value!r})")


def _public_address(app: Flask) -> None:
    """Check ``PUBLIC_BASE_URL``; an https address makes the session cookie Secure and
    host-only (the ``__Host-`` prefix needs both, and the path ``/``)."""
    try:
        base = links.check_base_url(app.config.get("PUBLIC_BASE_URL"))
    except ValueError as exc:
        raise ConfigurationError(f"PUBLIC_BASE_URL: {exc}") from None
    app.config["PUBLIC_BASE_URL"] = base
    app.config["PREFERRED_URL_SCHEME"] = "https" if links.is_https(app) else "http"
    if links.is_https(app):
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-session",
            SESSION_COOKIE_PATH="/",
            SESSION_COOKIE_DOMAIN=None,
        )


def check_production(app: Flask) -> None:
    """What a production server (``wsgi.py``; ``collector serve`` on a public address)
    cannot start without: the public address that links point to."""
    if not app.config.get("PUBLIC_BASE_URL"):
        raise ConfigurationError(
            "PUBLIC_BASE_URL is not set: links in e-mails, API answers and QR posters need "
            "the site's public address, and are never taken from the request. Set it in "
            'instance/config.py (PUBLIC_BASE_URL = "https://survey.example.gov.tw") or in '
            "the environment (COLLECTOR_PUBLIC_BASE_URL=https://survey.example.gov.tw); "
            "see docs/deployment.md."
        )
