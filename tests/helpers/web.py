"""Talking to the app as a browser does: moved to :mod:`collector.testing.web` (shared with
plugin authors); re-exported here for the suite's imports."""

from __future__ import annotations

from collector.testing.web import Auth
from collector.testing.web import ErrorSummary
from collector.testing.web import client_as
from collector.testing.web import csrf_token
from collector.testing.web import element_ids
from collector.testing.web import error_summary
from collector.testing.web import form_data
from collector.testing.web import hidden
from collector.testing.web import logged_in
from collector.testing.web import login
from collector.testing.web import post_form
from collector.testing.web import who_may_open

__all__ = [
    "Auth",
    "ErrorSummary",
    "client_as",
    "csrf_token",
    "element_ids",
    "error_summary",
    "form_data",
    "hidden",
    "logged_in",
    "login",
    "post_form",
    "who_may_open",
]
