"""CSV export: Excel-friendly Chinese, formulas defused, real numbers kept."""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd
import pytest

import surveys
from collector.exporters import CsvExporter, neutralise
from collector.responses import ResponseTable


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


def test_csv_has_bom_and_keeps_characters_outside_the_bmp() -> None:
    questionnaire = surveys.load(surveys.bundled()[0])
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
