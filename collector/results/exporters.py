"""Exporters turn a table of responses into a file; plugins add their own formats.

The core's two exporters, CSV and XLSX, share the column handling here:
:func:`cell_value` turns one stored value into one spreadsheet cell (a number, a
local date-time, or NFC text passed through :func:`neutralise`), and
:func:`export_rows` applies it to a whole table, knowing which columns hold dates.
Times are stored in UTC and exported as local time in the app's ``TIMEZONE``
(Asia/Taipei); a spreadsheet cannot hold a time zone, so the XLSX dictionary
and about sheets state it.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import tzinfo
from typing import Any
from typing import ClassVar

import numpy as np
import pandas as pd
from flask import current_app
from flask import has_app_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from collector.answers.question_types import QuestionType
from collector.answers.standard_types import CORE_TYPES
from collector.core import clock
from collector.core.disclosure import MIN_CELL
from collector.core.i18n import LazyText
from collector.core.i18n import by_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_pgettext
from collector.core.i18n import translator
from collector.core.models import CHANNELS
from collector.results.reading import META_COLUMNS
from collector.results.reading import ResponseTable
from surveys import Question
from surveys import Questionnaire

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a cell's text starts with when a spreadsheet may run it as a formula; a full-width
or small form (＝ ﹦ ＋ ﹢ － ﹣ ＠ ﹫) counts as its ASCII original (NFKC), since some
spreadsheets (East Asian locales) evaluate those too."""
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

CellValue = None | bool | int | float | datetime | date | str
"""What one cell holds before a file format writes it."""


def neutralise(value: Any) -> Any:
    """Defuse spreadsheet formulas (CSV injection) while real numbers stay numbers.

    A text that a spreadsheet would run as a formula gets a leading apostrophe; a
    value that is a genuine number (including a negative one) is left alone.
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    first = unicodedata.normalize("NFKC", text[:1])
    if first.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def _text(value: Any) -> str:
    text = str(value)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT


def cell_value(value: Any, tz: tzinfo | None = None) -> CellValue:
    """One stored value as one spreadsheet cell, the same for every file format.

    Missing values (None, NaN, NaT) become None; numbers stay numbers (a whole
    float becomes an int, so 4.0 is written 4); a date-time becomes a naive local
    time in ``tz`` (default Asia/Taipei; a naive stored time is read as UTC); a
    date stays a date; a list is joined with ``;``; anything else becomes NFC
    text passed through :func:`neutralise`.
    """
    kind = type(value)
    if kind is str:  # the common cases first: this runs once per cell
        return neutralise(_text(value))
    if kind is int:
        return value
    if _missing(value):
        return None
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
        if value is pd.NaT:
            return None
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, list | tuple):
        items = [_text(v) for v in value if not _missing(v) and v == v]
        return neutralise(";".join(items)) if items else None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if not math.isfinite(value):
            return neutralise(str(value))
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        local = aware.astimezone(tz or clock.zone()).replace(tzinfo=None)
        return local.to_pydatetime() if isinstance(local, pd.Timestamp) else local
    if isinstance(value, date):
        return value
    return neutralise(_text(value))


def cell_text(value: CellValue) -> str:
    """A cell as CSV text: empty for missing, ``YYYY-MM-DD HH:MM:SS`` for local times."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# -- columns ---------------------------------------------------------------------


@dataclass(frozen=True)
class ExportColumn:
    """One column of a response table and what it holds."""

    key: str
    question: Question | None = None
    question_type: QuestionType | None = None

    @property
    def is_meta(self) -> bool:
        return self.question is None and self.key in META_COLUMNS

    @property
    def holds_dates(self) -> bool:
        return self.question_type is not None and self.question_type.widget == "date"


def question_type_of(questionnaire: Questionnaire, question: Question) -> QuestionType | None:
    """The question's type object: from the app's plugins, else the core's types."""
    registry: Any = None
    if has_app_context():
        plugins = current_app.extensions.get("collector.core.plugins")
        registry = plugins.question_types.items if plugins is not None else None
    if registry is None:
        registry = {t.name: t for t in CORE_TYPES}
    cls = registry.get(question.type)
    return cls(question, questionnaire) if cls is not None else None


