"""The core's exporters: XLSX with a data dictionary, and both formats through the CLI."""

from __future__ import annotations

import csv
import io
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
from flask import Flask
from flask.testing import FlaskClient

import surveys
from collector.core.plugins import get_plugins
from collector.results.exporters import CsvExporter
from collector.results.exporters import XlsxExporter
from collector.results.reading import META_COLUMNS
from collector.results.reading import ResponseTable
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.questionnaires import NOTICE_FIELDS

TAIPEI = ZoneInfo("Asia/Taipei")
ATTACKS = ["=1+1", "+cmd", "-2+3", "@SUM(1)", "\tx", "\rx"]


def t(zh: str, en: str) -> dict[str, str]:
    return {"zh-Hant-TW": zh, "en": en}


def small_questionnaire() -> surveys.Questionnaire:
    """Every kind of column the exporters treat differently, and a conditional section."""
    return surveys.parse(
        {
            "slug": "export-check",
            "title": t("匯出檢查", "Export check"),
            "privacy_notice": {
                "controller": t("蒐集機關：{agency}。", "Controller: {agency}."),
                "purpose": t("蒐集目的：測試。", "Purpose: testing."),
                "categories": t("類別：無。", "Categories: none."),
                "use": t("利用：統計。", "Use: statistics."),
                "rights": t("權利：查詢。", "Rights: inspect."),
                "optional_data": t("選填：是。", "Optional: yes."),
            },
            "sections": [
                {
                    "key": "first",
                    "title": t("第一部分", "Part one"),
                    "questions": [
                        {"key": "visited", "type": "yes_no", "label": t("來過嗎？", "Visited?")},
                    ],
                },
                {
                    "key": "second",
                    "title": t("第二部分", "Part two"),
                    "relevant": "${visited} = 'yes'",
                    "questions": [
                        {
                            "key": "visit_date",
                            "type": "date",
                            "label": t("日期", "Date"),
                            "params": {"min": "2024-01-01", "max": "2026-12-31"},
                        },
                        {
                            "key": "channels",
                            "type": "multiple_choice",
                            "label": t("管道", "Channels"),
                            "min": 1,
                            "max": 2,
                            "choices": [
                                {"value": "web", "label": t("網站", "Web")},
                                {"value": "app", "label": t("手機程式", "App")},
                                {"value": "desk", "label": t("櫃台", "Desk")},
                            ],
                        },
                        {
                            "key": "balance",
                            "type": "number",
                            "required": False,
                            "min": -100,
                            "max": 100,
                            "relevant": "${visited} = 'yes'",
                            "label": t("差額", "Balance"),
                        },
                        {"key": "score", "type": "likert5", "label": t("滿意度", "Satisfaction")},
                        {
                            "key": "note",
                            "type": "long_text",
                            "required": False,
                            "label": t("意見（客家話 𠊎）", "Comment"),
                        },
                    ],
                },
            ],
            "analysis": {
                "overall": "score",
                "comment": "note",
                "dimensions": {"service": ["score"]},
                "dimension_labels": {"service": t("服務", "Service")},
                "demographics": {"visitor": "visited"},
            },
        },
        "test",
    )


def small_table() -> ResponseTable:
    questionnaire = small_questionnaire()
    notes = [*ATTACKS, "#N/A", "-3", "客家話 𠊎", "e\u0301"]
    records: list[dict[str, Any]] = []
    for i, note in enumerate(notes):
        records.append(
            {
                "receipt": f"R{i:02d}",
                "version": 1 if i < 5 else 2,
                "agency": "alpha",
                "unit": "c1" if i % 2 else None,
                "channel": "online",
                "language": "zh-Hant-TW",
                "started_at": datetime(2025, 1, 1, 16, 25, tzinfo=UTC) if i == 0 else None,
                "submitted_at": datetime(2025, 1, 1, 16, 30, tzinfo=UTC) + timedelta(hours=i),
                "visited": "yes",
                "visit_date": "2025-02-03",
                "channels": ["web", "app"] if i == 0 else (["desk"] if i == 1 else None),
                "balance": [-3, 2.5, None][i % 3],
                "score": "na" if i == 2 else 5 - i % 5,
                "note": note,
            }
        )
    keys = [q.key for q in questionnaire.questions()]
    frame = pd.DataFrame.from_records(records, columns=META_COLUMNS + keys)
    return ResponseTable(questionnaire, frame)


