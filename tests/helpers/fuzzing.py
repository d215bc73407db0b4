"""Fuzzing the app in-process: schemathesis against an OpenAPI document, hypothesis on
forms. Few examples per operation or form (the suite stays fast), always the same ones
(``derandomize``: a failure found once is found again on every run), nothing written to
a ``.hypothesis`` folder.

Generators stay within valid Unicode and modest numbers, so :func:`hostile` puts into
each generated body, at a place hypothesis chooses, one of the values that were 500s
(a lone surrogate, an integer no column holds, a time out of range, deep nesting).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.checks import response_schema_conformance

from collector import create_app
from collector.answers.openapi import openapi_document
from tests.helpers.database import BASE_SETTINGS
from tests.helpers.database import dispose

CHECKS = [not_a_server_error, response_schema_conformance]
"""What every fuzzed answer must pass: no 5xx, and a status and body the document allows."""

FUZZ = settings(
    max_examples=10,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

HOSTILE_VALUES: list[Any] = [
    "\ud800",
    "x\udfff",
    "\udc00\ud800",
    2**31,
    2**63,
    -(2**63) - 1,
    10**400,
    1e308,
    -1e308,
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "1e400",
    "\x00",
    "",
]
"""Each was a 500 somewhere, or close to one."""


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


HOSTILE_TEXT = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01",
    "99999999999999999999999",
    "-99999999999999999999999",
    "1e400",
    "9" * 5000,
    "\x00",
    "\ufffd",
    "",
]
"""Hostile values a query string or a form can carry (no lone surrogate: those are not
UTF-8, so a URL or a form cannot spell them)."""


@st.composite
def hostile_fields(draw: st.DrawFn, fields: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """``fields`` (a query or a form) with one of ``names`` set to hostile text."""
    name = draw(st.sampled_from(names))
    return {**fields, name: draw(st.sampled_from(HOSTILE_TEXT))}


FORM_TEXT = st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_TEXT))
"""A form field's value as a person (or a script) could type it."""


@st.composite
def form_values(draw: st.DrawFn, names: list[str]) -> dict[str, Any]:
    """Some of the fields ``names``, each with text, hostile text or several values."""
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    return {
        name: draw(st.one_of(FORM_TEXT, st.lists(FORM_TEXT, min_size=2, max_size=3)))
        for name in chosen
    }


HOSTILE = st.one_of(st.sampled_from(HOSTILE_VALUES), st.just(_nested(64)), st.just({}))


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (the value itself included), as key paths."""
    places = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            places.extend(_places(child, (*path, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            places.extend(_places(child, (*path, index)))
    return places


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    return [*value[:head], _replaced(value[head], rest, new), *value[head + 1 :]]


@st.composite
def hostile(draw: st.DrawFn, body: Any) -> Any:
    """``body`` with one place (or a new key of an object) set to a hostile value."""
    places = _places(body)
    path = draw(st.sampled_from(places))
    new = draw(HOSTILE)
    target: Any = body
    for step in path:
        target = target[step]
    if isinstance(target, dict) and draw(st.booleans()):
        key = draw(st.sampled_from(["\ud800", *target] if target else ["\ud800"]))
        return _replaced(body, path, {**target, key: new})
    return _replaced(body, path, new)


@cache
def api_document() -> dict[str, Any]:
    """``/api/openapi.json`` of an app with the default plugins (it depends on nothing
    else), made once: schemathesis needs it when tests are collected."""
    app = create_app({**BASE_SETTINGS, "DATABASE_URL": "sqlite://", "AUTO_MIGRATE": False})
    try:
        return openapi_document(app)
    finally:
        dispose(app)


def api_schema() -> Any:
    """The OpenAPI document of /api/v1, for ``@schema.parametrize()``."""
    return _fuzzed(schemathesis.openapi.from_dict(api_document()))


def open311_schema(phases: tuple[str, ...] = ("examples", "fuzzing")) -> Any:
    """The Open311 routes (JSON), described in ``open311.yaml`` beside this module
    (``phases=("fuzzing",)`` for a test with strategies of its own: the document's
    examples cannot fill them)."""
    path = Path(__file__).with_name("open311.yaml")
    return _fuzzed(schemathesis.openapi.from_path(path), phases)


def _fuzzed(schema: Any, phases: tuple[str, ...] = ("examples", "fuzzing")) -> Any:
    # Hypothesis' examples only: the coverage phase sends a thousand boundary cases to
    # POST /api/v1/responses alone, minutes of the suite.
    schema.config.phases.update(phases=list(phases))
    return schema
