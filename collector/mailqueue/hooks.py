"""The mail outbox as a plugin: its job kind (delivery, with the sweep that erases)."""

from __future__ import annotations

from collector.core.hookspecs import hookimpl
from collector.core.hooktypes import JobKind
from collector.mailqueue import outbox


@hookimpl
def register_job_kinds() -> list[JobKind]:
    return [outbox.DELIVER]
