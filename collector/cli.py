"""The ``collector`` command: a Flask CLI group over the application factory."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from collector.plugins import PluginSet, get_plugins


def _create_app() -> Flask:
    from collector import create_app

    # Commands decide themselves whether to migrate (``db`` commands must not).
    return create_app({"AUTO_MIGRATE": False})


def _ready(app: Flask) -> None:
    """Migrate and publish questionnaires before a command that reads or writes data."""
    from collector import migrations
    from collector.questionnaires import publish_registered

    migrations.upgrade(app)
    publish_registered(app)


def _response_table(slug: str, agency_code: str | None) -> tuple[Any, list[int] | None]:
    """Responses to SLUG (of one agency when a code is given), or a usage error."""
    from collector.db import session_scope
    from collector.lookups import agency_by_code
    from collector.responses import load_table

    with session_scope(current_app) as session:
        agency_ids = None
        if agency_code:
            agency = agency_by_code(session, agency_code)
            if agency is None:
                raise click.BadParameter(f"no agency {agency_code!r}")
            agency_ids = [agency.id or 0]
        try:
            return load_table(session, get_plugins(), slug, agency_ids=agency_ids), agency_ids
        except LookupError as exc:
            raise click.BadParameter(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """collector: public-service feedback platform."""


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION and publish the registered questionnaires."""
    from collector import migrations
    from collector.questionnaires import publish_registered

    migrations.upgrade(current_app, revision)
    if revision == "head":
        versions = publish_registered(current_app)
        click.echo(f"Database at {migrations.current(current_app)}; questionnaires: {versions}")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (e.g. base)."""
    from collector import migrations

    migrations.downgrade(current_app, revision)
    click.echo(f"Database at {migrations.current(current_app)}")


@db.command("current")
@with_appcontext
def db_current() -> None:
    """Show the applied migration."""
    from collector import migrations

    click.echo(migrations.current(current_app) or "(empty database)")


@click.command()
@click.option("--seed", default=20261123, show_default=True, help="Random seed.")
@click.option("--months", default=24, show_default=True, help="How many months of history.")
@with_appcontext
def demo(seed: int, months: int) -> None:
    """Seed a demo ministry, two agencies, units, staff accounts and about two years of responses (once)."""
    from collector.demo import DEMO_PASSWORD, seed_demo, seed_demo_cases, seed_demo_staff

    _ready(current_app)
    summary = seed_demo(current_app, seed=seed, months=months)
    if summary is None:
        click.echo("Demo data is already there; nothing to do.")
    else:
        click.echo(
            f"Seeded {summary['agencies']} agencies, {summary['units']} units and "
            f"{summary['responses']} responses in {summary['seconds']:.1f} s."
        )
    accounts = seed_demo_staff(current_app)
    click.echo(f"Demo staff accounts at /staff/login (password for all: {DEMO_PASSWORD}):")
    for email, role, agency_code in accounts:
        click.echo(f"  {email:32} {role:15} {agency_code or ''}")
    complaints = seed_demo_cases(current_app, seed=seed)
    if complaints.made:
        click.echo(f"Seeded {complaints.made} demo complaint cases (/staff/cases).")
    if complaints.sample:
        number, password = complaints.sample
        click.echo(f"Follow a demo case at /complaints/follow: {number}, password {password}")


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def plugins_command(as_json: bool) -> None:
    """List loaded plugins and what they register."""
    listing = get_plugins().describe()
    if as_json:
        click.echo(json.dumps(listing, ensure_ascii=False, indent=2))
        return
    for plugin in listing:
        click.echo(f"{plugin['name']} ({plugin['origin']}: {plugin['module']})")
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


@click.command()
@click.argument("slug")
@click.option("--format", "fmt", default="csv", show_default=True, help="Exporter name.")
@click.option("--agency", "agency_code", default=None, help="Only this agency's responses.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-")
@with_appcontext
def export(slug: str, fmt: str, agency_code: str | None, output: str) -> None:
    """Export every response to questionnaire SLUG with a registered exporter."""
    plugins = get_plugins()
    if fmt not in plugins.exporters:
        raise click.BadParameter(f"unknown exporter; registered: {sorted(plugins.exporters)}")
    _ready(current_app)
    table, agency_ids = _response_table(slug, agency_code)
    data = plugins.exporters[fmt]().export(table)
    from collector import audit
    from collector.accounts import cli_label

    audit.log(
        "responses.export",
        app=current_app,
        actor_label=cli_label(),
        agency_id=agency_ids[0] if agency_ids else None,
        target=slug,
        detail={"format": fmt, "responses": len(table.frame), "via": "command line"},
    )
    if output == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(output, "wb") as fh:
            fh.write(data)
        click.echo(f"Wrote {len(table.frame)} responses to {output}", err=True)


@click.command()
@click.argument("slug")
@click.option("--analysis", "name", default=None, help="Run only this analysis.")
@click.option("--agency", "agency_code", default=None, help="Only this agency's responses.")
@with_appcontext
def analyse(slug: str, name: str | None, agency_code: str | None) -> None:
    """Run the registered analyses on questionnaire SLUG and print JSON."""
    plugins = get_plugins()
    _ready(current_app)
    table, _ = _response_table(slug, agency_code)
    results: dict[str, Any] = {}
    for analysis_name, cls in plugins.analyses.items.items():
        if name and analysis_name != name:
            continue
        analysis = cls()
        if analysis.applies_to(table.questionnaire):
            results[analysis_name] = analysis.run(table)
    if name and name not in results:
        raise click.BadParameter(f"analysis {name!r} is unknown or does not apply to {slug!r}")
    click.echo(json.dumps(results, ensure_ascii=False, indent=2, default=str))


@click.command()
@click.option("--bind", default=None, help="host:port (default 127.0.0.1:5000).")
@click.option("--workers", type=int, default=None)
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
@click.pass_context
def serve(ctx: click.Context, bind: str | None, workers: int | None, dev: bool) -> None:
    """Run the web server (gunicorn with the recommended settings)."""
    if dev:
        from collector import create_app

        host, _, port = (bind or "127.0.0.1:5000").partition(":")
        create_app().run(host=host, port=int(port or 5000), debug=True)
        return
    from collector.gunicorn_app import run

    run(bind=bind, workers=workers)


CORE_COMMANDS = [db, demo, plugins_command, export, analyse, serve]


def init_app(app: Flask, plugin_set: PluginSet) -> None:
    """Add the core's and the plugins' commands to ``app.cli`` (so ``collector`` lists them)."""
    from collector.accounts import COMMANDS as ACCOUNT_COMMANDS
    from collector.complaints.remind import COMMANDS as COMPLAINT_COMMANDS
    from collector.registry import PluginConfigurationError

    for command in [*CORE_COMMANDS, *ACCOUNT_COMMANDS, *COMPLAINT_COMMANDS]:
        app.cli.add_command(command)
    for name, command in plugin_set.commands.items.items():
        if name in app.cli.commands:
            raise PluginConfigurationError(
                f"command {name!r} of plugin {plugin_set.commands.owners[name]!r} clashes with "
                "a core command"
            )
        app.cli.add_command(command)
