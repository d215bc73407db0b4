"""The pack's files: PDF (WeasyPrint, from HTML and CSS), DOCX (python-docx), XLSX
(openpyxl), the charts as PNG and SVG, the open data (CSV and JSON of the figures with
their data dictionary), plugins' files, and the manifest; then one zip.

Chinese is set in the bundled Noto Sans CJK TC subset (with its Han supplement), then
any full CJK font the system has (Debian's ``fonts-noto-cjk``); the subset holds every
character of the catalogues, the bundled questionnaires and Big5's common characters
and 𠊎, and characters outside the Basic Multilingual Plane are written as themselves
in every format (UTF-8, never surrogates).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import math
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.shared import Pt
from flask import Flask
from jinja2 import Environment
from jinja2 import FileSystemLoader
from jinja2 import select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Font
from weasyprint import HTML

from collector.core.disclosure import MIN_CELL
from collector.core.disclosure import too_small
from collector.core.i18n import translator
from collector.evidence.context import registries
from collector.evidence.model import Edition
from collector.evidence.model import Figure
from collector.evidence.model import Pack
from collector.results.chartfonts import BUNDLED
from collector.results.chartfonts import SYSTEM_CJK_FAMILIES

TEMPLATES = Path(__file__).parent / "templates" / "evidence"
MANIFEST = "manifest.json"
SHORT = {"zh-Hant-TW": "zh", "en": "en"}
FONT_STACK = (
    ", ".join(f'"{f}"' for f in ["Collector Sans", "Collector Han", *SYSTEM_CJK_FAMILIES])
    + ", sans-serif"
)

Report = Callable[[int, str], None]


def short(language: str) -> str:
    return SHORT.get(language, language)


def pack_name(pack: Pack) -> str:
    return f"evidence-{pack.agency_code}-{pack.period}"


# -- PDF ---------------------------------------------------------------------------------


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
    )


def report_html(pack: Pack, edition: Edition) -> str:
    """The edition as one HTML document (the PDF's source): charts as their PNG (the
    pack's 200 dpi drawing; WeasyPrint draws an SVG chart's glyph outlines node by node,
    which took half the PDF's time, and a PNG is copied as it is)."""
    text = translator(edition.language)
    fonts = {family: path.resolve().as_uri() for family, path in BUNDLED.items()}
    return (
        _environment()
        .get_template("report.html")
        .render(
            pack=pack,
            edition=edition,
            text=text,
            image=lambda name: _png_uri(pack.charts.drawn[name].png),
            fonts=list(fonts.values()),
            font_stack=FONT_STACK,
            lang="zh-Hant-TW" if edition.language == "zh-Hant-TW" else edition.language,
            parts=_part_titles(edition.language),
        )
    )


def _png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _part_titles(language: str) -> dict[str, str]:
    text = translator(language)
    return {
        "citizens": text.gettext("Part one: citizens' satisfaction"),
        "complaints": text.gettext("Part two: complaint handling"),
        "staff": text.gettext("Part three: internal staff satisfaction"),
    }


def pdf_bytes(pack: Pack, edition: Edition) -> bytes:
    html = report_html(pack, edition)
    data = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    assert data is not None
    return bytes(data)


# -- DOCX --------------------------------------------------------------------------------


def docx_bytes(pack: Pack, edition: Edition) -> bytes:
    """An editable Word document of the edition: headings, paragraphs, tables, charts."""
    document = Document()
    styles = document.styles
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        style = styles[name]
        style.font.name = "Noto Sans CJK TC"
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), "Noto Sans CJK TC")
    styles["Normal"].font.size = Pt(10.5)
    core = document.core_properties
    core.title = edition.title
    core.subject = edition.subtitle
    core.author = "collector"
    document.add_heading(edition.title, level=0)
    document.add_paragraph(edition.subtitle)
    document.add_paragraph(_provenance(pack, edition.language))
    parts = _part_titles(edition.language)
    part = None
    for section in edition.sections:
        if section.part != part:
            part = section.part
            document.add_heading(parts.get(part, part), level=1)
        document.add_heading(section.title, level=2)
        for paragraph in section.paragraphs:
            document.add_paragraph(paragraph)
        for bullet in section.bullets:
            document.add_paragraph(bullet, style="List Bullet")
        for table in section.tables:
            document.add_paragraph(table.title, style="Caption")
            grid = document.add_table(rows=1, cols=len(table.headers), style="Table Grid")
            for cell, header in zip(grid.rows[0].cells, table.headers, strict=True):
                cell.text = header
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in table.rows:
                cells = grid.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = value
            if table.note:
                document.add_paragraph(table.note)
        for chart in section.charts:
            drawn = pack.charts.drawn[chart.name]
            document.add_picture(io.BytesIO(drawn.png), width=Cm(16))
            document.add_paragraph(chart.chart.alt, style="Caption")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _provenance(pack: Pack, language: str) -> str:
    text = translator(language)
    return text.gettext(
        "Made by collector %(version)s from the database as it was at %(snapshot)s (UTC); "
        "every file of the pack is listed with its SHA-256 in manifest.json.",
        version=pack.software_version,
        snapshot=pack.snapshot_at.strftime("%Y-%m-%d %H:%M:%S"),
    )


