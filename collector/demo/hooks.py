"""The demo as a plugin: the ``collector demo`` command."""

from __future__ import annotations

import random
import time

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from collector.campaigns.service import link_token
from collector.core import clock
from collector.core.commands import prepare_database
from collector.core.db import session_scope
from collector.core.hookspecs import hookimpl
from collector.core.models import QuestionnaireVersion
from collector.core.plugins import get_plugins
from collector.core.questionnaires import current_version
from collector.demo.campaigns import DESIGNS
from collector.demo.campaigns import open_links
from collector.demo.campaigns import seed_campaigns
from collector.demo.case_history import MONTHS
from collector.demo.case_history import seed_case_history
from collector.demo.complaints import seed_demo_cases
from collector.demo.improvement import seed_improvement
from collector.demo.margins import seed_demo_margins
from collector.demo.responses import ResponseSeeder
from collector.demo.responses import ensure_agencies
from collector.demo.staff import DEMO_PASSWORD
from collector.demo.staff import seed_demo_staff
from collector.demo.staff_surveys import seed_staff_surveys
from collector.demo.waves import demo_waves
from collector.staff_survey.service import SLUG as STAFF_SLUG

DEFAULT_SEED = 20261123
DEFAULT_WAVES = 5
LOCAL_URL = "http://127.0.0.1:5000"
"""Where ``collector serve`` answers by default: the printed QR links point there
unless ``PUBLIC_BASE_URL`` says otherwise."""


def _versions(app: Flask) -> dict[str, QuestionnaireVersion]:
    plugins = get_plugins(app)
    slugs = sorted({d.slug for d in DESIGNS} | {STAFF_SLUG})
    versions = {}
    with session_scope(app) as session:
        for slug in slugs:
            if slug in plugins.questionnaires:
                version = current_version(app, session, slug)
                if version is not None:
                    versions[slug] = version
        session.expunge_all()
    return versions


def seed_surveys(app: Flask, seed: int, waves: int) -> dict[str, int] | None:
    """Campaigns, citizens' answers and staff surveys for ``waves`` half-years up to today;
    None when the demo organisation was there already."""
    if ensure_agencies(app) is None:
        return None
    seed_demo_staff(app)  # the campaigns' and staff surveys' administrators
    rng = random.Random(seed)
    today = clock.today(app)
    wave_list = demo_waves(today, waves)
    versions = _versions(app)
    with session_scope(app) as session:
        campaigns = seed_campaigns(app, session, wave_list, versions, today)
    responses = ResponseSeeder(app, rng, wave_list, today).seed(campaigns, versions)
    seed_demo_margins(app, sorted({w.year for w in wave_list}))
    staff = 0
    if STAFF_SLUG in versions:
        staff = seed_staff_surveys(app, rng, wave_list, versions[STAFF_SLUG], today)
    return {"campaigns": len(campaigns), "responses": responses, "staff": staff}


def _qr_links(app: Flask) -> list[str]:
    base = (app.config.get("PUBLIC_BASE_URL") or LOCAL_URL).rstrip("/")
    with session_scope(app) as session:
        rows = open_links(session, clock.today(app))
        return [
            f"  {agency.name_zh} {unit.name_zh} ({campaign.title}): "
            f"{base}/c/{link_token(campaign.id, unit.id, app)}"  # type: ignore[arg-type]  # stored rows
            for campaign, agency, unit in rows
        ]


@click.command()
@click.option("--seed", default=DEFAULT_SEED, show_default=True, help="Random seed.")
@click.option(
    "--waves",
    default=DEFAULT_WAVES,
    show_default=True,
    type=click.IntRange(1, 8),
    help="How many half-year survey waves, the current one included.",
)
@click.option(
    "--case-history/--no-case-history",
    default=True,
    show_default=True,
    help=f"Also seed {MONTHS} months of closed complaint cases with answered follow-ups "
    "(for the complaint statistics page; the slowest part of the demo).",
)
@with_appcontext
def demo(seed: int, waves: int, case_history: bool) -> None:
    """Seed a demo city government, its two offices, staff accounts, survey waves with
    campaigns, staff surveys and complaint cases (once; a second run changes nothing)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    prepare_database(app)
    started = time.perf_counter()
    summary = seed_surveys(app, seed, waves)
    if summary is None:
        click.echo("Demo data is already there; nothing to do.")
    else:
        click.echo(
            f"Seeded 2 agencies, 6 units, {summary['campaigns']} survey campaigns over "
            f"{waves} half-year waves with {summary['responses']} responses, and "
            f"{summary['staff']} staff survey answers in {time.perf_counter() - started:.1f} s."
        )
    accounts = seed_demo_staff(app)
    click.echo(f"Demo staff accounts at /staff/login (password for all: {DEMO_PASSWORD}):")
    for email, role, agency_code in accounts:
        click.echo(f"  {email:32} {role:15} {agency_code or ''}")
    started = time.perf_counter()
    complaints = seed_demo_cases(app, seed=seed, waves=waves)
    if complaints.made:
        history = seed_case_history(app, seed) if case_history else None
        click.echo(
            f"Seeded {complaints.made} demo complaint cases (/staff/cases)"
            + (
                f" and {history.cases} closed cases of the {MONTHS} months before them with "
                f"{history.answered} answered follow-ups (/staff/cases/statistics)"
                if history
                else ""
            )
            + f" in {time.perf_counter() - started:.1f} s."
        )
    if complaints.sample:
        number, password = complaints.sample
        click.echo(f"Follow a demo case at /complaints/follow: {number}, password {password}")
    actions = seed_improvement(app, demo_waves(clock.today(app), waves))
    if actions:
        click.echo(f"Seeded {actions} improvement actions (/staff/improvement).")
    links = _qr_links(app)
    if links:
        click.echo("QR links of the open campaigns (posters at /staff/campaigns):")
        for line in links:
            click.echo(line)


@hookimpl
def register_commands() -> list[click.Command]:
    return [demo]
