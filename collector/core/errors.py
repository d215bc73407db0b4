"""Errors as clear pages (or JSON under /api): never a bare 500, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from collector.core.i18n import pick_language, translate, use_language

log = logging.getLogger(__name__)

PAGES = {
    404: ("page_not_found", "page_not_found_body"),
    413: ("too_large", "too_large_body"),
    500: ("server_error", "server_error_body"),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/-/")


def _render(status: int, description: str | None = None) -> Any:
    if _wants_json():
        return jsonify(
            {"error": description or translate(PAGES.get(status, ("bad_request",))[0], "en")}
        ), status
    language = use_language(pick_language(["zh-Hant-TW", "en"], request.args.get("lang")))
    title_key, body_key = PAGES.get(status, ("bad_request", "bad_request_body"))
    return (
        render_template(
            "error.html", title=translate(title_key, language), body=translate(body_key, language)
        ),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        description = exc.description if _wants_json() and status not in (404, 500) else None
        if status == 413:
            description = "the request body is too large" if _wants_json() else None
        response = _render(status, description)
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            body, code = response
            body = app.make_response((body, code))
            body.headers["Allow"] = ", ".join(exc.valid_methods)
            return body
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return _render(400, "CSRF token missing or invalid")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)
