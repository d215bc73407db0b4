"""The core's exporters, registered as a plugin would."""

from __future__ import annotations

from collector.exporters import CsvExporter, Exporter, XlsxExporter
from collector.hookspecs import hookimpl


@hookimpl
def register_exporters() -> list[type[Exporter]]:
    return [CsvExporter, XlsxExporter]
