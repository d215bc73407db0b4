"""The improvement feature as a plugin: the improvement actions' pages."""

from __future__ import annotations

from flask import Blueprint

from collector.core.hookspecs import hookimpl
from collector.improvement import views


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]
