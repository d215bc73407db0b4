"""A plugin that only listens to ``response_saved``: it keeps every ``SavedResponse`` it
is given, and fails the first call for each response while ``FAIL_FIRST`` is set (so a
test sees the handler fail, the submission stand, and the retry deliver the event)."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from collector import hookimpl
from collector.answers.outbox import KIND
from collector.answers.outbox import ResponseEvent
from collector.core.db import session_scope
from collector.core.models import Job
from collector.core.plugins import get_plugins

RECEIVED: list[Any] = []
ATTEMPTS: dict[int, int] = {}
FAIL_FIRST = {"on": False}


def reset(*, fail_first: bool = False) -> None:
    RECEIVED.clear()
    ATTEMPTS.clear()
    FAIL_FIRST["on"] = fail_first


@hookimpl
def response_saved(response: Any) -> None:
    ATTEMPTS[response.id] = ATTEMPTS.get(response.id, 0) + 1
    if FAIL_FIRST["on"] and ATTEMPTS[response.id] == 1:
        raise RuntimeError("a listener failing once must not lose the response")
    RECEIVED.append(response)


def entry_point() -> Any:
    """This module as an installed plugin's entry point (for ``PLUGINS_LOAD_ENTRY_POINTS``)."""
    return importlib.metadata.EntryPoint(
        name="listener", value="tests.helpers.event_plugin", group="collector"
    )


def jobs(app: Flask) -> list[Job]:
    """The ``response_saved`` jobs, oldest first."""
    with session_scope(app) as session:
        return list(session.execute(select(Job).where(Job.kind == KIND).order_by(Job.id)).scalars())


def pending_events(app: Flask) -> int:
    """Outbox rows not yet turned into jobs."""
    with session_scope(app) as session:
        return session.execute(select(func.count()).select_from(ResponseEvent)).scalar_one()


@contextmanager
def always_failing(app: Flask) -> Iterator[None]:
    """While inside: this plugin's handler in ``app`` raises on every call."""

    def broken(response: Any) -> None:
        raise RuntimeError("a listener that always fails")

    impl = next(
        i
        for i in get_plugins(app).hook.response_saved.get_hookimpls()
        if i.function is response_saved
    )
    impl.function = broken
    try:
        yield
    finally:
        impl.function = response_saved
