"""One evidence pack for the whole module: the demo (two half-year waves, no complaint
history) seeded on the demo day on a database of the module's own, with a test plugin
adding a section and a file, and a unit renamed with 𠊎 (outside the BMP)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.core import plugins as plugin_system
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Unit
from collector.evidence.build import Built
from collector.evidence.build import make_pack
from tests.helpers import evidence_plugin
from tests.helpers.apps import AppMaker
from tests.helpers.database import Templates
from tests.helpers.database import TestDatabase
from tests.helpers.database import empty_postgres
from tests.helpers.database import postgres_url
from tests.helpers.demo import demo_app

AGENCY = "demo-household"
PERIOD = "115"  # ROC: 2026, the demo day's year
HAKKA = "𠊎"
UNIT_NAME = f"綜合櫃台（{HAKKA}）"


@dataclass
class Packed:
    app: Flask
    built: Built
    out: Path


@pytest.fixture(scope="module")
def packed(collector_templates: Templates | None) -> Iterator[Packed]:
    url = postgres_url()
    folder = Path(tempfile.mkdtemp(prefix="evidence-tests-"))
    if url is not None:
        empty_postgres(url)
        database = TestDatabase(url=url, templates=None)
    else:
        assert collector_templates is not None
        path = collector_templates.new_path()
        database = TestDatabase(url=f"sqlite:///{path}", templates=collector_templates, path=path)
    maker = AppMaker(database)
    patch = pytest.MonkeyPatch()
    patch.setattr(plugin_system, "_entry_points", lambda: [evidence_plugin.ENTRY_POINT])
    try:
        app = demo_app(
            lambda **settings: maker(PLUGINS_LOAD_ENTRY_POINTS=True, **settings),
            folder,
            "--waves",
            "2",
        )
        with session_scope(app) as session:
            unit = (
                session.execute(
                    select(Unit).where(Unit.code == "main", Unit.name_zh.contains("綜合"))  # type: ignore[attr-defined]
                )
                .scalars()
                .first()
            )
            assert unit is not None
            unit.name_zh = UNIT_NAME
            agency = session.execute(select(Agency).where(Agency.code == AGENCY)).scalar_one()
            agency.name_zh = f"{agency.name_zh}（{HAKKA}）"
        with app.app_context():
            built = make_pack(app, agency_code=AGENCY, period=PERIOD, out_dir=folder / "out")
        yield Packed(app, built, folder / "out")
    finally:
        patch.undo()
        maker.dispose()
        database.remove() if url is None else None


def every_file(packed: Packed) -> list[Path]:
    return sorted(p for p in packed.built.folder.rglob("*") if p.is_file())


__all__ = ["AGENCY", "HAKKA", "PERIOD", "Any", "Packed", "every_file"]
