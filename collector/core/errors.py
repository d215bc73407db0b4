"""Errors as clear pages (or JSON under /api): never a bare 500, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import ServiceUnavailable

from collector.core.db import is_outage
from collector.core.i18n import lazy_gettext
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.i18n import use_language

log = logging.getLogger(__name__)

PAGES = {
    404: (
        lazy_gettext("Page not found"),
        lazy_gettext("The address may be wrong, or this survey is no longer open."),
    ),
    413: (
        lazy_gettext("Too much data was sent"),
        lazy_gettext("Please shorten your text and try again."),
    ),
    503: (
        lazy_gettext("The service is busy for a moment"),
        lazy_gettext(
            "Please wait a few seconds and send it again. Until you see a receipt number, "
            "what you sent has not been recorded."
        ),
    ),
    500: (
        lazy_gettext("Something went wrong on our side"),
        lazy_gettext(
            "Nothing was recorded unless you saw a receipt number. Please try again later."
        ),
    ),
}
"""Title and text of the error page per status; any other status is a bad request."""
BAD_REQUEST = (
    lazy_gettext("This request could not be handled"),
    lazy_gettext("Please go back, reload the page and try again."),
)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/-/")


def _render(status: int, description: str | None = None) -> Any:
    if _wants_json():
        return jsonify(
            {"error": description or translator("en").render(PAGES.get(status, BAD_REQUEST)[0])}
        ), status
    language = use_language(
        pick_language(current_app.config["LANGUAGES"], request.args.get("lang"))
    )
    title, body = PAGES.get(status, BAD_REQUEST)
    text = translator(language)
    return render_template("error.html", title=text.render(title), body=text.render(body)), status


UNAVAILABLE = "the database is unavailable for a moment; retry with the same Idempotency-Key"
"""The English message of a 503 (an API client reads it; people get the page)."""


class DatabaseUnavailable(ServiceUnavailable):
    """503: the database cannot be reached now (see :func:`collector.core.db.is_outage`)."""

    description = UNAVAILABLE


def unavailable(app: Flask) -> DatabaseUnavailable:
    return DatabaseUnavailable(retry_after=app.config["RETRY_AFTER_SECONDS"])


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        description = exc.description if _wants_json() and status not in (404, 500) else None
        if status == 413:
            description = "the request body is too large" if _wants_json() else None
        body, code = _render(status, description)
        response = app.make_response((body, code))
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        retry = getattr(exc, "retry_after", None)
        if status == 503 and isinstance(retry, int):
            response.headers["Retry-After"] = str(retry)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return _render(400, "CSRF token missing or invalid")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        if is_outage(exc):
            cause = getattr(exc, "orig", None) or exc
            log.error("database unavailable on %s %s: %s", request.method, request.path, cause)
            # As an HTTP error, so that a blueprint's own format (Open311's) answers it.
            return app.handle_http_exception(unavailable(app))
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)