# -- XLSX --------------------------------------------------------------------------------


def xlsx_bytes(pack: Pack, edition: Edition) -> bytes:
    """Every table of the edition on a sheet of its own, and the figures on the first."""
    text = translator(edition.language)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = text.gettext("Figures")[:31]
    headers, rows = figure_rows(pack, edition)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    used = {sheet.title}
    for number, (section, table) in enumerate(
        ((s, t) for s in edition.sections for t in s.tables), start=1
    ):
        title = f"{number:02d} {table.title}"[:31]
        for bad in "[]:*?/\\":
            title = title.replace(bad, " ")
        while title in used:
            title = title[:28] + f"~{number}"
        used.add(title)
        ws = book.create_sheet(title)
        ws.append([section.title])
        ws.append([table.title])
        ws.append(table.headers)
        for cell in ws[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append(row)
        if table.note:
            ws.append([table.note])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- open data ---------------------------------------------------------------------------

FIELDS = (
    "agency",
    "agency_name_zh",
    "key",
    "section",
    "label_zh",
    "label_en",
    "measure",
    "wave",
    "value",
    "low",
    "high",
    "n",
)


def publishable(figure: Figure) -> bool:
    """No figure resting on, or counting, fewer than MIN_CELL people or cases."""
    if figure.n is not None and too_small(figure.n):
        return False
    if figure.measure == "count" and isinstance(figure.value, int | float):
        return not too_small(int(figure.value))
    return True


def finite(value: Any) -> Any:
    """A number as open data writes it: NaN and infinity (an undefined or unreached
    estimate) become empty, never the non-standard JSON ``NaN``."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def open_figures(pack: Pack) -> list[dict[str, Any]]:
    """Every figure of the pack once, with its label in both languages."""
    labels: dict[str, dict[str, str]] = {}
    for edition in pack.editions.values():
        for section in edition.sections:
            for figure in section.figures:
                labels.setdefault(figure.key + "@" + figure.wave, {})[edition.language] = (
                    figure.label or section.title
                )
    out = []
    seen = set()
    for section in pack.primary.sections:
        for figure in section.figures:
            ident = figure.key + "@" + figure.wave
            if ident in seen or not publishable(figure):
                continue
            seen.add(ident)
            names = labels.get(ident, {})
            out.append(
                {
                    "agency": pack.agency_code,
                    "agency_name_zh": pack.agency_names["zh-Hant-TW"],
                    "key": figure.key,
                    "section": section.name,
                    "label_zh": names.get("zh-Hant-TW", ""),
                    "label_en": names.get("en", ""),
                    "measure": figure.measure,
                    "wave": figure.wave,
                    "value": finite(figure.value),
                    "low": finite(figure.low),
                    "high": finite(figure.high),
                    "n": figure.n,
                }
            )
    return out


def figure_rows(pack: Pack, edition: Edition) -> tuple[list[str], list[list[Any]]]:
    text = translator(edition.language)
    headers = [
        text.gettext("Agency"),
        text.gettext("Key"),
        text.gettext("Section"),
        text.gettext("Label"),
        text.gettext("Measure"),
        text.gettext("Wave"),
        text.gettext("Value"),
        text.gettext("CI low (95%)"),
        text.gettext("CI high (95%)"),
        "n",
    ]
    label = "label_en" if edition.language == "en" else "label_zh"
    rows = [
        [
            f["agency_name_zh"] if edition.language != "en" else pack.agency_names["en"],
            f["key"],
            f["section"],
            f[label],
            f["measure"],
            f["wave"],
            f["value"],
            f["low"],
            f["high"],
            f["n"],
        ]
        for f in open_figures(pack)
    ]
    return headers, rows


DICTIONARY = {
    "agency": ("The agency's code", "機關代碼"),
    "agency_name_zh": ("The agency's name in Traditional Chinese", "機關中文名稱"),
    "key": (
        "Stable identifier of the figure: questionnaire or topic, item, statistic",
        "穩定識別碼：問卷或主題、題項、統計量",
    ),
    "section": ("The pack section the figure appears in", "數值所在的章節"),
    "label_zh": ("What the figure measures, in Traditional Chinese", "數值意義（中文）"),
    "label_en": ("What the figure measures, in English", "數值意義（英文）"),
    "measure": (
        "share (0-1), score (0-100), mean (1-5), count, days, points (percentage points) or ratio",
        "比率（0-1）、分數（0-100）、平均數（1-5）、件數或人數、日數、百分點或比值",
    ),
    "wave": (
        "The period the figure belongs to (2025, 2025H1; c12 a campaign)",
        "數值所屬期間（2025、2025H1；c12 為調查活動）",
    ),
    "value": ("The estimate", "估計值"),
    "low": ("Lower end of its 95% interval", "95% 信賴區間下限"),
    "high": (
        "Upper end of its 95% interval (for the overdue p-chart: the control limits)",
        "95% 信賴區間上限（逾期 p 管制圖為管制界限）",
    ),
    "n": (
        f"Respondents or cases it rests on (never fewer than {MIN_CELL})",
        f"所依據的受訪者或案件數（不少於 {MIN_CELL}）",
    ),
}


def open_data(pack: Pack) -> dict[str, bytes]:
    figures = open_figures(pack)
    csv_buffer = io.StringIO()
    writer = csv.DictWriter(csv_buffer, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in figures:
        writer.writerow({k: "" if row[k] is None else row[k] for k in FIELDS})
    dictionary = io.StringIO()
    table = csv.writer(dictionary, lineterminator="\n")
    table.writerow(["field", "description_en", "description_zh"])
    for name in FIELDS:
        table.writerow([name, *DICTIONARY[name]])
    document = {
        "agency": pack.agency_code,
        "agency_names": pack.agency_names,
        "period": pack.period,
        "min_cell": MIN_CELL,
        "fields": {name: {"en": DICTIONARY[name][0], "zh": DICTIONARY[name][1]} for name in FIELDS},
        "figures": figures,
    }
    bom = "\ufeff"  # Excel opens a UTF-8 CSV with a BOM as UTF-8
    return {
        "opendata/figures.csv": (bom + csv_buffer.getvalue()).encode("utf-8"),
        "opendata/figures.json": json.dumps(
            document, ensure_ascii=False, indent=1, allow_nan=False
        ).encode("utf-8"),
        "opendata/data-dictionary.csv": (bom + dictionary.getvalue()).encode("utf-8"),
    }


# -- the pack ----------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_all(
    app: Flask, pack: Pack, out_dir: Path, report: Report, watch: Any
) -> tuple[Path, Path]:
    """Every file into ``out_dir/<name>/``, the manifest, then ``out_dir/<name>.zip``."""
    files: dict[str, bytes] = {}
    report(50, translator(pack.primary.language).gettext("Drawing the charts"))
    for drawn in pack.charts.drawn.values():
        files[f"charts/{drawn.name}.png"] = drawn.png
        files[f"charts/{drawn.name}.svg"] = drawn.svg.encode("utf-8")
    watch.lap("charts")
    for index, (language, edition) in enumerate(pack.editions.items()):
        report(55 + 15 * index, translator(language).gettext("Writing the PDF report"))
        files[f"report-{short(language)}.pdf"] = pdf_bytes(pack, edition)
        watch.lap("pdf")
        files[f"report-{short(language)}.docx"] = docx_bytes(pack, edition)
        watch.lap("docx")
        files[f"tables-{short(language)}.xlsx"] = xlsx_bytes(pack, edition)
        watch.lap("xlsx")
    report(88, translator(pack.primary.language).gettext("Writing the open data"))
    files.update(open_data(pack))
    _sections, exporters = registries(app)
    for name, cls in exporters.items.items():
        for path, data in cls().files(pack).items():
            clean = path.strip("/").replace("\\", "/")
            if not clean or ".." in clean.split("/") or clean == MANIFEST or clean in files:
                raise ValueError(f"evidence exporter {name!r} wrote a bad or taken path {path!r}")
            files[clean] = data
    watch.lap("opendata")
    manifest = {
        "software": {"name": "collector", "version": pack.software_version},
        "parameters": {
            **pack.parameters,
            "wave": {
                "key": pack.wave.key,
                "start": pack.wave.start.isoformat(),
                "end": pack.wave.end.isoformat(),
            },
            "languages": list(pack.editions),
        },
        "generated_at": pack.generated_at.isoformat(),
        "database_snapshot_at": pack.snapshot_at.isoformat(),
        "database": app.config["DATABASE_URL"].split(":", 1)[0].split("+", 1)[0],
        "files": [
            {"path": path, "sha256": sha256(data), "bytes": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    files[MANIFEST] = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    name = pack_name(pack)
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = out_dir / name
    if folder.exists():
        shutil.rmtree(folder)
    for path, data in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    zip_path = out_dir / f"{name}.zip"
    partial = zip_path.with_suffix(".zip.part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{name}/{path}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[path])
    partial.replace(zip_path)
    watch.lap("zip")
    report(98, translator(pack.primary.language).gettext("Saving the file"))
    return folder, zip_path
