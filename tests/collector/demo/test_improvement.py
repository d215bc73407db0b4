"""The demo's improvement actions (collector.demo.improvement): recorded once, each
with a visible, significant before/after on the analyst's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import ImprovementAction
from tests.helpers.demo import demo_app
from tests.helpers.web import client_as


def test_two_actions_with_a_visible_before_after(make_app: Any, tmp_path: Path) -> None:
    app = demo_app(make_app, tmp_path)
    assert "Seeded 2 improvement actions" in app.config["DEMO_OUTPUT"]
    with session_scope(app) as session:
        actions = list(session.execute(select(ImprovementAction)).scalars())
        assert {(a.finding_kind, a.item_key, a.status) for a in actions} == {
            ("weak_unit", "measures_wait", "done"),
            ("low_item", "prof_efficiency", "done"),
        }
    again = app.test_cli_runner().invoke(args=["demo"])
    assert again.exit_code == 0
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(ImprovementAction)).scalar() == 2
    client = client_as(app, "analyst@demo-household.example", "collector-demo-2026")
    html = client.get("/staff/improvement?status=all&lang=en").text
    assert html.count("significantly higher") == 2
