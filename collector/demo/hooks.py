"""The demo as a plugin: the ``collector demo`` command."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from collector.core.commands import prepare_database
from collector.core.hookspecs import hookimpl
from collector.demo.complaints import seed_demo_cases
from collector.demo.responses import seed_demo
from collector.demo.staff import DEMO_PASSWORD
from collector.demo.staff import seed_demo_staff


@click.command()
@click.option("--seed", default=20261123, show_default=True, help="Random seed.")
@click.option("--months", default=24, show_default=True, help="How many months of history.")
@with_appcontext
def demo(seed: int, months: int) -> None:
    """Seed a demo ministry, two agencies, units, staff accounts and about two years of responses (once)."""
    prepare_database(current_app)
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


@hookimpl
def register_commands() -> list[click.Command]:
    return [demo]
