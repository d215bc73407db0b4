"""The kinds of background work the app's plugins registered (``register_job_kinds``)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from collector.core.hooktypes import JobKind
from collector.core.plugins import PluginSet
from collector.core.registry import PluginConfigurationError
from collector.core.registry import Registry
from collector.core.registry import collect

EXTENSION = "collector.jobs.kinds"


def _check(raw: Any, owner: str) -> JobKind:
    if not isinstance(raw, JobKind):
        raise PluginConfigurationError(
            f"plugin {owner!r} registered {raw!r} as a job kind; expected a "
            "collector.core.hooktypes.JobKind"
        )
    if raw.retries < 0 or raw.retry_delay < 0 or raw.retry_backoff < 0:
        raise PluginConfigurationError(
            f"plugin {owner!r}: job kind {raw.name!r} has a negative retry setting"
        )
    return raw


def init_app(app: Flask, plugin_set: PluginSet) -> Registry[JobKind]:
    """Collect every plugin's job kinds (two of one name refuse to start)."""
    kinds = collect(plugin_set.manager, "register_job_kinds", "job kind", lambda k: k.name, _check)
    app.extensions[EXTENSION] = kinds
    return kinds


def get_kinds(app: Flask) -> Registry[JobKind]:
    kinds: Registry[JobKind] = app.extensions[EXTENSION]
    return kinds
