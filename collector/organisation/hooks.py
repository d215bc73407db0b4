"""The organisation feature as a plugin: the agency and unit pages."""

from __future__ import annotations

from flask import Blueprint

from collector.core.hookspecs import hookimpl
from collector.organisation import views


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]
