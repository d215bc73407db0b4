"""The ``collector`` command: demo data once, export, analyse."""

from __future__ import annotations

import importlib.metadata
import json
import sys
import types
from typing import Any

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from collector import hookimpl
from collector.core import plugins as plugin_system
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Response
from collector.results.exporters import Exporter


def test_demo_seeds_once(make_app: Any) -> None:
    app = make_app()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--waves", "2", "--no-case-history"])
    assert first.exit_code == 0, first.output
    assert "Seeded 2 agencies, 6 units" in first.output
    with session_scope(app) as session:
        responses = session.execute(select(func.count()).select_from(Response)).scalar_one()
        ministry = session.execute(select(Agency).where(Agency.level == "ministry")).scalar_one()
        children = (
            session.execute(select(Agency).where(Agency.parent_id == ministry.id)).scalars().all()
        )
    assert responses > 300 and len(children) == 2
    second = runner.invoke(args=["demo"])
    assert "already there" in second.output
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(Response)).scalar_one() == responses


def test_export_and_analyse(make_app: Any) -> None:
    app: Flask = make_app()
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "--waves", "2", "--no-case-history"])
    exported = runner.invoke(args=["export", "citizen-satisfaction", "--agency", "demo-land"])
    assert exported.exit_code == 0
    lines = exported.output.splitlines()
    assert lines[0].lstrip("\ufeff").startswith("receipt,version,agency,unit,channel")
    assert all(",demo-land," in line for line in lines[1:])
    analysed = runner.invoke(
        args=["analyse", "citizen-satisfaction", "--analysis", "satisfaction_summary"]
    )
    assert analysed.exit_code == 0, analysed.output
    result = json.loads(analysed.output)["satisfaction_summary"]
    overall = result["overall"]
    assert (
        0 < overall["top2"] < 1 and overall["top2_ci"][0] < overall["top2"] < overall["top2_ci"][1]
    )
    assert set(result["dimensions"]) == {"environment", "courtesy", "professionalism", "measures"}


def test_cli_refuses_unknown_names(runner: Any) -> None:
    assert (
        "unknown exporter"
        in runner.invoke(args=["export", "citizen-satisfaction", "--format", "pdf"]).output
    )
    assert (
        "no agency"
        in runner.invoke(args=["export", "citizen-satisfaction", "--agency", "zz"]).output
    )
    assert "no published questionnaire" in runner.invoke(args=["analyse", "nope"]).output


def test_export_passes_the_language_to_the_exporter(
    monkeypatch: Any, make_app: Any, tmp_path: Any
) -> None:
    """``collector export --language`` calls ``export(table, language)`` as the hook
    documentation promises; an unknown language is refused before anything is read."""

    class LanguageEcho(Exporter):
        name = "language-echo"
        description = "The language it was asked for"
        media_type = "text/plain"
        extension = "txt"

        def export(self, table: Any, language: str = "zh-Hant-TW") -> bytes:
            return f"{language}:{len(table.frame)}".encode()

    module = types.ModuleType("ext_language_echo")
    module.register_exporters = hookimpl(lambda: [LanguageEcho])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ext_language_echo", module)
    point = importlib.metadata.EntryPoint(name="echo", value="ext_language_echo", group="collector")
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [point])
    runner = make_app(seed="agencies", PLUGINS_LOAD_ENTRY_POINTS=True).test_cli_runner()
    out = tmp_path / "out.txt"
    args = ["export", "citizen-satisfaction", "--format", "language-echo", "-o", str(out)]
    assert runner.invoke(args=[*args, "--language", "en"]).exit_code == 0
    assert out.read_text() == "en:0"
    assert runner.invoke(args=args).exit_code == 0
    assert out.read_text() == "zh-Hant-TW:0"
    refused = runner.invoke(args=[*args, "--language", "xx"])
    assert refused.exit_code == 2 and "unknown language 'xx'" in refused.output
