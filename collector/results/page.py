"""Building a results page: the wave picker's choice, the context, then every registered
section that applies, in order.

The citizens' page and the internal staff survey's page differ only in which
questionnaires they offer; both are built here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app

from collector.access.scoped import scoped
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import translator
from collector.core.plugins import PluginSet
from collector.results.picker import Picked
from collector.results.picker import pick
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from collector.results.wavedata import WaveReader
from collector.results.weights import WaveWeighting
from surveys import Questionnaire

log = logging.getLogger(__name__)


@dataclass
class Built:
    """One section as the page renders it."""

    section: ResultsSection
    heading: str
    data: dict[str, Any] | None
    failed: bool = False


def default_kind(questionnaire: Questionnaire) -> str:
    """Staff surveys run once a year as campaigns; citizens' answers are read by half-year."""
    return "campaign" if questionnaire.kind == "staff" else "half"


def reader_for(
    plugins: PluginSet, slug: str, action: str, actor: Actor, unit_id: int | None
) -> WaveReader:
    scope: Callable[[Any], Any] = lambda statement: scoped(statement, action, actor)  # noqa: E731
    return WaveReader(get_session(), plugins, slug, scope, unit_id)


def context_for(
    questionnaire: Questionnaire,
    reader: WaveReader,
    picked: Picked,
    *,
    language: str,
    detailed: bool,
    query: dict[str, str],
) -> WaveContext | None:
    if picked.wave is None:
        return None
    return WaveContext(
        questionnaire=questionnaire,
        language=language,
        wave=picked.wave,
        previous=picked.previous,
        waves=picked.waves,
        detailed=detailed,
        unit_id=reader.unit_id,
        load=reader.frame,
        query=query,
        source=reader,
        weighting=WaveWeighting(
            reader.session,
            questionnaire,
            {a.code: a.id for a in reader.agencies() if a.id is not None},
        ),
    )


def build_sections(plugins: PluginSet, context: WaveContext) -> list[Built]:
    """Every applicable section, in order; one that fails is named, not fatal."""
    classes = sorted(plugins.results_sections.values(), key=lambda c: (c.order, c.name))
    text = translator(context.language)
    sections = [cls() for cls in classes]
    context.linkers = sections
    out = []
    for section in sections:
        cls = type(section)
        if not section.applies_to(context.questionnaire):
            continue
        try:
            data = section.build(context)
        except Exception:
            if current_app.testing:
                raise
            log.exception("results section %s failed", cls.name)
            out.append(Built(section, text.render(cls.title), None, failed=True))
            continue
        if data is None:
            continue
        out.append(Built(section, str(data.get("heading") or text.render(cls.title)), data))
    return out


__all__ = ["Built", "build_sections", "context_for", "default_kind", "pick", "reader_for"]
