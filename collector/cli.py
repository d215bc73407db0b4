"""The ``collector`` command: a Flask CLI group over the application factory.

Every other command comes from a plugin's (or a feature's) ``register_commands``;
``serve`` lives here because it starts the server that creates the apps, and
``new-plugin`` because it needs no app at all.

A plugin that cannot load does not break the command line: the app is made with
``PLUGINS_SKIP_FAILED``, so ``collector --help``, ``collector plugins`` (which lists
the failure) and the other diagnostic commands work, and every other command
(``serve`` first) refuses with the failure's one-paragraph explanation.
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup
from flask.cli import NoAppException
from flask.cli import ScriptInfo

from collector.app import create_app
from collector.core.plugins import PluginSet
from collector.core.plugins import get_plugins
from collector.core.registry import PluginConfigurationError
from collector.gunicorn_app import run
from collector.jobs.worker import start_beside_server
from collector.jobs.worker import stop_beside_server
from collector.scaffold.commands import new_plugin

DIAGNOSTIC = frozenset({"plugins", "check", "new-plugin"})
"""Commands that run even when a plugin failed to load: they help to find and fix it."""
HELP_ASKED = "collector.help_asked"


def failed_line(plugins: PluginSet) -> str | None:
    """The plugins that failed to load, on one line (``--help`` shows it), or None."""
    if not plugins.failed:
        return None
    names = "; ".join(failure.plugin.where() for failure in plugins.failed)
    return f"Left out, failed to load: {names}. `collector plugins` says why."


def _loaded_plugins(ctx: click.Context) -> PluginSet | None:
    """The app's plugins, or None when the app cannot be made (its error is shown)."""
    try:
        return get_plugins(ctx.ensure_object(ScriptInfo).load_app())
    except NoAppException:
        return None


class CollectorGroup(FlaskGroup):
    """Flask's command group; its ``--help`` ends with the plugins that failed to load."""

    def invoke(self, ctx: click.Context) -> Any:
        # Click empties ``ctx.args`` before the group's callback runs: note here whether
        # the command's own help is asked for (``collector export --help``).
        ctx.meta[HELP_ASKED] = bool(set(ctx.args) & set(ctx.help_option_names))
        return super().invoke(ctx)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help(ctx, formatter)
        plugins = _loaded_plugins(ctx)
        line = failed_line(plugins) if plugins is not None else None
        if line:
            formatter.write_paragraph()
            formatter.write(f"{line}\n")  # one line, not wrapped


def _create_app() -> Flask:
    # Commands decide themselves whether to migrate (``db`` commands must not).
    try:
        return create_app({"AUTO_MIGRATE": False, "PLUGINS_SKIP_FAILED": True})
    except PluginConfigurationError as exc:
        # Flask's command line prints this as one "Error:" line, not a traceback.
        raise NoAppException(f"collector cannot start: {exc}") from None


@click.group(cls=CollectorGroup, create_app=_create_app, add_default_commands=False)
@click.pass_context
def main(ctx: click.Context) -> None:
    """collector: public-service feedback platform."""
    command = ctx.invoked_subcommand
    if command is None or command == "new-plugin":
        return
    plugins = get_plugins(ctx.ensure_object(ScriptInfo).load_app())
    for warning in plugins.warnings:
        click.secho(f"Warning: {warning}", err=True, fg="yellow")
    if command in DIAGNOSTIC:
        return
    if ctx.meta.get(HELP_ASKED):
        # A command's --help works too: what is broken is said on one line first.
        line = failed_line(plugins)
        if line:
            click.secho(line, err=True, fg="yellow")
        return
    for failure in plugins.failed:
        click.secho(f"Error: {failure.message}", err=True, fg="red")
    if plugins.failed:
        click.echo(
            f"collector {command} refuses to run while a plugin fails to load; "
            "`collector plugins` lists every plugin.",
            err=True,
        )
        ctx.exit(1)


@click.command()
@click.option("--bind", default=None, help="host:port (default 127.0.0.1:5000).")
@click.option("--workers", type=int, default=None)
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
@click.pass_context
def serve(ctx: click.Context, bind: str | None, workers: int | None, dev: bool) -> None:
    """Run the web server (gunicorn with the recommended settings)."""
    if dev:
        host, _, port = (bind or "127.0.0.1:5000").partition(":")
        app = create_app()
        # With the reloader, only its first process starts the job worker.
        beside = None if os.environ.get("WERKZEUG_RUN_MAIN") else start_beside_server(app)
        try:
            app.run(host=host, port=int(port or 5000), debug=True)
        finally:
            stop_beside_server(beside)
        return
    run(bind=bind, workers=workers)


main.add_command(serve)
main.add_command(new_plugin)