def export_columns(table: ResponseTable) -> list[ExportColumn]:
    """The table's columns in order, each with its question when it has one."""
    questions = {q.key: q for q in table.questionnaire.questions()}
    columns = []
    for key in table.frame.columns:
        question = questions.get(str(key))
        qtype = question_type_of(table.questionnaire, question) if question else None
        columns.append(ExportColumn(str(key), question, qtype))
    return columns


def export_rows(
    table: ResponseTable, tz: tzinfo | None = None, columns: list[ExportColumn] | None = None
) -> Iterator[list[CellValue]]:
    """Every response as a list of cells (see :func:`cell_value`), header excluded."""
    tz = tz or clock.zone()
    columns = columns if columns is not None else export_columns(table)
    dates = [c.holds_dates for c in columns]
    for row in table.frame.itertuples(index=False, name=None):
        cells: list[CellValue] = []
        for value, is_date in zip(row, dates, strict=True):
            if is_date and isinstance(value, str):
                try:
                    cells.append(date.fromisoformat(value))
                    continue
                except ValueError:
                    pass
            cells.append(cell_value(value, tz))
        yield cells


# -- exporters -------------------------------------------------------------------


class Exporter:
    """Base class: set ``name``, ``description``, ``media_type``, ``extension``; write export().

    ``label`` is the link text of the console's export menu (default: the name in
    capitals) and ``action`` the permission an actor needs besides
    ``responses.export`` to see and use it (a stricter one, e.g. ``audit.read``, keeps
    a sensitive format to fewer people).
    """

    name: ClassVar[str]
    description: ClassVar[str]
    media_type: ClassVar[str] = "application/octet-stream"
    extension: ClassVar[str] = "bin"
    label: ClassVar[str | LazyText | None] = None
    action: ClassVar[str] = "responses.export"

    @classmethod
    def menu_label(cls) -> str:
        """The link text in the export menu."""
        return str(cls.label) if cls.label else cls.name.upper()

    def export(self, table: ResponseTable, language: str = "zh-Hant-TW") -> bytes:
        raise NotImplementedError

    def stream(
        self, tables: Iterable[ResponseTable], language: str = "zh-Hant-TW"
    ) -> Iterator[bytes]:
        """The file in pieces, from the table in pieces (``reading.iter_tables``).

        The built-in CSV and XLSX exporters hold one piece at a time, so memory does not
        grow with the number of responses; an exporter that only implements
        :meth:`export` gets the pieces joined into one table first.
        """
        pieces = list(tables)
        frame = pd.concat([t.frame for t in pieces], ignore_index=True)
        yield self.export(ResponseTable(pieces[0].questionnaire, frame), language)

    @staticmethod
    def cell(value: Any) -> Any:
        """A response value as one text-or-number cell: lists flattened, formulas defused.

        Numbers stay numbers and missing values are None; times are local text
        (``YYYY-MM-DD HH:MM:SS``, see ``collector.core.clock.zone``).
        """
        result = cell_value(value, clock.zone())
        return cell_text(result) if isinstance(result, date) else result


class CsvExporter(Exporter):
    """CSV in UTF-8 with a byte-order mark, so that Excel opens Chinese text correctly.

    Rows end in CRLF; times are local (Asia/Taipei) ``YYYY-MM-DD HH:MM:SS``.
    """

    name = "csv"
    description = "CSV (UTF-8 with BOM), one row per response"
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def export(self, table: ResponseTable, language: str = "zh-Hant-TW") -> bytes:
        return b"".join(self.stream([table], language))

    def stream(
        self, tables: Iterable[ResponseTable], language: str = "zh-Hant-TW"
    ) -> Iterator[bytes]:
        """The BOM and header, then each piece's rows as soon as it is read."""
        tz = clock.zone()
        columns: list[ExportColumn] | None = None
        for table in tables:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            if columns is None:
                columns = export_columns(table)
                buffer.write("\ufeff")
                writer.writerow([cell_text(cell_value(c.key)) for c in columns])
            for cells in export_rows(table, tz, columns):
                writer.writerow([cell_text(c) for c in cells])
            yield buffer.getvalue().encode("utf-8")


