"""``collector export`` and ``collector analyse``: responses through registered exporters
and analyses, from the command line."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import col

from collector.access import audit
from collector.core import clock
from collector.core.commands import cli_label
from collector.core.commands import cli_language
from collector.core.commands import prepare_database
from collector.core.db import session_scope
from collector.core.lookups import agency_by_code
from collector.core.models import Response
from collector.core.plugins import get_plugins
from collector.results.reading import load_table
from collector.results.waves import campaign_id
from collector.results.waves import parse_period


def wave_conditions(key: str) -> tuple[list[Any], datetime | None, datetime | None]:
    """A wave key as the results pages take it (``c12``, ``2025``, ``2025H1``, ``114H1``,
    ``2025Q3``): conditions on ``Response`` and the local period's UTC bounds."""
    found = campaign_id(key)
    if found is not None:
        return [col(Response.campaign_id) == found], None, None
    wave = parse_period(key)
    if wave is None:
        raise click.BadParameter(
            f"{key!r} is no wave: give a campaign (c12), a year (2025 or ROC 114), a half-year "
            "(2025H1) or a quarter (2025Q3)",
            param_hint="--wave",
        )
    since, until = wave.bounds(clock.zone())
    return [], since, until


def _response_table(
    slug: str, agency_code: str | None, wave: str | None = None
) -> tuple[Any, list[int] | None]:
    """Responses to SLUG (of one agency when a code is given, of one wave when a key is),
    or a usage error."""
    where, since, until = wave_conditions(wave) if wave else ([], None, None)
    with session_scope(current_app) as session:
        agency_ids = None
        if agency_code:
            agency = agency_by_code(session, agency_code)
            if agency is None:
                raise click.BadParameter(f"no agency {agency_code!r}")
            agency_ids = [agency.id or 0]
        try:
            table = load_table(
                session,
                get_plugins(),
                slug,
                agency_ids=agency_ids,
                since=since,
                until=until,
                where=where,
            )
        except LookupError as exc:
            raise click.BadParameter(str(exc)) from None
        return table, agency_ids


@click.command()
@click.argument("slug")
@click.option("--format", "fmt", default="csv", show_default=True, help="Exporter name.")
@click.option("--agency", "agency_code", default=None, help="Only this agency's responses.")
@click.option(
    "--wave",
    default=None,
    help="Only this wave: a campaign (c12), year (2025, ROC 114), half-year (2025H1) or quarter (2025Q3).",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-")
@click.option(
    "--language",
    default=None,
    help="Language of the labels the exporter writes (default: the first of LANGUAGES).",
)
@with_appcontext
def export(
    slug: str,
    fmt: str,
    agency_code: str | None,
    wave: str | None,
    output: str,
    language: str | None,
) -> None:
    """Export the responses to questionnaire SLUG (every wave, or one) with a registered exporter.

    The exporter is called as docs/plugin_hooks.md promises: ``export(table, language)``.
    """
    plugins = get_plugins()
    if fmt not in plugins.exporters:
        raise click.BadParameter(f"unknown exporter; registered: {sorted(plugins.exporters)}")
    language = cli_language(current_app, language)
    prepare_database(current_app)
    table, agency_ids = _response_table(slug, agency_code, wave)
    data = plugins.exporters[fmt]().export(table, language)
    audit.log(
        "responses.export",
        app=current_app,
        actor_label=cli_label(),
        agency_id=agency_ids[0] if agency_ids else None,
        target=slug,
        detail={
            "format": fmt,
            "language": language,
            "responses": len(table.frame),
            "via": "command line",
            "wave": wave,
        },
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
    prepare_database(current_app)
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
