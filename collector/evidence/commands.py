"""``collector evidence``: make an agency's evidence pack for a period, or verify one."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from rich.console import Console
from rich.progress import BarColumn
from rich.progress import Progress
from rich.progress import TaskProgressColumn
from rich.progress import TextColumn
from rich.progress import TimeElapsedColumn
from sqlmodel import Session

from collector.core import clock
from collector.core.db import get_engine
from collector.evidence import background
from collector.evidence.build import PackRefused
from collector.evidence.build import find_agency
from collector.evidence.build import make_pack
from collector.evidence.build import period_wave
from collector.evidence.build import under_way
from collector.evidence.verify import verify
from collector.jobs import progress as job_progress
from collector.jobs import service as jobs


class EvidenceGroup(click.Group):
    """``collector evidence --agency X --period Y`` makes a pack; ``verify`` checks one."""


@click.group("evidence", cls=EvidenceGroup, invoke_without_command=True)
@click.option("--agency", "agency_code", help="The agency's code.")
@click.option("--period", help="A year (2025, or ROC 114) or a half-year (2025H1, 114H2).")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder the pack's folder and zip are written into.",
)
@click.option("--queue", is_flag=True, help="Run it as a background job and wait for it.")
@click.pass_context
@with_appcontext
def evidence(
    ctx: click.Context, agency_code: str | None, period: str | None, output: Path, queue: bool
) -> None:
    """The award evidence pack: PDF, DOCX, XLSX, charts, open data and a manifest, zipped.
    The last line printed is the zip's path."""
    if ctx.invoked_subcommand is not None:
        return
    if not agency_code or not period:
        raise click.UsageError("give --agency CODE and --period 2025 (or 114, 2025H1)")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    try:
        wave = period_wave(period)
        with Session(get_engine(app)) as session:
            agency = find_agency(session, agency_code)
    except PackRefused as exc:
        raise click.BadParameter(str(exc)) from None
    today = clock.today(app)
    if under_way(wave, today):
        click.echo(
            f"Note: {wave.key} is still under way: the pack's figures go to "
            f"{today.isoformat()} only, not the whole period.",
            err=True,
        )
    if queue:
        job = jobs.create(
            app,
            background.KIND,
            agency_id=agency.id,
            parameters={"agency": agency.code, "period": wave.key, "user_id": None},
        )
        assert job.id is not None
        done = job_progress.wait(app, job.id)
        if done.status != jobs.DONE or not done.result_path:
            raise click.ClickException(f"job {job.id} ended {done.status}: {done.error or ''}")
        output.mkdir(parents=True, exist_ok=True)
        target = output / (done.result_name or Path(done.result_path).name)
        target.write_bytes(Path(done.result_path).read_bytes())
        click.echo(str(target.resolve()))
        return
    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[message]}"),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("evidence", total=100, message="")
        built = make_pack(
            app,
            agency_code=agency.code,
            period=wave.key,
            out_dir=output,
            progress=lambda percent, message: bar.update(task, completed=percent, message=message),
        )
        bar.update(task, completed=100, message="")
    click.echo(str(built.folder.resolve()))
    click.echo(str(built.zip_path.resolve()))


@evidence.command("verify")
@click.argument("pack", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(pack: Path) -> None:
    """Check every file of PACK.zip against its manifest (exit 1 naming what differs)."""
    manifest, problems = verify(pack)
    if problems:
        for problem in problems:
            click.echo(f"FAILED {problem}", err=True)
        raise SystemExit(1)
    files = manifest.get("files", [])
    click.echo(f"OK: {len(files) if isinstance(files, list) else 0} files match the manifest")
