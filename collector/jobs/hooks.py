"""Background jobs as a plugin: the jobs pages and the ``worker`` and ``jobs`` commands."""

from __future__ import annotations

import click
from flask import Blueprint

from collector.core.hookspecs import hookimpl
from collector.jobs import commands
from collector.jobs import views


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]


@hookimpl
def register_commands() -> list[click.Command]:
    return [commands.worker, commands.jobs]
