"""The comparison feature as a plugin: the agencies-compared page."""

from __future__ import annotations

from flask import Blueprint

from collector.comparison import views
from collector.core.hookspecs import hookimpl


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]
