"""XLSForm in and out (surveys.xlsform): round trips, pyxform, and what is refused."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from surveys.workbook import WorkbookError
from surveys.xlsform import XLSFormError
from surveys.xlsform import export_xlsform
from surveys.xlsform import from_sheets
from surveys.xlsform import import_xlsform
from surveys.xlsform import sheets_from_rows
from surveys.xlsform import to_sheets
from surveys.xlsform import write_xlsx
from surveys.xlsform_mapping import GeneratedList
from surveys.xlsform_mapping import XLSFormMapping

SCALE = tuple((str(v), f"{v} points") for v in (5, 4, 3, 2, 1))
MAPPINGS = {
    # The shapes of the core types' declarations (collector.answers.standard_types,
    # whose own round trips are tested in tests/collector/answers/test_xlsform_types.py).
    "likert5": XLSFormMapping(
        "select_one",
        appearance="likert",
        lists=(
            GeneratedList("likert5_satisfaction", SCALE, {"params": {}, "not_applicable": False}),
        ),
        own_list=True,
        list_params={"scale": "satisfaction"},
        not_applicable=("na", "Not applicable"),
    ),
    "single_choice": XLSFormMapping("select_one", own_list=True),
    "multiple_choice": XLSFormMapping("select_multiple", own_list=True, bounds="count"),
    "number": XLSFormMapping(
        "integer",
        bounds="value",
        params={"integer": True},
        alternatives=(XLSFormMapping("decimal", bounds="value"),),
    ),
    "date": XLSFormMapping("date", bounds="date"),
    "text": XLSFormMapping("text", bounds="length"),
    "long_text": XLSFormMapping("text", appearance="multiline", bounds="length"),
}

ZH = "label::中文 (zh-Hant-TW)"
EN = "label::English (en)"
PRIVACY = [
    ["begin_group", "privacy_notice", "個資告知", "Notice", ""],
    *[
        ["note", part, f"{part} 說明", f"{part} text", ""]
        for part in ("controller", "purpose", "categories", "use", "rights", "optional_data")
    ],
    ["end_group", "", "", "", ""],
]


def kobo_like(
    survey: list[list[Any]] | None = None, **extra: list[list[Any]]
) -> dict[str, list[list[Any]]]:
    """A small workbook as a person writes one for ODK or KoboToolbox."""
    rows = survey or [
        ["begin_group", "visit", "本次洽公", "Your visit", ""],
        ["note", "visit_intro", "請依實際感受作答", "Answer as you found it", ""],
        ["select_one svc", "service", "辦理業務", "Service", "yes"],
        ["select_one likert5_satisfaction", "courtesy", "服務態度", "Courtesy", "yes"],
        ["select_one agree5", "clear", "說明清楚", "Clear explanations", ""],
        ["integer", "age", "年齡", "Age", ""],
        ["decimal", "wait", "等候時間", "Waiting time", ""],
        ["date", "visited", "日期", "Date", ""],
        ["text", "comment", "意見", "Comments", ""],
        ["select_multiple svc", "also", "其他業務", "Also", ""],
        ["end_group", "", "", "", ""],
    ]
    sheets = {
        "survey": [
            ["type", "name", ZH, EN, "required", "appearance", "constraint"],
            *[[*r, "", ""] for r in PRIVACY],
            *[[*r, "", ""] for r in rows],
        ],
        "choices": [
            ["list_name", "name", ZH, EN],
            ["svc", "cert", "證明", "Certificate"],
            ["svc", "pay", "繳費", "Payment"],
            *[["agree5", str(v), f"{v} 分", f"{v} points"] for v in (5, 4, 3, 2, 1)],
        ],
        "settings": [
            ["form_title", "form_id", "default_language"],
            ["櫃台調查", "front-desk", "中文 (zh-Hant-TW)"],
        ],
    }
    sheets.update(extra)
    return sheets


def with_cells(
    sheets: dict[str, list[list[Any]]], row: int, **cells: Any
) -> dict[str, list[list[Any]]]:
    """The survey sheet with ``cells`` set in data row ``row`` (new columns added)."""
    survey = [list(r) for r in sheets["survey"]]
    for column, value in cells.items():
        if column not in survey[0]:
            survey[0].append(column)
            for r in survey[1:]:
                r.append("")
        survey[row][survey[0].index(column)] = value
    return {**sheets, "survey": survey}


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    return write_xlsx(sheets)


def problems(data: bytes, filename: str = "form.xlsx") -> list[str]:
    with pytest.raises(WorkbookError) as info:
        import_xlsform(data, MAPPINGS, filename)
    return [str(p) for p in info.value.problems]


def test_a_hand_made_workbook_maps_its_types() -> None:
    imported = import_xlsform(workbook(kobo_like()), MAPPINGS, "form.xlsx")
    q = imported.questionnaire
    types = {x.key: x.type for x in q.questions()}
    assert types == {
        "service": "single_choice",
        "courtesy": "likert5",
        "clear": "single_choice",
        "age": "number",
        "wait": "number",
        "visited": "date",
        "comment": "text",
        "also": "multiple_choice",
    }
    assert q.question("age").params == {"integer": True}
    assert q.question("wait").params == {}
    assert q.question("service").required and not q.question("age").required
    assert q.sections[0].description == {
        "zh-Hant-TW": "請依實際感受作答",
        "en": "Answer as you found it",
    }
    assert q.languages == ["zh-Hant-TW", "en"]
    assert "svc" in q.choice_lists  # used by two questions: a shared list
    assert imported.rows["age"] == 15


def test_likert_appearance_on_an_own_list_is_a_likert_question() -> None:
    sheets = with_cells(kobo_like(), 13, appearance="likert")
    q = import_xlsform(workbook(sheets), MAPPINGS).questionnaire
    clear = q.question("clear")
    assert clear.type == "likert5"
    assert [c.value for c in q.choices_for(clear) or []] == ["5", "4", "3", "2", "1"]


def test_generated_bounds_become_limits() -> None:
    sheets = with_cells(kobo_like(), 14, constraint="(. != 13) and . >= 15 and . <= 110")
    q = import_xlsform(workbook(sheets), MAPPINGS).questionnaire
    age = q.question("age")
    assert (age.min, age.max, age.constraint) == (15, 110, ". != 13")


def test_wrong_sheet_names_are_refused() -> None:
    sheets = kobo_like()
    data = workbook({"Sheet1": sheets["survey"], "choices": sheets["choices"]})
    found = problems(data)
    assert any("unknown sheet 'Sheet1'" in p for p in found)
    assert any("no sheet named 'survey'" in p for p in found)


def test_what_does_not_map_names_sheet_row_and_column() -> None:
    sheets = with_cells(kobo_like(), 11, choice_filter="${service} = 'cert'")
    sheets["survey"].insert(15, ["calculate", "score", "分數", "Score", "", "", ""] + [""] * 1)
    found = problems(workbook(sheets))
    assert "sheet 'survey', row 12, column 'choice_filter'" in "\n".join(found)
    assert any("row 16, column 'type'" in p and "'calculate'" in p for p in found)


def test_a_language_column_without_a_code_is_refused() -> None:
    sheets = kobo_like()
    sheets["survey"][0][3] = "label::English"
    assert any("column 'label::English'" in p for p in problems(workbook(sheets)))


def test_script_in_a_label_is_refused() -> None:
    sheets = kobo_like()
    sheets["survey"][11][3] = "Courtesy<script>alert(1)</script>"
    found = problems(workbook(sheets))
    assert found == [
        "sheet 'survey', row 12, column 'label::English (en)': HTML is not allowed in texts ('<script>aler'): write plain text"
    ]


def test_formulas_are_refused() -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbook(kobo_like())))
    book["survey"]["D12"] = '=CONCATENATE("a","b")'
    out = io.BytesIO()
    book.save(out)
    assert any("contains formulas" in p for p in problems(out.getvalue()))


def test_macros_are_refused() -> None:
    assert any("macro" in p for p in problems(workbook(kobo_like()), "form.xlsm"))
    data = _with_part(workbook(kobo_like()), "xl/vbaProject.bin", b"\0" * 100)
    assert any("vbaProject" in p for p in problems(data))


def test_ten_thousand_rows_are_refused() -> None:
    sheets = kobo_like()
    sheets["choices"] += [["big", f"v{i}", f"選項{i}", f"Option {i}"] for i in range(10_000)]
    assert any("more than 2000 rows" in p and "'choices'" in p for p in problems(workbook(sheets)))


def test_an_xml_bomb_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>'
    )
    data = _with_part(workbook(kobo_like()), "xl/sharedStrings.xml", bomb, replace=True)
    assert any("XML bomb" in p for p in problems(data))


def test_a_zip_bomb_is_refused() -> None:
    data = _with_part(workbook(kobo_like()), "xl/media/padding.xml", b" " * 30_000_000)
    assert any("zip bomb" in p for p in problems(data))


def test_not_a_workbook_is_refused() -> None:
    assert problems(b"survey,choices\n1,2\n") == ["this is not an .xlsx workbook (not a zip file)"]


def test_a_questionnaire_without_its_privacy_notice_is_refused() -> None:
    sheets = kobo_like()
    sheets["survey"] = [sheets["survey"][0], *sheets["survey"][9:]]
    assert any("privacy notice is missing" in p for p in problems(workbook(sheets)))


def _with_part(data: bytes, name: str, content: bytes, replace: bool = False) -> bytes:
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if replace and info.filename == name:
                continue
            target.writestr(info, source.read(info))
        target.writestr(name, content)
    return out.getvalue()


def test_a_hand_made_workbook_round_trips() -> None:
    q = import_xlsform(workbook(kobo_like()), MAPPINGS).questionnaire
    assert from_sheets(sheets_from_rows(to_sheets(q, MAPPINGS)), MAPPINGS).questionnaire == q
    assert import_xlsform(export_xlsform(q, MAPPINGS), MAPPINGS).questionnaire == q


def test_a_type_without_mapping_cannot_be_exported() -> None:
    q = import_xlsform(workbook(kobo_like()), MAPPINGS).questionnaire
    with pytest.raises(XLSFormError, match="type 'date' declares no XLSForm mapping"):
        to_sheets(q, {**MAPPINGS, "date": None})


def test_a_grid_whose_items_differ_is_refused() -> None:
    from surveys import QuestionnaireError
    from surveys import bundled
    from surveys import load
    from surveys.loader import parse

    q = load(next(p for p in bundled() if p.stem == "citizen_satisfaction"))
    data = q.model_dump(mode="json")
    section = next(s for s in data["sections"] if s["key"] == "professionalism")
    section["layout"] = "grid"  # prof_consistency has "not applicable", the others not
    with pytest.raises(QuestionnaireError, match="the items of a grid share one scale"):
        parse(data, "test")
