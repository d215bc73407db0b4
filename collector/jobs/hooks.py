"""Background jobs as a plugin: the jobs pages, the ``worker`` and ``jobs`` commands,
and the console's failed-jobs panel."""

from __future__ import annotations

import click
from flask import Blueprint

from collector.core.hookspecs import hookimpl
from collector.jobs import commands
from collector.jobs import views
from collector.jobs.panels import FailedJobsPanel


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]


@hookimpl
def register_commands() -> list[click.Command]:
    return [commands.worker, commands.jobs]


@hookimpl
def register_console_panels() -> list[type]:
    return [FailedJobsPanel]