# -- the data dictionary -----------------------------------------------------------

DICTIONARY_FIELDS = [
    "column",
    "type",
    "required",
    "allowed_values",
    "min",
    "max",
    "relevant",
    "analysis_role",
    "notes",
]
"""The dictionary's columns; ``label_<language>`` columns follow ``column``."""

_META: dict[str, tuple[str, LazyText]] = {
    "receipt": ("text", lazy_gettext("Receipt number given to the respondent (no personal data)")),
    "version": (
        "integer",
        lazy_gettext(
            "Questionnaire version answered; columns follow the latest version, and questions that version lacked are empty"
        ),
    ),
    "agency": ("text", lazy_gettext("Agency code")),
    "unit": ("text", lazy_gettext("Unit (counter) code; empty if none")),
    "channel": ("text", lazy_gettext("Channel the response came through")),
    "language": ("text", lazy_gettext("Language the respondent used")),
    "started_at": (
        "datetime",
        lazy_gettext("When the respondent started (%(tz)s local time; empty if unknown)"),
    ),
    "submitted_at": (
        "datetime",
        lazy_gettext("When the response was submitted (%(tz)s local time)"),
    ),
    "batch": (
        "text",
        lazy_gettext(
            "Batch of a paper questionnaire (typed when keyed in; empty for other channels)"
        ),
    ),
    "entered_by": (
        "integer",
        lazy_gettext(
            "Id of the staff account that keyed in a paper questionnaire (not a name; empty for other channels)"
        ),
    ),
}
"""Each meta column's kind and label (``tz``: the export's time zone)."""

_NOTES: dict[str, LazyText] = {
    "multiple": lazy_gettext("Several answers allowed, joined with ';'"),
    "date": lazy_gettext("Date"),
    "likert5": lazy_gettext("5 = most favourable"),
    "unknown": lazy_gettext("Not a question of the latest version"),
}


def _label_languages(questionnaire: Questionnaire) -> list[str]:
    """zh-Hant-TW and en always, then any other language the questionnaire speaks."""
    first = ["zh-Hant-TW", "en"]
    return first + [lang for lang in questionnaire.languages if lang not in first]


def _roles(questionnaire: Questionnaire, language: str) -> dict[str, list[str]]:
    roles: dict[str, list[str]] = {}
    spec = questionnaire.analysis
    if spec.overall:
        roles.setdefault(spec.overall, []).append("overall")
    for name, keys in spec.dimensions.items():
        label = spec.dimension_labels.get(name)
        shown = f"dimension: {name}" + (
            f" ({questionnaire.text(label, language)})" if label else ""
        )
        for key in keys:
            roles.setdefault(key, []).append(shown)
    for name, keys in spec.groups.items():
        for key in keys:
            roles.setdefault(key, []).append(f"group: {name}")
    for name, key in spec.demographics.items():
        roles.setdefault(key, []).append(f"demographic: {name}")
    if spec.comment:
        roles.setdefault(spec.comment, []).append("comment")
    return roles


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def dictionary_rows(
    table: ResponseTable, language: str = "zh-Hant-TW", tz: tzinfo | None = None
) -> list[dict[str, Any]]:
    """The data dictionary: one row per column of the table (see DICTIONARY_FIELDS)."""
    questionnaire = table.questionnaire
    zone = str(tz or clock.zone())
    languages = _label_languages(questionnaire)
    roles = _roles(questionnaire, language)
    text = translator(language)
    section_of = {q.key: s for s in questionnaire.sections for q in s.questions}
    rows = []
    for column in export_columns(table):
        row: dict[str, Any] = {"column": column.key}
        question = column.question
        if column.is_meta:
            kind, texts = _META.get(column.key, ("text", None))
            for lang in languages:
                row[f"label_{lang}"] = translator(lang).render(texts, tz=zone) if texts else ""
            row["type"] = f"meta ({kind})"
            row["required"] = "no" if column.key in ("unit", "started_at") else "yes"
            if column.key == "channel":
                row["allowed_values"] = "; ".join(CHANNELS)
            elif column.key == "language":
                row["allowed_values"] = "; ".join(questionnaire.languages)
            if kind == "datetime":
                row["notes"] = f"{zone}, {DATETIME_FORMAT}"
        elif question is not None:
            for lang in languages:
                row[f"label_{lang}"] = questionnaire.text(question.label, lang)
            row["type"] = question.type
            row["required"] = "yes" if question.required else "no"
            qtype = column.question_type
            if qtype is not None:
                options = qtype.options(language)
                low, high = qtype.bounds()
            else:
                choices = questionnaire.choices_for(question)
                options = (
                    [(c.value, questionnaire.text(c.label, language)) for c in choices]
                    if choices
                    else None
                )
                low, high = question.min, question.max
            if options:
                row["allowed_values"] = "; ".join(
                    value if label in ("", value) else f"{value}={label}"
                    for value, label in options
                )
            if column.holds_dates:
                low = question.params.get("min", low)
                high = question.params.get("max", high)
            row["min"] = _number(low)
            row["max"] = _number(high)
            section = section_of[question.key]
            conditions = [c for c in (section.relevant, question.relevant) if c]
            if len(conditions) > 1:
                row["relevant"] = " and ".join(f"({c})" for c in conditions)
            elif conditions:
                row["relevant"] = conditions[0]
            row["analysis_role"] = "; ".join(roles.get(question.key, []))
            notes = []
            if qtype is not None and qtype.multiple:
                notes.append(text.render(_NOTES["multiple"]))
            if column.holds_dates:
                notes.append(f"{text.render(_NOTES['date'])} ({DATE_FORMAT})")
            if question.type == "likert5":
                notes.append(text.render(_NOTES["likert5"]))
            row["notes"] = "; ".join(notes)
        else:
            row["notes"] = text.render(_NOTES["unknown"])
        rows.append(row)
    return rows


