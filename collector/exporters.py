"""Exporters turn a table of responses into a file; plugins add their own formats."""

from __future__ import annotations

import csv
import io
import re
from typing import Any, ClassVar

from collector.responses import ResponseTable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(value: Any) -> Any:
    """Defuse spreadsheet formulas (CSV injection) while real numbers stay numbers.

    A text that a spreadsheet would run as a formula gets a leading apostrophe; a
    value that is a genuine number (including a negative one) is left alone.
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


class Exporter:
    """Base class: set ``name``, ``description``, ``media_type``, ``extension``; write export()."""

    name: ClassVar[str]
    description: ClassVar[str]
    media_type: ClassVar[str] = "application/octet-stream"
    extension: ClassVar[str] = "bin"

    def export(self, table: ResponseTable, language: str = "zh-Hant-TW") -> bytes:
        raise NotImplementedError

    @staticmethod
    def cell(value: Any) -> Any:
        """A response value as one spreadsheet cell."""
        if isinstance(value, list):
            value = ";".join(str(v) for v in value)
        if value is not None and hasattr(value, "isoformat"):
            value = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        try:
            import pandas as pd

            if value is not pd.NA and not isinstance(value, str | list) and pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
        return neutralise(value)


class CsvExporter(Exporter):
    """CSV in UTF-8 with a byte-order mark, so that Excel opens Chinese text correctly."""

    name = "csv"
    description = "CSV (UTF-8 with BOM), one row per response"
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def export(self, table: ResponseTable, language: str = "zh-Hant-TW") -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        columns = list(table.frame.columns)
        writer.writerow(columns)
        for row in table.frame.itertuples(index=False, name=None):
            writer.writerow(["" if (c := self.cell(v)) is None else c for v in row])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
