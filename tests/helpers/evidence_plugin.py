"""A plugin adding a section and a file to the evidence pack (``register_evidence_sections``,
``register_evidence_exporters``), as an installed plugin would."""

from __future__ import annotations

import importlib.metadata
from typing import Any

from collector import hookimpl
from collector.evidence.model import EvidenceExporter
from collector.evidence.model import EvidenceSection
from collector.evidence.model import Pack
from collector.evidence.model import PackSection
from collector.evidence.model import PackTable


class CounterHours(EvidenceSection):
    name = "example.counter_hours"
    part = "citizens"
    order = 45

    def build(self, context: Any) -> list[PackSection]:
        words = "延長櫃台服務時間" if context.language != "en" else "Longer counter hours"
        return [
            PackSection(
                self.name,
                self.part,
                words,
                paragraphs=[f"{context.agency.code}: {context.wave.key}"],
                tables=[PackTable("hours", words, ["day", "hours"], [["Mon", "8-20"]])],
            )
        ]


class Readme(EvidenceExporter):
    name = "example.readme"

    def files(self, pack: Pack) -> dict[str, bytes]:
        return {"extra/readme.txt": f"{pack.agency_code} {pack.period}\n".encode()}


@hookimpl
def register_evidence_sections() -> list[type[EvidenceSection]]:
    return [CounterHours]


@hookimpl
def register_evidence_exporters() -> list[type[EvidenceExporter]]:
    return [Readme]


ENTRY_POINT = importlib.metadata.EntryPoint(
    name="evidence-tests", value="tests.helpers.evidence_plugin", group="collector"
)
