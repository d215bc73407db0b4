"""Reading every file of an evidence pack back as text, as a person would see it:
PDF through poppler's ``pdftotext``, DOCX through python-docx, XLSX through openpyxl,
CSV, JSON and SVG as UTF-8 (PNG charts have no text)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from docx import Document
from openpyxl import load_workbook


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")


def docx_text(path: Path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def xlsx_rows(path: Path) -> list[list[str]]:
    book = load_workbook(str(path), read_only=True)
    rows = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            rows.append(["" if v is None else str(v) for v in row])
    return rows


def read_text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_text(path)
    if suffix == ".docx":
        return docx_text(path)
    if suffix == ".xlsx":
        return "\n".join("\t".join(r) for r in xlsx_rows(path))
    if suffix == ".png":
        return ""
    return path.read_text(encoding="utf-8")
