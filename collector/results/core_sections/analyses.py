"""Every registered ``Analysis`` (the core's and plugins') that applies to the
questionnaire, run on the chosen wave's responses: so an analysis a plugin registers
reaches the results page, not only ``collector analyse``.

Analyses return free-form JSON, which may hold per-unit figures or text: they are shown
only to those who may read detailed results, and only for a wave of at least
``MIN_CELL`` respondents. An analysis that fails is named, not fatal to the page.

An analysis that can give its result from per-stratum sums (``Analysis.measures``, as the
core's satisfaction summary does) runs on the wave's sums when the wave is unweighted;
the wave's rows are read only when an analysis needs them (a plugin's ``run`` gets the
table), and only once for all of them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from functools import partial
from typing import Any

from flask import current_app

from collector.core.disclosure import too_small
from collector.core.i18n import lazy_gettext
from collector.core.plugins import get_plugins
from collector.results.core_sections.common import summed
from collector.results.reading import META_COLUMNS
from collector.results.reading import ResponseTable
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext

ROWS = 200
log = logging.getLogger(__name__)


def flatten(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, text) pairs of a JSON-able result, numbers to 3 decimals."""
    if isinstance(value, dict):
        return [
            row for k, v in value.items() for row in flatten(v, f"{path}.{k}" if path else str(k))
        ]
    if isinstance(value, list | tuple):
        if all(not isinstance(v, dict | list | tuple) for v in value):
            return [(path, ", ".join(_text(v) for v in value))]
        return [row for i, v in enumerate(value) for row in flatten(v, f"{path}[{i}]")]
    return [(path, _text(value))]


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.3f}"
    return str(value)


def _flat_run(analysis: Any, table: Callable[[], ResponseTable]) -> list[tuple[str, str]]:
    return flatten(analysis.run(table()))


class RegisteredAnalyses(ResultsSection):
    name = "analyses"
    title = lazy_gettext("Registered analyses")
    template = "results/sections/analyses.html"
    order = 90

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        if not context.detailed:
            return None
        sums = summed(context, context.wave)
        source = context.source
        responses = sum(sums.rows.values()) if sums is not None else len(context.frame())
        if too_small(responses):
            return None
        tables: list[ResponseTable] = []

        def table() -> ResponseTable:  # read only when an analysis needs the rows
            if not tables:
                frame = context.frame()
                columns = [c for c in frame.columns if c != "agency_unit"]
                tables.append(ResponseTable(context.questionnaire, frame[columns]))
            return tables[0]

        out = []
        for name, cls in get_plugins().analyses.items.items():
            analysis = cls()
            if not analysis.applies_to(context.questionnaire):
                continue
            try:
                measures = (
                    analysis.measures(context.questionnaire)
                    if sums is not None and source is not None
                    else None
                )
                if measures is not None and source is not None:
                    result = analysis.run_sums(
                        context.questionnaire, source.sums(context.wave, measures)
                    )
                    rows: list[tuple[str, str]] | None = flatten(result)
                else:
                    rows = context.remembered(
                        context.wave,
                        ("analysis", name),
                        partial(_flat_run, analysis, table),
                    )
            except Exception:  # a plugin's failure must not take the page down
                if current_app.testing:
                    raise
                log.exception("analysis %s failed on the results page", name)
                rows = None
            out.append(
                {
                    "name": name,
                    "description": cls.description,
                    "rows": rows[:ROWS] if rows is not None else None,
                    "more": max(len(rows) - ROWS, 0) if rows is not None else 0,
                }
            )
        return {"analyses": out, "meta": META_COLUMNS} if out else None
