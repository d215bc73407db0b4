"""The error summary at the top of a refused staff form, from the fields that show errors.

A field's macro (``staff/_fields.html``'s ``row``) reports its errors with
``{% do report_error(field.errors, field.id, label) %}`` as the page renders; a
message tied to no field is reported without a target. ``base.html`` renders the
page's ``main`` block before anything else, so the staff layout can then put every
report in one summary at the top of the page and in the page title
(``staff/_error_summary.html``): the label the person sees, the message, a link to
the field. ``static/error_summary.js`` moves the focus to it; without scripts it is
the first thing in ``main``, where the skip link leads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask
from flask import g

from collector.core.i18n import LazyText


@dataclass(frozen=True)
class Problem:
    """One entry of the summary: the message, and the id and label of the control it
    belongs to (a link to it), when it belongs to one."""

    message: str
    target: str | None = None
    label: str | None = None


def report_error(
    messages: str | LazyText | Iterable[str] | None,
    target: str | None = None,
    label: str | None = None,
) -> str:
    """Add one entry (the messages, joined) to this request's summary; returns "" so a
    template may also write ``{{ report_error(...) }}``."""
    if not messages:
        return ""
    if isinstance(messages, str | LazyText):
        text = str(messages)
    else:
        text = " ".join(str(m) for m in messages)
    if not text:
        return ""
    problems: list[Problem] = g.setdefault("error_summary", [])
    problem = Problem(text, target or None, str(label) if label else None)
    if problem not in problems:
        problems.append(problem)
    return ""


def reported_errors() -> list[Problem]:
    """Every entry reported so far in this request, in page order."""
    return list(g.get("error_summary", []))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(report_error=report_error, reported_errors=reported_errors)
