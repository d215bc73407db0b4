"""The core question types' XLSForm declarations (``QuestionType.xlsform``): every bundled
questionnaire, the land office plugin's with its own type included, round-trips through
a workbook, and every export converts with pyxform, the reference XLSForm converter."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pyxform import xls2xform

from collector.answers.standard_types import CORE_TYPES
from plugins.land_office import RocDate
from surveys import bundled
from surveys import load
from surveys.xlsform import XLSFormError
from surveys.xlsform import export_xlsform
from surveys.xlsform import from_sheets
from surveys.xlsform import import_xlsform
from surveys.xlsform import sheets_from_rows
from surveys.xlsform import to_sheets

MAPPINGS = {t.name: t.xlsform for t in [*CORE_TYPES, RocDate]}
LAND_OFFICE = Path(__file__).parents[3] / "plugins" / "land_office" / "land_office_service.yaml"
QUESTIONNAIRES = [*bundled(), LAND_OFFICE]


@pytest.mark.parametrize("path", QUESTIONNAIRES, ids=lambda p: Path(p).stem)
def test_every_bundled_questionnaire_round_trips(path: Path) -> None:
    q = load(path)
    data = export_xlsform(q, MAPPINGS)
    back = import_xlsform(data, MAPPINGS, "q.xlsx").questionnaire
    assert back == q
    assert back.fingerprint() == q.fingerprint()


@pytest.mark.parametrize("path", QUESTIONNAIRES, ids=lambda p: Path(p).stem)
def test_the_export_converts_with_pyxform(path: Path, tmp_path: Path) -> None:
    q = load(path)
    file = tmp_path / f"{q.slug}.xlsx"
    file.write_bytes(export_xlsform(q, MAPPINGS))
    result = xls2xform.convert(xlsform=str(file))
    root = ET.fromstring(result.xform)
    assert root.tag.endswith("html")
    # every question is in the XForm, with both languages
    for question in q.questions():
        assert f"/{question.key}" in result.xform
    assert "English (en)" in result.xform


def test_the_core_types_all_declare_a_mapping() -> None:
    assert all(t.xlsform is not None for t in CORE_TYPES)


def test_sheets_round_trip_without_a_file() -> None:
    q = load(bundled()[0])
    assert from_sheets(sheets_from_rows(to_sheets(q, MAPPINGS)), MAPPINGS).questionnaire == q


def test_a_type_without_mapping_cannot_be_exported() -> None:
    with pytest.raises(XLSFormError, match="type 'roc_date' declares no XLSForm mapping"):
        to_sheets(load(LAND_OFFICE), {**MAPPINGS, "roc_date": None})


def test_a_grid_section_is_a_table_list_group_both_ways() -> None:
    """``layout: grid`` is written as the group's ``table-list`` appearance and read
    back from it; ``field-list`` (or none) is the list layout."""
    from surveys.xlsform import from_sheets
    from surveys.xlsform import sheets_from_rows
    from surveys.xlsform import to_sheets

    mappings = {t.name: t.xlsform for t in CORE_TYPES}
    q = load(next(p for p in bundled() if p.stem == "citizen_satisfaction"))
    assert {s.key for s in q.sections if s.layout == "grid"} == {"environment", "courtesy"}
    sheets = to_sheets(q, mappings)
    head = sheets["survey"][0]
    groups = {
        row[1]: row[head.index("appearance")] for row in sheets["survey"] if row[0] == "begin_group"
    }
    assert groups["environment"] == "table-list" and groups["courtesy"] == "table-list"
    assert groups["visit"] == "field-list"
    assert from_sheets(sheets_from_rows(sheets), mappings).questionnaire == q
    for row in sheets["survey"]:
        if row[0] == "begin_group" and row[1] == "courtesy":
            row[head.index("appearance")] = "field-list"
    back = from_sheets(sheets_from_rows(sheets), mappings).questionnaire
    assert next(s for s in back.sections if s.key == "courtesy").layout == "list"
