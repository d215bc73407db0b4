"""The margins feature as a plugin: its console pages."""

from __future__ import annotations

from flask import Blueprint

from collector.core.hookspecs import hookimpl
from collector.margins import views


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]
