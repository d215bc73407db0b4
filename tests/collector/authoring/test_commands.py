"""``collector check``, ``collector questionnaire import|export`` (collector.authoring.commands)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from collector.answers.standard_types import CORE_TYPES
from collector.core.plugins import get_plugins
from surveys import bundled
from surveys import load
from surveys.xlsform import export_xlsform

MAPPINGS = {t.name: t.xlsform for t in CORE_TYPES}


def own(tmp_path: Path, slug: str = "front-desk", label: str = "") -> Path:
    q = load(next(p for p in bundled() if p.stem == "citizen_satisfaction"))
    q = q.model_copy(update={"slug": slug})
    path = tmp_path / "front.xlsx"
    path.write_bytes(export_xlsform(q, MAPPINGS))
    if label:
        import openpyxl

        book = openpyxl.load_workbook(path)
        book["survey"]["D12"] = label
        book.save(path)
    return path


def test_check_accepts_a_good_file_and_lists_every_problem(
    staff_app: Flask, tmp_path: Path
) -> None:
    runner = staff_app.test_cli_runner()
    good = runner.invoke(args=["check", str(own(tmp_path))])
    assert good.exit_code == 0, good.output
    assert "front-desk" in good.output and "OK" in good.output
    bad = runner.invoke(args=["check", str(own(tmp_path, label="<b>bold</b>"))])
    assert bad.exit_code == 1
    assert "sheet 'survey', row 12, column 'label::English (en)': HTML is not allowed" in bad.output


def test_import_publishes_only_with_publish(staff_app: Flask, tmp_path: Path) -> None:
    runner = staff_app.test_cli_runner()
    path = own(tmp_path)
    dry = runner.invoke(args=["questionnaire", "import", str(path), "--agency", "alpha"])
    assert dry.exit_code == 0 and "add --publish" in dry.output
    done = runner.invoke(
        args=["questionnaire", "import", str(path), "--agency", "alpha", "--publish"]
    )
    assert done.exit_code == 0, done.output
    assert "published front-desk version 1 for alpha" in done.output
    taken = runner.invoke(
        args=["questionnaire", "import", str(path), "--agency", "beta", "--publish"]
    )
    assert taken.exit_code == 1 and "already in use" in taken.output


def test_export_writes_xlsform_and_yaml(staff_app: Flask, tmp_path: Path) -> None:
    runner = staff_app.test_cli_runner()
    for fmt, name in (("xlsform", "c.xlsx"), ("yaml", "c.yaml")):
        out = tmp_path / name
        args = ["questionnaire", "export", "citizen-satisfaction", "--format", fmt, "-o", str(out)]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    assert (tmp_path / "c.xlsx").read_bytes()[:2] == b"PK"
    with staff_app.app_context():  # as registered: the bundled file with its translations merged
        registered = get_plugins().questionnaires["citizen-satisfaction"]
    assert load(tmp_path / "c.yaml") == registered
