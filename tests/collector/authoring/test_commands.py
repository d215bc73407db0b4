"""``collector check``, ``collector questionnaire import|export`` (collector.authoring.commands)."""

from __future__ import annotations

import re
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
    assert "front-desk：共" in good.output and "檢查通過" in good.output
    english = runner.invoke(args=["check", str(own(tmp_path)), "--language", "en"])
    assert re.search(r"front-desk: \d+ questions, fingerprint [0-9a-f]{12}: OK", english.output)
    bad = runner.invoke(args=["check", str(own(tmp_path, label="<b>bold</b>")), "--language", "en"])
    assert bad.exit_code == 1
    assert (
        "Sheet survey, row 12, column label::English (en): HTML is not allowed in texts"
        in bad.output
    )
    assert "1 problem to correct; Nothing was published" in bad.output


def test_check_says_the_problems_in_chinese_by_default_or_in_english(
    staff_app: Flask, tmp_path: Path
) -> None:
    """The converter's problems come from the catalogues: Traditional Chinese unless
    ``--language en``; the location too; an unknown language is a usage error."""
    runner = staff_app.test_cli_runner()
    path = str(own(tmp_path, label="<b>bold</b>"))
    chinese = runner.invoke(args=["check", path])
    assert chinese.exit_code == 1
    lines = chinese.output.strip().splitlines()
    assert lines[0].startswith(f"{path}: 工作表 survey, 第 12 列, 欄位 label::English (en)：")
    assert "HTML" in lines[0] and "not allowed" not in lines[0]
    assert lines[-1] == f"{path}: 有 1 處需要修正；未發布任何內容"
    english = runner.invoke(args=["check", path, "--language", "en"])
    assert english.exit_code == 1
    assert not re.search(r"[\u3400-\u9fff]", english.output.replace(path, ""))
    wrong = runner.invoke(args=["check", path, "--language", "fr"])
    assert wrong.exit_code == 2 and "unknown language 'fr'" in wrong.output


def test_import_says_every_problem_and_a_taken_slug_in_the_language_asked(
    staff_app: Flask, tmp_path: Path
) -> None:
    runner = staff_app.test_cli_runner()
    bad = str(own(tmp_path, label="<b>bold</b>"))
    chinese = runner.invoke(args=["questionnaire", "import", bad, "--agency", "alpha"])
    assert chinese.exit_code == 1 and "未發布任何內容" in chinese.output
    english = runner.invoke(
        args=["questionnaire", "import", bad, "--agency", "alpha", "--language", "en"]
    )
    assert english.exit_code == 1 and "HTML is not allowed in texts" in english.output
    good = str(own(tmp_path))
    args = ["questionnaire", "import", good, "--agency", "alpha", "--publish"]
    assert runner.invoke(args=args).exit_code == 0
    args = ["questionnaire", "import", good, "--agency", "beta", "--publish"]
    taken_zh = runner.invoke(args=args)
    assert taken_zh.exit_code == 1
    assert "工作表 settings, 第 2 列, 欄位 form_id：" in taken_zh.output
    assert "front-desk" in taken_zh.output and "already in use" not in taken_zh.output
    taken_en = runner.invoke(args=[*args, "--language", "en"])
    assert taken_en.exit_code == 1
    assert "Sheet settings, row 2, column form_id: The short name “front-desk”" in taken_en.output


def test_import_publishes_only_with_publish(staff_app: Flask, tmp_path: Path) -> None:
    runner = staff_app.test_cli_runner()
    path = own(tmp_path)
    dry = runner.invoke(args=["questionnaire", "import", str(path), "--agency", "alpha"])
    assert (
        dry.exit_code == 0 and "front-desk 可供 alpha 使用；加上 --publish 即可發布。" in dry.output
    )
    dry_en = runner.invoke(
        args=["questionnaire", "import", str(path), "--agency", "alpha", "--language", "en"]
    )
    assert "front-desk is valid for alpha; add --publish to publish it." in dry_en.output
    nobody = runner.invoke(args=["questionnaire", "import", str(path), "--agency", "nope"])
    assert nobody.exit_code == 1 and "沒有代碼為 nope 的機關。" in nobody.output
    done = runner.invoke(
        args=["questionnaire", "import", str(path), "--agency", "alpha", "--publish"]
    )
    assert done.exit_code == 0, done.output
    assert "已為 alpha 發布 front-desk 第 1 版。" in done.output
    taken = runner.invoke(
        args=[
            "questionnaire",
            "import",
            str(path),
            "--agency",
            "beta",
            "--publish",
            "--language",
            "en",
        ]
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


def test_export_speaks_the_chosen_language_and_refuses_clearly(
    staff_app: Flask, tmp_path: Path
) -> None:
    """Export's messages come from the catalogues too: Chinese by default, or --language en;
    an unknown questionnaire is refused and writes no file."""
    runner = staff_app.test_cli_runner()
    out = tmp_path / "c.yaml"
    base = ["questionnaire", "export", "citizen-satisfaction", "--format", "yaml", "-o", str(out)]
    chinese = runner.invoke(args=base)
    assert chinese.exit_code == 0 and f"已寫入 {out}。" in chinese.output
    english = runner.invoke(args=[*base, "--language", "en"])
    assert english.exit_code == 0 and f"Wrote {out}." in english.output
    missing = tmp_path / "none.yaml"
    unknown = runner.invoke(args=["questionnaire", "export", "no-such", "-o", str(missing)])
    assert unknown.exit_code == 1 and "找不到代碼為 no-such 的問卷。" in unknown.output
    assert not missing.exists()
    in_english = ["questionnaire", "export", "no-such", "--language", "en", "-o", str(missing)]
    assert "No questionnaire is called no-such." in runner.invoke(args=in_english).output
