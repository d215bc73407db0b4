"""The core as a plugin: the ``/-/`` meta pages and the ``db`` and ``plugins`` commands."""

from __future__ import annotations

import click
from flask import Blueprint

from collector.core import commands
from collector.core import meta
from collector.core.hookspecs import hookimpl


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [meta.bp]


@hookimpl
def register_commands() -> list[click.Command]:
    return [commands.db, commands.plugins_command]