def read(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows() if any(c.value is not None for c in row)]


def by_key(header: list[Any], row: list[Any]) -> dict[str, Any]:
    return {h.value: c for h, c in zip(header, row, strict=False)}


# -- registration -------------------------------------------------------------------


def test_both_exporters_are_registered_through_the_hook(app: Flask) -> None:
    plugins = get_plugins(app)
    assert plugins.exporters["csv"] is CsvExporter
    assert plugins.exporters["xlsx"] is XlsxExporter
    assert plugins.exporters.owners["xlsx"] == "collector.results.hooks"
    assert XlsxExporter.extension == "xlsx"
    assert XlsxExporter.media_type.endswith("spreadsheetml.sheet")


# -- the responses sheet --------------------------------------------------------------


def test_xlsx_responses_sheet_keeps_numbers_and_defuses_formulas() -> None:
    table = small_table()
    book = read(XlsxExporter().export(table))
    assert book.sheetnames == ["responses", "dictionary", "about"]
    rows = sheet_rows(book["responses"])
    header = rows[0]
    assert [c.value for c in header] == list(table.frame.columns)
    assert all(c.data_type == "s" for c in header)
    cells = [by_key(header, row) for row in rows[1:]]
    assert len(cells) == len(table.frame)

    # Numbers are numeric cells; a genuine negative number stays one.
    assert cells[0]["balance"].value == -3 and cells[0]["balance"].data_type == "n"
    assert cells[1]["balance"].value == 2.5 and cells[1]["balance"].data_type == "n"
    assert cells[2]["balance"].value is None
    assert cells[0]["version"].value == 1 and cells[0]["version"].data_type == "n"
    assert cells[0]["score"].value == 5 and cells[0]["score"].data_type == "n"
    assert cells[2]["score"].value == "na" and cells[2]["score"].data_type == "s"

    # Every text a spreadsheet would run is prefixed and stays a string cell.
    notes = [c["note"] for c in cells]
    expected = ["'" + a for a in ATTACKS]
    expected[-1] = "'\nx"  # XML reads a bare CR as LF; an Excel line break is LF anyway
    assert [n.value for n in notes[: len(ATTACKS)]] == expected
    assert all(n.data_type == "s" for n in notes)
    assert notes[6].value == "#N/A"  # an error code stays text, not an error cell
    assert notes[7].value == "-3" and notes[7].data_type == "s"  # a text answer stays text
    assert notes[8].value == "客家話 𠊎"  # outside the BMP, kept
    assert notes[9].value == "\u00e9"  # NFC

    # Lists are joined; dates and times are real Excel values in Asia/Taipei local time.
    assert cells[0]["channels"].value == "web;app" and cells[1]["channels"].value == "desk"
    submitted = cells[0]["submitted_at"]
    assert submitted.is_date and submitted.value == datetime(2025, 1, 2, 0, 30)
    assert submitted.number_format == "yyyy-mm-dd hh:mm:ss"
    assert cells[0]["started_at"].value == datetime(2025, 1, 2, 0, 25)
    assert cells[1]["started_at"].value is None
    assert cells[0]["visit_date"].is_date
    assert cells[0]["visit_date"].value.date() == date(2025, 2, 3)
    assert cells[0]["unit"].value is None and cells[1]["unit"].value == "c1"


def test_xlsx_of_no_responses_still_describes_the_columns() -> None:
    questionnaire = small_questionnaire()
    keys = [q.key for q in questionnaire.questions()]
    table = ResponseTable(questionnaire, pd.DataFrame(columns=META_COLUMNS + keys))
    book = read(XlsxExporter().export(table))
    assert [c.value for c in sheet_rows(book["responses"])[0]] == META_COLUMNS + keys
    assert len(sheet_rows(book["responses"])) == 1
    about = {r[0].value: r[1].value for r in sheet_rows(book["about"])}
    assert about["回覆數 responses"] == 0 and about["納入版本 versions included"] is None


# -- the dictionary --------------------------------------------------------------------


def dictionary(book: openpyxl.Workbook) -> dict[str, dict[str, Any]]:
    rows = sheet_rows(book["dictionary"])
    header = [c.value for c in rows[0]]
    assert all(c.data_type == "s" for c in rows[0])
    return {r[0].value: dict(zip(header, [c.value for c in r], strict=False)) for r in rows[1:]}


