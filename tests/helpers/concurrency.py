"""Doing things at once: calls released together from their own threads, and a spy that
counts the calls of a function (the checks that a limit lets through)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import pytest

T = TypeVar("T")


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run each call in its own thread, all released at the same moment; their results
    (in the order they finished)."""
    start = threading.Barrier(len(calls))
    results: list[T] = []

    def run(call: Callable[[], T]) -> None:
        start.wait()
        results.append(call())

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[tuple[Any, ...]]:
    """Replace ``owner.name`` with a spy that records each call's arguments, then calls it."""
    original = getattr(owner, name)
    calls: list[tuple[Any, ...]] = []

    def spy(*args: Any) -> Any:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(owner, name, spy)
    return calls
