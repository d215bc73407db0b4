"""What an evidence pack is made of, independent of any file format.

A pack has one :class:`Edition` per language (Traditional Chinese first, then
English); an edition is a list of :class:`PackSection` in the award's order, each
with generated paragraphs, tables, charts and :class:`Figure` values (the numbers the
open data and the tests read). Sections come from :class:`EvidenceSection` subclasses
registered through ``register_evidence_sections``; extra files from
:class:`EvidenceExporter` subclasses registered through ``register_evidence_exporters``.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from typing import ClassVar

from collector.evidence.charts import ChartStore
from collector.results.charts import Chart
from collector.results.waves import Wave

PARTS = ("citizens", "complaints", "staff")
"""The award's parts, in the order the application asks for them; a plugin's own part
comes after them."""


@dataclass(frozen=True)
class Figure:
    """One number of the pack: ``key`` is stable across languages (the open data's id),
    ``value`` a share (0-1), score (0-100), count, days or ratio as ``measure`` says;
    ``n`` the respondents or cases it rests on, ``low``/``high`` its 95 % interval."""

    key: str
    value: float | int | None
    measure: str
    label: str = ""
    n: int | None = None
    low: float | None = None
    high: float | None = None
    wave: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "measure": self.measure,
            "n": self.n,
            "low": self.low,
            "high": self.high,
            "wave": self.wave,
        }


@dataclass(frozen=True)
class PackTable:
    """A table as every format shows it: ``headers`` and ``rows`` of text (suppressed
    cells already written as ``<5``)."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass(frozen=True)
class PackChart:
    """A chart of the pack: drawn once (``collector.evidence.charts.ChartStore``), its
    PNG and SVG reused by every format."""

    name: str
    chart: Chart


@dataclass
class PackSection:
    """One section of an edition."""

    name: str
    part: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[PackTable] = field(default_factory=list)
    charts: list[PackChart] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)


@dataclass
class Edition:
    language: str
    title: str
    subtitle: str
    sections: list[PackSection]


@dataclass
class Pack:
    """Everything one pack holds before it is written to files."""

    agency_code: str
    agency_names: dict[str, str]
    period: str
    wave: Wave
    software_version: str
    generated_at: datetime
    snapshot_at: datetime
    editions: dict[str, Edition]
    parameters: dict[str, Any] = field(default_factory=dict)
    charts: ChartStore = field(default_factory=ChartStore)

    @property
    def primary(self) -> Edition:
        return next(iter(self.editions.values()))

    def figures(self) -> list[Figure]:
        """Every figure once (from the first edition: numbers do not depend on language)."""
        return [f for s in self.primary.sections for f in s.figures]


class EvidenceSection:
    """Base class of a pack section (``register_evidence_sections``).

    Set ``name`` (unique), ``part`` and ``order``; ``build`` returns the section(s) to
    show in ``context.language`` (an empty list: nothing for this period). Read through
    ``context`` (scoped to the pack's agency, as its requester may read) and never show
    a cell of fewer than ``collector.core.disclosure.MIN_CELL``.
    """

    name: ClassVar[str]
    part: ClassVar[str] = "citizens"
    order: ClassVar[int] = 100

    def build(self, context: Any) -> list[PackSection]:
        """``context``: a ``collector.evidence.context.PackContext``."""
        raise NotImplementedError


class EvidenceExporter:
    """Base class of a pack exporter (``register_evidence_exporters``): ``files`` returns
    ``{path inside the pack: bytes}`` (paths relative, with ``/``)."""

    name: ClassVar[str]

    def files(self, pack: Pack) -> dict[str, bytes]:
        raise NotImplementedError
