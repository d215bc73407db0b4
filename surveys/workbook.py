"""Reading an uploaded spreadsheet safely: the workbook is data from a stranger.

An ``.xlsx`` file is a zip of XML parts. Before openpyxl sees it we look at the
zip itself: its size, its declared uncompressed sizes and compression ratio (a
zip bomb), macros (``vbaProject.bin``, a macro-enabled content type), formulas
(``<f>`` elements in a sheet) and DTDs or entity declarations (an XML bomb, which
defusedxml refuses too). Only then is it opened read-only with cached values, and
every sheet is read into plain rows, stopping at the first cell past the limits.
Python's zipfile never inflates more than a member's declared size, so checking
the declared sizes bounds what is read. Pure: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from dataclasses import field
from typing import Any

MAX_FILE_BYTES = 5 * 1024 * 1024
"""The largest upload: a questionnaire of 2,000 rows is far smaller."""
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
"""The most that all the zip's parts may inflate to, as they declare."""
MAX_RATIO = 100
"""The largest compression ratio of one part: ordinary XML compresses about 10 to 1."""
MAX_MEMBERS = 200
MAX_ROWS = 2000
"""Rows per sheet (the header included)."""
MAX_COLUMNS = 100
MAX_CELLS = 100_000
"""Cells in the whole workbook."""

_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload, where a person finds it in the spreadsheet."""

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    code: str = ""
    """Names the message for a translation (collector.authoring.messages); "" for none."""
    params: tuple[tuple[str, Any], ...] = ()
    """The values the message's translation fills in, as (name, value) pairs."""

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.params)

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class WorkbookError(ValueError):
    """An upload that was refused; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Sheet:
    """A sheet's header and rows of plain values (text, numbers), with their row numbers."""

    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _refuse(
    message: str, code: str = "", params: dict[str, Any] | None = None, **where: Any
) -> WorkbookError:
    return WorkbookError(
        [Problem(message, code=code, params=tuple((params or {}).items()), **where)]
    )


def check_zip(data: bytes, filename: str = "") -> None:
    """Refuse what must never be opened: oversized, macro-enabled, bombs and formulas."""
    if filename.lower().endswith((".xlsm", ".xltm", ".xlsb", ".xls")):
        raise _refuse(
            "only .xlsx workbooks are accepted: macro-enabled (.xlsm), binary (.xlsb) "
            "and old (.xls) workbooks are refused",
            "wb_not_xlsx_kind",
        )
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(
            f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB",
            "wb_too_large",
            {"mb": MAX_FILE_BYTES // (1024 * 1024)},
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse("this is not an .xlsx workbook (not a zip file)", "wb_not_zip") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _refuse(
                f"the workbook has more than {MAX_MEMBERS} parts",
                "wb_too_many_parts",
                {"count": MAX_MEMBERS},
            )
        total = 0
        for info in members:
            name = info.filename.lower()
            if "vbaproject" in name or (name.endswith(".bin") and "vba" in name):
                raise _refuse(
                    "the workbook contains macros (vbaProject.bin): macros are refused", "wb_macros"
                )
            total += info.file_size
            if total > MAX_UNCOMPRESSED_BYTES:
                raise _refuse(
                    "the workbook inflates to more than "
                    f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB: refused as a zip bomb",
                    "wb_inflates",
                    {"mb": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)},
                )
            if info.file_size > 64 * 1024 and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise _refuse(
                    f"part {info.filename} is compressed more than {MAX_RATIO} to 1: "
                    "refused as a zip bomb",
                    "wb_ratio",
                    {"part": info.filename, "ratio": MAX_RATIO},
                )
        names = {info.filename for info in members}
        if "[Content_Types].xml" not in names:
            raise _refuse(
                "this is not an .xlsx workbook ([Content_Types].xml is missing)",
                "wb_no_content_types",
            )
        for info in members:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                text = archive.read(info)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise _refuse(
                    f"part {info.filename} cannot be read: {exc}",
                    "wb_part_unreadable",
                    {"part": info.filename},
                ) from None
            if _DTD.search(text):
                raise _refuse(
                    f"part {info.filename} declares a DTD or entities: refused as an XML bomb",
                    "wb_dtd",
                    {"part": info.filename},
                )
            if info.filename == "[Content_Types].xml" and b"macroEnabled" in text:
                raise _refuse("the workbook is macro-enabled: macros are refused", "wb_macros")
            if info.filename.startswith("xl/worksheets/") and _FORMULA.search(text):
                raise _refuse(
                    f"part {info.filename} contains formulas: type the values themselves "
                    "(formulas are refused)",
                    "wb_formulas",
                    {"part": info.filename},
                )


def _plain(value: Any) -> Any:
    """A cell's value as text or a number; dates as ISO text."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def read_workbook(data: bytes, filename: str = "") -> dict[str, Sheet]:
    """Every sheet of a checked workbook as header and rows (blank rows left out)."""
    check_zip(data, filename)
    # Imported here so that the pure modules that only write workbooks stay light.
    import openpyxl

    try:
        book = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise _refuse(
            f"the workbook cannot be opened: {type(exc).__name__}: {exc}", "wb_cannot_open"
        ) from None
    sheets: dict[str, Sheet] = {}
    cells = 0
    try:
        for ws in book.worksheets:
            sheet: Sheet | None = None
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS:
                    raise _refuse(
                        f"more than {MAX_ROWS} rows: split the questionnaire or remove "
                        "blank formatted rows",
                        "wb_too_many_rows",
                        {"count": MAX_ROWS},
                        sheet=ws.title,
                    )
                values = tuple(values[: MAX_COLUMNS + 1])
                if len(values) > MAX_COLUMNS and any(v is not None for v in values[MAX_COLUMNS:]):
                    raise _refuse(
                        f"more than {MAX_COLUMNS} columns",
                        "wb_too_many_columns",
                        {"count": MAX_COLUMNS},
                        sheet=ws.title,
                        row=number,
                    )
                cells += len(values)
                if cells > MAX_CELLS:
                    raise _refuse(
                        f"the workbook has more than {MAX_CELLS} cells",
                        "wb_too_many_cells",
                        {"count": MAX_CELLS},
                    )
                if sheet is None:
                    header = [str(_plain(v)) if v is not None else "" for v in values]
                    sheet = Sheet(ws.title, header)
                    continue
                row = {
                    sheet.header[i]: _plain(v)
                    for i, v in enumerate(values[: len(sheet.header)])
                    if sheet.header[i] and v is not None and _plain(v) != ""
                }
                extra = [v for v in values[len(sheet.header) :] if v not in (None, "")]
                if extra:
                    raise _refuse(
                        "a value stands in a column without a heading",
                        "wb_no_heading",
                        sheet=ws.title,
                        row=number,
                    )
                if row:
                    sheet.rows.append((number, row))
            sheets[ws.title] = sheet or Sheet(ws.title, [])
    finally:
        book.close()
    return sheets
