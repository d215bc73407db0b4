"""CSV export and the shared cell handling: Excel-friendly Chinese, formulas defused,
real numbers kept, times in Asia/Taipei."""

from __future__ import annotations

import csv
import io
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest

import surveys
from collector.core import clock
from collector.results.exporters import CsvExporter
from collector.results.exporters import Exporter
from collector.results.exporters import cell_text
from collector.results.exporters import cell_value
from collector.results.exporters import neutralise
from collector.results.reading import META_COLUMNS
from collector.results.reading import ResponseTable

ATTACKS = [
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "\tx",
    "\rx",
    # Full-width and small forms that some spreadsheets read as their ASCII originals.
    "\uff1d1+1",  # ＝
    "\ufe661+1",  # ﹦
    "\uff0bcmd|' /C calc'!A0",  # ＋
    "\ufe62cmd",  # ﹢
    "\uff0d2+3",  # －
    "\ufe632+3",  # ﹣
    "\uff20SUM(1)",  # ＠
    "\ufe6bSUM(1)",  # ﹫
]


def citizen() -> surveys.Questionnaire:
    path = next(p for p in surveys.bundled() if p.name == "citizen_satisfaction.yaml")
    return surveys.load(path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.5", "-12.5"),
        ("+3", "+3"),
        ("1e-3", "1e-3"),
        (-7, -7),
        (3.5, 3.5),
        ("正常文字", "正常文字"),
        (None, None),
    ],
)
def test_neutralise(value: Any, expected: Any) -> None:
    assert neutralise(value) == expected


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_formula_start_is_defused(attack: str) -> None:
    assert neutralise(attack) == "'" + attack


@pytest.mark.parametrize("text", ["１２３", "（＝）", "正常＝文字", "a=b"])
def test_full_width_text_that_starts_no_formula_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_neutralise_is_idempotent() -> None:
    for attack in ATTACKS:
        once = neutralise(attack)
        assert neutralise(once) == once


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (float("nan"), None),
        (pd.NA, None),
        (pd.NaT, None),
        (np.int64(-3), -3),
        (-3, -3),
        (-3.0, -3),  # a whole float (pandas' int column with gaps) is written as an int
        (4.0, 4),
        (-2.5, -2.5),
        (np.float64(0.25), 0.25),
        ("-3", "-3"),  # a text that is a genuine number is not prefixed
        ("=1+1", "'=1+1"),
        (["a", "b"], "a;b"),
        (["-1", "2"], "'-1;2"),  # the joined text is what a spreadsheet would read
        ([], None),
        ("e\u0301", "\u00e9"),  # NFC
        ("客家話 𠊎", "客家話 𠊎"),
        (date(2025, 2, 3), date(2025, 2, 3)),
    ],
)
def test_cell_value(value: Any, expected: Any) -> None:
    assert cell_value(value) == expected
    assert type(cell_value(value)) is type(expected)


def test_cell_value_shows_times_in_taipei() -> None:
    taipei = clock.zone()
    assert str(taipei) == "Asia/Taipei"
    aware = datetime(2025, 1, 1, 16, 30, tzinfo=UTC)
    expected = datetime(2025, 1, 2, 0, 30)
    assert cell_value(aware, taipei) == expected
    assert cell_value(aware) == expected  # Asia/Taipei is the default
    # SQLite gives naive datetimes back; they are stored in UTC.
    assert cell_value(datetime(2025, 1, 1, 16, 30), taipei) == expected
    other_zone = datetime(2025, 1, 1, 18, 30, tzinfo=timezone(timedelta(hours=2)))
    assert cell_value(other_zone, taipei) == expected
    assert cell_value(pd.Timestamp(aware), taipei) == expected
    assert type(cell_value(pd.Timestamp(aware), taipei)) is datetime
    assert cell_value(np.datetime64("2025-01-01T16:30"), taipei) == expected
    assert cell_text(expected) == "2025-01-02 00:30:00"


def test_exporter_cell_keeps_its_contract_for_plugins() -> None:
    assert Exporter.cell(["x", "y"]) == "x;y"
    assert Exporter.cell("=1") == "'=1"
    assert Exporter.cell(-1) == -1
    assert Exporter.cell(float("nan")) is None
    assert Exporter.cell(datetime(2025, 1, 1, 16, 30, tzinfo=UTC)) == "2025-01-02 00:30:00"


def test_csv_has_bom_and_keeps_characters_outside_the_bmp() -> None:
    questionnaire = citizen()
    frame = pd.DataFrame(
        [
            {
                "receipt": "AAAAA-BBBBB",
                "comment": '=HYPERLINK("x")',
                "sex": "female",
                "recommend": -1,
                "channels": ["a", "b"],
            },
            {
                "receipt": "CCCCC-DDDDD",
                "comment": "客家話 𠊎",
                "sex": None,
                "recommend": 9,
                "channels": None,
            },
        ]
    )
    data = CsvExporter().export(ResponseTable(questionnaire, frame))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["receipt", "comment", "sex", "recommend", "channels"]
    assert rows[1] == ["AAAAA-BBBBB", '\'=HYPERLINK("x")', "female", "-1", "a;b"]
    assert rows[2] == ["CCCCC-DDDDD", "客家話 𠊎", "", "9", ""]


def test_csv_rows_end_in_crlf_and_every_formula_is_defused() -> None:
    questionnaire = citizen()
    records = [
        {
            "receipt": f"R{i}",
            "version": 1,
            "agency": "alpha",
            "submitted_at": datetime(2025, 1, 1, 16, 30, tzinfo=UTC),
            "comment": attack,
            "recommend": -3 if i == 0 else i,
            "overall_satisfaction": 4 if i % 2 else None,
            "env_signage": "na" if i == 1 else 5,
        }
        for i, attack in enumerate(ATTACKS)
    ]
    frame = pd.DataFrame.from_records(
        records, columns=META_COLUMNS + [q.key for q in questionnaire.questions()]
    )
    data = CsvExporter().export(ResponseTable(questionnaire, frame))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    # Every record ends in CRLF; a CR inside a value is quoted, never a line end.
    assert text.count("\r\n") == len(ATTACKS) + 1 and text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert [r["comment"] for r in rows] == ["'" + a for a in ATTACKS]
    assert rows[0]["recommend"] == "-3"
    assert [r["overall_satisfaction"] for r in rows[:2]] == ["", "4"]  # not "4.0"
    assert rows[1]["env_signage"] == "na" and rows[2]["env_signage"] == "5"
    assert rows[0]["submitted_at"] == "2025-01-02 00:30:00"  # Asia/Taipei local time
    assert rows[0]["started_at"] == "" and rows[0]["unit"] == ""
