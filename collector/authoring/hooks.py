"""The authoring feature as a plugin: its pages and its commands."""

from __future__ import annotations

import click
from flask import Blueprint

from collector.authoring import commands
from collector.authoring import views
from collector.core.hookspecs import hookimpl


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]


@hookimpl
def register_commands() -> list[click.Command]:
    return [commands.questionnaire, commands.check]