# -- XLSX ------------------------------------------------------------------------

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_PRIVACY_FIELDS: dict[str, LazyText] = {
    "controller": lazy_pgettext("export", "controller"),
    "purpose": lazy_pgettext("export", "purpose"),
    "categories": lazy_pgettext("export", "categories"),
    "use": lazy_pgettext("export", "use"),
    "rights": lazy_pgettext("export", "rights"),
    "optional_data": lazy_pgettext("export", "optional data"),
}


def _bilingual(message: LazyText, sep: str = " ", **params: Any) -> str:
    """Chinese, then English: the about sheet speaks both."""
    both = by_language(message, **params)
    return f"{both['zh-Hant-TW']}{sep}{both['en']}"


class XlsxExporter(Exporter):
    """An Excel workbook with three sheets: ``responses``, ``dictionary`` and ``about``.

    Written in openpyxl's write-only mode, so a large table streams row by row.
    Every text is a string cell (never a formula or an error value), neutralised
    as in CSV; numbers are numeric cells; times are Excel date-times in local
    time (the dictionary and about sheets name the zone).
    """

    name = "xlsx"
    description = "Excel workbook (XLSX): responses, data dictionary and about sheets"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"

    def export(self, table: ResponseTable, language: str = "zh-Hant-TW") -> bytes:
        return b"".join(self.stream([table], language))

    def stream(
        self, tables: Iterable[ResponseTable], language: str = "zh-Hant-TW"
    ) -> Iterator[bytes]:
        """The workbook written piece by piece (openpyxl's write-only sheets keep their
        rows in temporary files), then read back in 64 KB pieces."""
        tz = clock.zone()
        workbook = Workbook(write_only=True)
        responses = workbook.create_sheet("responses")
        responses.freeze_panes = "A2"
        first: ResponseTable | None = None
        columns: list[ExportColumn] = []
        count = 0
        versions: set[int] = set()
        for table in tables:
            if first is None:
                first = ResponseTable(table.questionnaire, table.frame.iloc[:0])
                columns = export_columns(table)
                responses.append(self._cells(responses, [c.key for c in columns]))
            for cells in export_rows(table, tz, columns):
                responses.append(self._cells(responses, cells))
            count += len(table.frame)
            if "version" in table.frame.columns:
                versions |= {int(v) for v in table.frame["version"].dropna()}
        if first is None:
            raise ValueError("no table to export (iter_tables yields at least one)")

        dictionary = workbook.create_sheet("dictionary")
        dictionary.freeze_panes = "B2"
        rows = dictionary_rows(first, language, tz)
        fields = DICTIONARY_FIELDS[:1]
        fields += [f"label_{lang}" for lang in _label_languages(first.questionnaire)]
        fields += DICTIONARY_FIELDS[1:]
        widths = {"column": 24, "type": 18, "required": 9, "min": 8, "max": 8}
        for number, field in enumerate(fields, start=1):
            width = widths.get(field, 40 if field.startswith("label_") else 30)
            dictionary.column_dimensions[get_column_letter(number)].width = width
        dictionary.append(self._cells(dictionary, fields))
        for row in rows:
            dictionary.append(self._cells(dictionary, [row.get(f) for f in fields]))

        about = workbook.create_sheet("about")
        about.column_dimensions["A"].width = 32
        about.column_dimensions["B"].width = 100
        for line in self.about_rows(first, tz, count=count, versions=sorted(versions)):
            about.append(self._cells(about, list(line)))

        with tempfile.TemporaryFile() as out:
            workbook.save(out)
            out.seek(0)
            while piece := out.read(65536):
                yield piece

    @staticmethod
    def about_rows(
        table: ResponseTable,
        tz: tzinfo,
        *,
        count: int | None = None,
        versions: list[int] | None = None,
    ) -> list[tuple[str, Any]]:
        """(what, value) rows of the about sheet (``count`` responses of ``versions``,
        when the table was written in pieces; else the table's own)."""
        questionnaire = table.questionnaire
        if versions is None:
            versions = []
            if "version" in table.frame.columns:
                versions = sorted({int(v) for v in table.frame["version"].dropna()})
        if count is None:
            count = len(table.frame)
        now = datetime.now(tz)
        notice = questionnaire.privacy_notice
        rows: list[tuple[str, Any]] = [
            (_bilingual(lazy_pgettext("export", "questionnaire")), questionnaire.slug),
            (
                _bilingual(lazy_pgettext("export", "title")),
                questionnaire.text(questionnaire.title, "zh-Hant-TW"),
            ),
            (
                _bilingual(lazy_pgettext("export", "versions included")),
                ", ".join(str(v) for v in versions),
            ),
            (_bilingual(lazy_pgettext("export", "exported at")), now.replace(tzinfo=None)),
            (
                _bilingual(lazy_pgettext("export", "time zone")),
                f"{tz} (UTC{now.strftime('%z')[:3]}:{now.strftime('%z')[3:]})",
            ),
            (_bilingual(lazy_pgettext("export", "responses")), count),
            (
                _bilingual(lazy_pgettext("export", "publication")),
                _bilingual(
                    lazy_gettext("Cells of fewer than %(min)s respondents must not be published."),
                    sep="",
                    min=MIN_CELL,
                ),
            ),
            (_bilingual(lazy_pgettext("export", "PDPA notice (latest version)"), sep=""), None),
        ]
        for field, label in _PRIVACY_FIELDS.items():
            rows.append(
                (_bilingual(label), questionnaire.text(getattr(notice, field), "zh-Hant-TW"))
            )
        return rows

    @staticmethod
    def _cells(sheet: Any, values: list[Any]) -> list[Any]:
        """Cells for a write-only sheet: text forced to string cells, times formatted."""
        out: list[Any] = []
        for value in values:
            if value is None or (isinstance(value, str) and value == ""):
                out.append(None)
            elif isinstance(value, str):
                text = neutralise(_text(value))
                # XML turns a bare CR into LF when read; an Excel line break is LF anyway.
                text = text.replace("\r\n", "\n").replace("\r", "\n")
                text = _ILLEGAL_XML.sub("\ufffd", text)
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"  # never a formula ("=…") nor an error value ("#N/A")
                out.append(cell)
            elif isinstance(value, datetime):
                out.append(WriteOnlyCell(sheet, value=value))
                out[-1].number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                out.append(WriteOnlyCell(sheet, value=value))  # type: ignore[arg-type]  # types-openpyxl's WriteOnlyCell omits date; openpyxl takes one
                out[-1].number_format = DATE_FORMAT
            else:
                out.append(value)
        return out
