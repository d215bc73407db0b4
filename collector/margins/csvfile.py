"""Reading a margins CSV: columns year, variable, category, count and optionally unit.

Taiwan's government spreadsheets come as UTF-8 (with or without Excel's BOM), UTF-16
(Excel's "Unicode text") or Big5 (Excel's default CSV on a Traditional Chinese
Windows, code page 950): all are read. The first row names the columns (English or
Chinese: 年度, 變項, 類別, 人數, 單位). Every row is checked and every problem reported
with its row; the caller saves nothing unless the list of problems is empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from collector.margins.categories import VARIABLES
from collector.margins.categories import Scheme
from collector.margins.categories import looks_like_formula
from collector.margins.validation import MAX_COUNT
from collector.margins.validation import Problem
from collector.margins.validation import parse_count
from collector.margins.validation import parse_year

MAX_BYTES = 200_000
MAX_ROWS = 2_000
REQUIRED = ("year", "variable", "category", "count")
HEADERS = {
    "year": "year",
    "年度": "year",
    "年": "year",
    "variable": "variable",
    "變項": "variable",
    "變數": "variable",
    "category": "category",
    "類別": "category",
    "count": "count",
    "人數": "count",
    "數量": "count",
    "unit": "unit",
    "單位": "unit",
}
VARIABLE_NAMES = {
    "sex": "sex",
    "性別": "sex",
    "age_group": "age_group",
    "age": "age_group",
    "年齡": "age_group",
    "年齡層": "age_group",
    "district": "district",
    "行政區": "district",
    "區": "district",
}


@dataclass(frozen=True)
class Row:
    """One checked row of the file."""

    line: int
    year: int
    variable: str
    category: str
    count: int
    unit: str | None


def decode(data: bytes) -> str | None:
    """The file's text: UTF-8 (a BOM dropped), UTF-16 with its BOM, else Big5 (cp950)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8-sig", "cp950"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


BINARY_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")
"""XLSX (a zip), the old XLS, PDF: what people upload instead of the CSV."""


def parse(
    data: bytes,
    schemes: Mapping[str, Scheme],
    unit_codes: set[str],
    this_year: int,
) -> tuple[list[Row], list[Problem]]:
    """Every row of ``data`` checked, and every problem found (line 0: the whole file)."""
    if not data.strip():
        return [], [Problem(0, "mg_err_empty")]
    if len(data) > MAX_BYTES:
        return [], [Problem(0, "mg_err_too_big", {"max": MAX_BYTES // 1000})]
    if data.startswith(BINARY_MAGIC) or (
        b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    ):
        return [], [Problem(0, "mg_err_binary")]
    text = decode(data)
    if text is None:
        return [], [Problem(0, "mg_err_encoding")]
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    problems: list[Problem] = []
    columns: list[str | None] | None = None
    seen: dict[tuple[int, str | None, str, str], int] = {}
    line = 0
    data_rows = 0
    try:
        for cells in reader:
            line = reader.line_num
            values = [c.strip() for c in cells]
            while values and values[-1] == "":
                values.pop()
            if not values:
                continue
            if columns is None:
                columns, header_problems = _header(values, line)
                problems += header_problems
                if header_problems:
                    break
                continue
            data_rows += 1
            if data_rows > MAX_ROWS:
                return [], [Problem(line, "mg_err_too_many", {"max": MAX_ROWS})]
            if len(values) > len(columns) or len(values) < len(REQUIRED):
                problems.append(Problem(line, "mg_err_columns", {"found": len(values)}))
                continue
            record = {c: v for c, v in zip(columns, values, strict=False) if c}
            row, row_problems = _row(line, record, schemes, unit_codes, this_year)
            problems += row_problems
            if row is None:
                continue
            key = (row.year, row.unit, row.variable, row.category)
            if key in seen:
                problems.append(Problem(line, "mg_err_repeat", {"other": seen[key]}))
                continue
            seen[key] = line
            rows.append(row)
    except csv.Error:
        problems.append(Problem(line + 1, "mg_err_csv"))
    if columns is None and not problems:
        problems.append(Problem(0, "mg_err_empty"))
    if not problems:
        problems += _too_few(rows)
    if not rows and not problems:
        problems.append(Problem(0, "mg_err_empty"))
    return rows, problems


def _header(values: list[str], line: int) -> tuple[list[str | None], list[Problem]]:
    columns: list[str | None] = []
    problems = []
    for value in values:
        name = HEADERS.get(value.strip().casefold().lstrip("\ufeff"))
        if name is None or name in columns:
            problems.append(Problem(line, "mg_err_header_unknown", {"value": value[:40]}))
        columns.append(name)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        problems.append(Problem(line, "mg_err_header", {"missing": ", ".join(missing)}))
    return columns, problems


def _row(
    line: int,
    record: dict[str, str],
    schemes: Mapping[str, Scheme],
    unit_codes: set[str],
    this_year: int,
) -> tuple[Row | None, list[Problem]]:
    problems = []
    for column, value in record.items():
        if looks_like_formula(value) and not (
            column == "count" and value[:1] in "+-" and value[1:2].isdigit()
        ):
            problems.append(Problem(line, "mg_err_formula", {"cell": value[:40]}))
    if problems:
        return None, problems
    year = parse_year(record.get("year", ""), this_year)
    if year is None:
        problems.append(Problem(line, "mg_err_year", {"first": 1990, "last": this_year + 1}))
    raw_variable = record.get("variable", "")
    variable = VARIABLE_NAMES.get(raw_variable.casefold())
    category = None
    if variable is None:
        problems.append(Problem(line, "mg_err_variable", {"value": raw_variable[:40]}))
    else:
        category, problem = resolve_category(line, schemes[variable], record.get("category", ""))
        if problem:
            problems.append(problem)
    count = parse_count(record.get("count", ""))
    if isinstance(count, str):
        problems.append(
            Problem(line, count, {"max": f"{MAX_COUNT:,}", "cell": record["count"][:40]})
        )
    unit = record.get("unit") or None
    if unit is not None and unit not in unit_codes:
        problems.append(Problem(line, "mg_err_unit", {"value": unit[:40]}))
    if problems:
        return None, problems
    assert year is not None and variable is not None and category is not None  # no problems
    assert isinstance(count, int)
    return Row(line, year, variable, category, count, unit), []


def resolve_category(line: int, scheme: Scheme, text: str) -> tuple[str | None, Problem | None]:
    """The category ``text`` names in ``scheme``, or the problem to report."""
    label = scheme.variable
    if scheme.categories == ():
        return None, Problem(line, "mg_err_not_asked", {"variable": label})
    category = scheme.resolve(text)
    if category is not None:
        return category, None
    if scheme.categories is None:
        return None, Problem(line, "mg_err_category_text")
    allowed = ", ".join(c.value for c in scheme.categories)
    return None, Problem(
        line, "mg_err_category", {"value": text[:40], "variable": label, "allowed": allowed}
    )


def _too_few(rows: list[Row]) -> list[Problem]:
    """A (year, unit, variable) with a single category: reported on its row."""
    groups: dict[tuple[int, str | None, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.year, row.unit, row.variable), []).append(row)
    return [
        Problem(
            members[0].line,
            "mg_err_too_few",
            {"variable": variable, "year": year, "unit": f" ({unit})" if unit else ""},
        )
        for (year, unit, variable), members in groups.items()
        if len(members) < 2
    ]


assert set(VARIABLE_NAMES.values()) == set(VARIABLES)
