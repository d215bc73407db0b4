"""``collector new-plugin NAME [-o DIR]``: it needs no app, so it works before any plugin does."""

from __future__ import annotations

from pathlib import Path

import click

from collector.scaffold import ScaffoldError
from collector.scaffold import new_plugin as make_plugin


@click.command("new-plugin")
@click.argument("name")
@click.option(
    "-o",
    "--output",
    "parent",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder to make the plugin's folder in.",
)
def new_plugin(name: str, parent: Path) -> None:
    """Make a new plugin NAME (a questionnaire, an exporter, an analysis, an event
    handler and their tests) in its own folder, ready for `pip install -e`."""
    try:
        target = make_plugin(name, parent)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Made {target}. Next:")
    click.echo(f"  cd {target} && pip install -e '.[test]' && pytest")
