"""Building a pack: read everything once (one session, one snapshot), build each
edition's sections, then write every format into a folder and zip it.

``make_pack`` is what the command and the job call; ``progress(percent, message)``
reports each stage, and ``timings`` (seconds per stage) is what ``bench/evidence.py``
prints.
"""

from __future__ import annotations

import importlib.metadata
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from pathlib import Path

from flask import Flask
from flask import g
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from analysis.checks import SmallDomainWarning
from collector.access.guard import unscoped
from collector.core import clock
from collector.core.db import get_engine
from collector.core.hooktypes import Actor
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.plugins import get_plugins
from collector.evidence import writers
from collector.evidence.charts import ChartStore
from collector.evidence.context import PackContext
from collector.evidence.context import registries
from collector.evidence.model import Edition
from collector.evidence.model import Pack
from collector.evidence.model import PackSection
from collector.results.waves import Wave
from collector.results.waves import parse_period

LANGUAGES = ("zh-Hant-TW", "en")
"""The editions, the award's language first."""

Progress = Callable[[int, str], None]


class PackRefused(ValueError):
    """The pack cannot be made as asked (unknown agency, unreadable period)."""


def software_version() -> str:
    try:
        return importlib.metadata.version("collector")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def period_wave(period: str) -> Wave:
    """The period a pack covers: a year (``2025``, ROC ``114``) or a half-year
    (``2025H1``, ``114H2``); quarters are too short for the award's chapter."""
    wave = parse_period(period or "")
    if wave is None or wave.kind not in ("year", "half"):
        raise PackRefused(
            f"{period!r} is not a year (2025, or ROC 114) or a half-year (2025H1, 114H2)"
        )
    return wave


def under_way(wave: Wave, today: date) -> bool:
    """Is the period not over yet on ``today`` (its pack would cover part of it)?"""
    return wave.end >= today


def find_agency(session: Session, code: str) -> Agency:
    agency = session.execute(
        unscoped(
            select(Agency).where(col(Agency.code) == code),
            "the evidence pack: the agency named on the command line or by the job",
        )
    ).scalar_one_or_none()
    if agency is None or agency.id is None:
        raise PackRefused(f"no agency with code {code!r}")
    return agency


def command_line_actor(agency: Agency) -> Actor:
    """Whoever runs ``collector evidence`` on the server: the agency's administrator's
    reading of its own agency (its results, cases and improvement actions), nothing else."""
    assert agency.id is not None
    return Actor(
        user_id=None,
        role="agency_admin",
        agency_id=agency.id,
        visible_agency_ids=frozenset({agency.id}),
        label="command line",
        source="cli",
    )


@dataclass
class Built:
    pack: Pack
    zip_path: Path
    folder: Path
    timings: dict[str, float] = field(default_factory=dict)
    chart_draws: int = 0


class Stopwatch:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + now - self._last, 3)
        self._last = now


def _sections(context: PackContext) -> list[PackSection]:
    sections, _exporters = registries(context.app)
    out: list[PackSection] = []
    for cls in sorted(sections.values(), key=lambda c: (c.order, c.name)):
        out += cls().build(context)
    return out


def build_pack(
    app: Flask,
    *,
    agency_code: str,
    period: str,
    actor: Actor | None = None,
    progress: Progress | None = None,
    stopwatch: Stopwatch | None = None,
    languages: tuple[str, ...] = LANGUAGES,
) -> Pack:
    """Read the agency's period once and build every edition's sections."""
    report = progress or (lambda _p, _m: None)
    watch = stopwatch or Stopwatch()
    wave = period_wave(period)
    engine = get_engine(app)
    with (
        app.test_request_context("/staff/evidence"),
        Session(engine, expire_on_commit=False) as session,
    ):
        if engine.dialect.name == "postgresql":  # one snapshot for every read of the pack
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        snapshot = clock.now(app)
        agency = find_agency(session, agency_code)
        actor = actor or command_line_actor(agency)
        g.collector_actor = actor
        g.db_session = session
        context = PackContext(
            app=app,
            session=session,
            plugins=get_plugins(app),
            actor=actor,
            agency=agency,
            wave=wave,
            today=clock.local_date(snapshot, app),
            language=languages[0],
            charts=ChartStore(),
        )
        editions: dict[str, Edition] = {}
        for index, language in enumerate(languages):
            report(
                5 + 40 * index // len(languages),
                translator(language).gettext("Reading the results"),
            )
            here = context.for_language(language)
            g.language = language
            text = translator(language)
            name = agency.name_en if language == "en" else agency.name_zh
            editions[language] = Edition(
                language=language,
                title=text.gettext("Service evaluation evidence: %(agency)s", agency=name),
                subtitle=wave.label(language),
                sections=_sections(here),
            )
            watch.lap(f"sections_{language}")
        g.pop("db_session", None)
    pack = Pack(
        agency_code=agency.code,
        agency_names={"zh-Hant-TW": agency.name_zh, "en": agency.name_en},
        period=wave.key,
        wave=wave,
        software_version=software_version(),
        generated_at=clock.now(app),
        snapshot_at=snapshot,
        editions=editions,
        parameters={"agency": agency.code, "period": wave.key, "requested": period},
        charts=context.charts,
    )
    return pack


def make_pack(
    app: Flask,
    *,
    agency_code: str,
    period: str,
    out_dir: Path,
    actor: Actor | None = None,
    progress: Progress | None = None,
) -> Built:
    """Build the pack and write it: ``out_dir/<name>/`` and ``out_dir/<name>.zip``."""
    report = progress or (lambda _p, _m: None)
    watch = Stopwatch()
    with warnings.catch_warnings():
        # The breakdowns' tests warn of small groups; the report prints their p-values
        # as the results page does, and the warning would only clutter the command's output.
        warnings.simplefilter("ignore", SmallDomainWarning)
        pack = build_pack(
            app,
            agency_code=agency_code,
            period=period,
            actor=actor,
            progress=report,
            stopwatch=watch,
        )
    folder, zip_path = writers.write_all(app, pack, Path(out_dir), report, watch)
    return Built(pack, zip_path, folder, watch.timings, pack.charts.draws)
