"""The core's commands (``collector db``, ``collector plugins``) and what other commands share:
getting the database ready and naming the command line in the audit log."""

from __future__ import annotations

import getpass
import json

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from collector.core import migrations
from collector.core.plugins import get_plugins
from collector.core.questionnaires import publish_registered


def prepare_database(app: Flask) -> None:
    """Migrate and publish questionnaires before a command that reads or writes data."""
    migrations.upgrade(app)
    publish_registered(app)


def cli_language(app: Flask, language: str | None) -> str:
    """A command's ``--language``: one of ``LANGUAGES``, the first of them (zh-Hant-TW)
    when not given; another value is a usage error naming the offered ones."""
    languages = list(app.config["LANGUAGES"])
    if language is None:
        return languages[0]
    if language not in languages:
        raise click.BadParameter(
            f"unknown language {language!r}; offered: {', '.join(languages)}",
            param_hint="'--language'",
        )
    return language


def cli_label() -> str:
    """Who acts from the command line, for the audit log: ``cli:<login name>``."""
    try:
        who = getpass.getuser()
    except Exception:
        who = "unknown"
    return f"cli:{who}"


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION and publish the registered questionnaires."""
    migrations.upgrade(current_app, revision)
    if revision == "head":
        versions = publish_registered(current_app)
        click.echo(f"Database at {migrations.current(current_app)}; questionnaires: {versions}")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (e.g. base)."""
    migrations.downgrade(current_app, revision)
    click.echo(f"Database at {migrations.current(current_app)}")


@db.command("current")
@with_appcontext
def db_current() -> None:
    """Show the applied migration."""
    click.echo(migrations.current(current_app) or "(empty database)")


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def plugins_command(as_json: bool) -> None:
    """List loaded plugins and what they register, and any that failed to load (exit 1)."""
    plugins = get_plugins()
    listing = plugins.describe()
    if as_json:
        click.echo(json.dumps(listing, ensure_ascii=False, indent=2))
    for plugin in [] if as_json else listing:
        click.echo(f"{plugin['name']} ({plugin['origin']}: {plugin['module']})")
        if "failed" in plugin:
            click.echo(f"  FAILED: {plugin['failed']}")
            continue
        for kind in (
            "question_types",
            "questionnaires",
            "exporters",
            "analyses",
            "blueprints",
            "commands",
        ):
            if plugin.get(kind):
                click.echo(f"  {kind.replace('_', ' ')}: {', '.join(plugin[kind])}")
        click.echo(f"  hooks: {', '.join(plugin['hooks'])}")
    if plugins.failed:
        # A script (or CI) learns that the installation is broken.
        raise SystemExit(1)