def test_dictionary_describes_every_column_of_the_citizen_survey() -> None:
    path = next(p for p in surveys.bundled() if p.name == "citizen_satisfaction.yaml")
    questionnaire = surveys.load(path)
    keys = [q.key for q in questionnaire.questions()]
    table = ResponseTable(questionnaire, pd.DataFrame(columns=META_COLUMNS + keys))
    entries = dictionary(read(XlsxExporter().export(table)))
    assert list(entries) == META_COLUMNS + keys

    for question in questionnaire.questions():
        entry = entries[question.key]
        assert entry["label_zh-Hant-TW"] == question.label["zh-Hant-TW"]
        assert entry["label_en"] == question.label["en"]
        assert entry["type"] == question.type
        assert entry["required"] == ("yes" if question.required else "no")
        for choice in questionnaire.choices_for(question) or []:
            assert f"{choice.value}={choice.label['zh-Hant-TW']}" in entry["allowed_values"]

    likert = entries["env_signage"]
    assert likert["allowed_values"] == (
        "5=非常滿意; 4=滿意; 3=普通; 2=不滿意; 1=非常不滿意; na=不適用"
    )
    assert (likert["min"], likert["max"]) == (1, 5)
    assert likert["analysis_role"] == "dimension: environment (洽公環境)"
    assert entries["overall_satisfaction"]["analysis_role"] == "overall"
    assert entries["comment"]["analysis_role"] == "comment"
    assert entries["sex"]["analysis_role"] == "demographic: sex"
    assert entries["first_visit"]["allowed_values"] == "yes=是; no=否"
    assert entries["recommend"]["allowed_values"] == "; ".join(str(i) for i in range(11))
    assert (entries["recommend"]["min"], entries["recommend"]["max"]) == (0, 10)
    assert entries["comment"]["allowed_values"] is None
    assert entries["service_type_other"]["relevant"] == "${service_type} = 'other'"

    # The meta columns are explained too, and the times say which zone they are in.
    for key in META_COLUMNS:
        assert entries[key]["label_zh-Hant-TW"] and entries[key]["label_en"]
        assert entries[key]["type"].startswith("meta")
    assert "Asia/Taipei" in entries["submitted_at"]["label_zh-Hant-TW"]
    assert "Asia/Taipei" in entries["submitted_at"]["label_en"]
    assert entries["channel"]["allowed_values"] == "online; qr; kiosk; paper; phone"


def test_dictionary_bounds_conditions_and_notes() -> None:
    entries = dictionary(read(XlsxExporter().export(small_table())))
    balance = entries["balance"]
    assert (balance["min"], balance["max"]) == (-100, 100)
    # A question inside a conditional section is asked only when both conditions hold.
    assert balance["relevant"] == "(${visited} = 'yes') and (${visited} = 'yes')"
    assert entries["score"]["relevant"] == "${visited} = 'yes'"
    assert entries["visited"]["relevant"] is None
    assert entries["visited"]["analysis_role"] == "demographic: visitor"
    channels = entries["channels"]
    assert channels["allowed_values"] == "web=網站; app=手機程式; desk=櫃台"
    assert (channels["min"], channels["max"]) == (1, 2)
    assert ";" in channels["notes"]
    assert (entries["visit_date"]["min"], entries["visit_date"]["max"]) == (
        "2024-01-01",
        "2026-12-31",
    )
    assert entries["note"]["label_zh-Hant-TW"] == "意見（客家話 𠊎）"
    assert entries["score"]["analysis_role"] == "overall; dimension: service (服務)"


# -- the about sheet -------------------------------------------------------------------


