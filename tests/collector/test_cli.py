"""The ``collector`` command: demo data once, export, analyse."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Response


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
