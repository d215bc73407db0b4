"""The staff-survey feature as a plugin: its console pages and the one-time answer links."""

from __future__ import annotations

from flask import Blueprint

from collector.core.hookspecs import hookimpl
from collector.staff_survey import views


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp, views.answer_bp]
