"""The console feature as a plugin: the staff console's home page, and its panel of
failed background jobs (``collector.console.jobs_panel``)."""

from __future__ import annotations

from flask import Blueprint

from collector.console import views
from collector.console.jobs_panel import FailedJobsPanel
from collector.core.hookspecs import hookimpl


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]


@hookimpl
def register_console_panels() -> list[type]:
    return [FailedJobsPanel]