def test_about_sheet() -> None:
    table = small_table()
    before = datetime.now(TAIPEI).replace(tzinfo=None, microsecond=0)
    book = read(XlsxExporter().export(table))
    after = datetime.now(TAIPEI).replace(tzinfo=None) + timedelta(seconds=1)
    about = {r[0].value: r[1] for r in sheet_rows(book["about"])}
    assert about["問卷 questionnaire"].value == "export-check"
    assert about["問卷名稱 title"].value == "匯出檢查"
    assert about["納入版本 versions included"].value == "1, 2"
    assert about["回覆數 responses"].value == len(table.frame)
    exported = about["匯出時間 exported at"]
    assert exported.is_date and before <= exported.value <= after
    assert about["時區 time zone"].value == "Asia/Taipei (UTC+08:00)"
    assert "少於 5 人" in about["公布限制 publication"].value
    assert "fewer than 5 respondents must not be published" in about["公布限制 publication"].value
    notice = table.questionnaire.privacy_notice
    texts = [c.value for c in about.values() if c.value]
    for field in NOTICE_FIELDS:
        assert getattr(notice, field)["zh-Hant-TW"] in texts


# -- through the API and the CLI --------------------------------------------------------


def post(client: FlaskClient, **answers: Any) -> dict[str, Any]:
    body = {
        "questionnaire": "citizen-satisfaction",
        "agency": "alpha",
        "unit": "c1",
        "channel": "online",
        "language": "zh-Hant-TW",
        "answers": {**CITIZEN_ANSWERS, **answers},
    }
    if "started_at" in answers:
        body["started_at"] = body["answers"].pop("started_at")
    response = client.post("/api/v1/responses", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_cli_exports_xlsx_and_csv_alike(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    before = datetime.now(TAIPEI).replace(tzinfo=None, microsecond=0)
    first = post(client, started_at="2025-03-01T09:15:00+00:00")
    attacks = {
        post(client, comment=attack + " 客家話 𠊎", recommend=0, overall_satisfaction=2)[
            "receipt"
        ]: attack
        for attack in ["=1+1", "@SUM(1)", "-2+3", "+cmd"]
    }
    after = datetime.now(TAIPEI).replace(tzinfo=None) + timedelta(seconds=1)
    runner = app.test_cli_runner()

    out = tmp_path / "responses.xlsx"
    result = runner.invoke(
        args=["export", "citizen-satisfaction", "--format", "xlsx", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 5 responses" in result.output
    book = openpyxl.load_workbook(out)
    rows = sheet_rows(book["responses"])
    header = [c.value for c in rows[0]]
    assert header[: len(META_COLUMNS)] == META_COLUMNS
    cells = {r["receipt"].value: r for r in (by_key(rows[0], row) for row in rows[1:])}
    assert set(cells) == {first["receipt"], *attacks}
    one = cells[first["receipt"]]
    assert one["comment"].value == "櫃台很親切 𠊎"
    assert one["overall_satisfaction"].value == 4 and one["overall_satisfaction"].data_type == "n"
    assert one["env_facilities"].value == "na" and one["first_visit"].value == "no"
    assert one["version"].value == 1 and one["agency"].value == "alpha"
    assert one["started_at"].is_date and one["started_at"].value == datetime(2025, 3, 1, 17, 15)
    for receipt, attack in attacks.items():
        row = cells[receipt]
        assert row["comment"].value == "'" + attack + " 客家話 𠊎"
        assert row["comment"].data_type == "s"
        assert row["recommend"].value == 0 and row["recommend"].data_type == "n"
        assert row["started_at"].value is None
    for row in cells.values():
        assert row["submitted_at"].is_date
        assert before <= row["submitted_at"].value <= after  # Asia/Taipei, on either database
    about = {r[0].value: r[1].value for r in sheet_rows(book["about"])}
    assert about["回覆數 responses"] == 5 and about["納入版本 versions included"] == "1"
    assert dictionary(book)["overall_satisfaction"]["analysis_role"] == "overall"

    csv_out = tmp_path / "responses.csv"
    result = runner.invoke(args=["export", "citizen-satisfaction", "-o", str(csv_out)])
    assert result.exit_code == 0, result.output
    data = csv_out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 6 and data.endswith(b"\r\n")
    records = {
        r["receipt"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    }
    assert records[first["receipt"]]["overall_satisfaction"] == "4"
    assert records[first["receipt"]]["started_at"] == "2025-03-01 17:15:00"
    for receipt, attack in attacks.items():
        assert records[receipt]["comment"] == "'" + attack + " 客家話 𠊎"
        assert records[receipt]["recommend"] == "0"
    for receipt, row in cells.items():
        in_csv = datetime.fromisoformat(records[receipt]["submitted_at"])
        assert abs(in_csv - row["submitted_at"].value) < timedelta(seconds=1)
