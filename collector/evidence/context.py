"""What the pack's sections read from: the agency, the period, the person it is made
for, and the results pages' own section builds (so the pack's numbers are the pages').

Sections run in an application context with a request context of their own (the
results pages' sections build links with ``url_for``), ``g.collector_actor`` set to
the pack's actor and ``g.language`` to the edition's language: the pages' functions
then read exactly as they do for that person on that page.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any

from flask import Flask
from flask import g
from sqlmodel import Session

from collector.access.permissions import allowed
from collector.access.scoped import scoped
from collector.core.hooktypes import Actor
from collector.core.i18n import Translator
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.plugins import PluginSet
from collector.core.plugins import get_plugins
from collector.core.registry import PluginConfigurationError
from collector.core.registry import Registry
from collector.core.registry import collect
from collector.evidence.charts import ChartStore
from collector.evidence.model import EvidenceExporter
from collector.evidence.model import EvidenceSection
from collector.results.page import Built
from collector.results.page import build_sections
from collector.results.page import context_for
from collector.results.picker import pick
from collector.results.wavedata import WaveReader
from collector.results.waves import Wave
from surveys import Questionnaire

RESULTS = "results.read"
EXTENSION = "collector.evidence"


@dataclass
class ResultsRun:
    """One questionnaire's results page for the pack's wave, as the page builds it."""

    questionnaire: Questionnaire
    wave: Wave
    previous: Wave | None
    sections: dict[str, dict[str, Any]]
    reader: WaveReader


@dataclass
class PackContext:
    """The pack being built, for one edition's language at a time."""

    app: Flask
    session: Session
    plugins: PluginSet
    actor: Actor
    agency: Agency
    wave: Wave
    today: date
    language: str
    charts: ChartStore
    readers: dict[str, WaveReader] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    _runs: dict[tuple[str, str, str], ResultsRun | None] = field(default_factory=dict)

    @property
    def text(self) -> Translator:
        return translator(self.language)

    @property
    def english(self) -> bool:
        return self.language == "en"

    def name(self, row: Any) -> str:
        """A row's name in the edition's language (``name_zh`` / ``name_en``)."""
        return str(row.name_en if self.english else row.name_zh)

    def may(self, action: str) -> bool:
        return allowed(self.actor, action, self.agency.id)

    def scope(self, action: str) -> Any:
        return lambda statement: scoped(statement, action, self.actor)

    def reader(self, slug: str) -> WaveReader:
        """The results pages' reader of ``slug`` (shared by both editions: one load)."""
        if slug not in self.readers:
            self.readers[slug] = WaveReader(self.session, self.plugins, slug, self.scope(RESULTS))
        return self.readers[slug]

    def results(self, slug: str, wave: Wave | None = None) -> ResultsRun | None:
        """The results page of ``slug`` for ``wave`` (the pack's period by default):
        every registered results section built as the page builds it, by name. None when
        the questionnaire has no responses in that wave."""
        wave = wave or self.wave
        key = (slug, wave.key, self.language)
        if key in self._runs:
            return self._runs[key]
        questionnaire = self.plugins.questionnaires.items.get(slug)
        reader = self.reader(slug)
        run = None
        if questionnaire is not None and reader.version_ids():
            g.language = self.language
            picked = pick(reader, {"wave": wave.key, "kind": wave.kind}, wave.kind)
            if (
                picked.wave is not None
                and picked.wave.key == wave.key
                and reader.count(picked.wave)
            ):
                context = context_for(
                    questionnaire, reader, picked, language=self.language, detailed=True, query={}
                )
                assert context is not None
                built: list[Built] = build_sections(self.plugins, context)
                run = ResultsRun(
                    questionnaire,
                    picked.wave,
                    picked.previous,
                    {b.section.name: b.data for b in built if b.data is not None},
                    reader,
                )
        self._runs[key] = run
        return run

    def for_language(self, language: str) -> PackContext:
        """The same pack in another edition's language (readers and charts shared)."""
        other = PackContext(
            self.app,
            self.session,
            self.plugins,
            self.actor,
            self.agency,
            self.wave,
            self.today,
            language,
            self.charts,
            self.readers,
            self.cache,
            self._runs,
        )
        return other


def _named_subclass(base: type) -> Any:
    def check(raw: Any, owner: str) -> Any:
        if not (isinstance(raw, type) and issubclass(raw, base)):
            raise PluginConfigurationError(
                f"plugin {owner!r} registered {raw!r}; expected a subclass of "
                f"{base.__module__}.{base.__name__}"
            )
        name = getattr(raw, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginConfigurationError(f"plugin {owner!r}: {raw!r} has no name")
        return raw

    return check


def registries(app: Flask) -> tuple[Registry[Any], Registry[Any]]:
    """The registered pack sections and exporters (collected once per app)."""
    if EXTENSION not in app.extensions:
        manager = get_plugins(app).manager
        sections = collect(
            manager,
            "register_evidence_sections",
            "evidence section",
            lambda c: c.name,
            _named_subclass(EvidenceSection),
        )
        exporters = collect(
            manager,
            "register_evidence_exporters",
            "evidence exporter",
            lambda c: c.name,
            _named_subclass(EvidenceExporter),
        )
        app.extensions[EXTENSION] = (sections, exporters)
    found: tuple[Registry[Any], Registry[Any]] = app.extensions[EXTENSION]
    return found
