"""The console feature as a plugin: the staff console's home page."""

from __future__ import annotations

from flask import Blueprint

from collector.console import views
from collector.core.hookspecs import hookimpl


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]
