"""The converter's problems in the console's languages (collector.authoring.messages):
surveys/ gives each problem a code and its values, the console says it in zh-Hant-TW
or English."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
from flask import Flask

from collector.authoring.messages import MESSAGES
from collector.authoring.messages import say
from surveys.workbook import Problem
from tests.helpers.web import login

ROOT = Path(__file__).resolve().parents[3]
CODE = re.compile(r"""["']((?:wb|xf|up)_[a-z0-9_]+)["']""")


def test_every_code_the_converter_gives_has_its_message() -> None:
    sources = [
        ROOT / "surveys" / "workbook.py",
        ROOT / "surveys" / "xlsform.py",
        ROOT / "collector" / "authoring" / "checking.py",
        ROOT / "collector" / "authoring" / "service.py",
    ]
    given = {code for path in sources for code in CODE.findall(path.read_text("utf-8"))}
    assert len(given) > 40
    assert given <= set(MESSAGES), sorted(given - set(MESSAGES))


def test_a_problem_is_said_in_each_language_and_unknown_codes_keep_their_words() -> None:
    problem = Problem(
        "the workbook has no sheet named 'settings' (found: survey)",
        code="xf_sheet_missing",
        params=(("sheet_name", "settings"), ("found", "survey")),
    )
    assert say(problem, "zh-Hant-TW") == "活頁簿中沒有名為「settings」的工作表（現有：survey）。"
    assert say(problem, "en") == "The workbook has no sheet named “settings” (found: survey)."
    assert say(Problem("something new"), "zh-Hant-TW") == "something new"
    broken = Problem("english words", code="xf_sheet_missing")  # its values missing
    assert say(broken, "zh-Hant-TW") == "english words"


def test_the_upload_page_lists_problems_in_chinese(staff_app: Flask) -> None:
    client, auth = login(staff_app, "admin@alpha.example.test")
    client.get("/staff/?lang=zh-Hant-TW")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(["type", "name", "label::中文 (zh-Hant-TW)"])
    sheet.append(["calculate", "total", "合計"])
    out = io.BytesIO()
    book.save(out)
    response = client.post(
        "/staff/questionnaires/upload",
        data={"csrf_token": auth.csrf(), "file": (io.BytesIO(out.getvalue()), "q.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "活頁簿中沒有名為「settings」的工作表（現有：survey）。" in response.text
    macro = client.post(
        "/staff/questionnaires/upload",
        data={"csrf_token": auth.csrf(), "file": (io.BytesIO(b"PK\x03\x04"), "m.xlsm")},
        content_type="multipart/form-data",
    )
    assert "僅接受 .xlsx 活頁簿" in macro.text
