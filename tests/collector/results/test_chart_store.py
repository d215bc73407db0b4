"""Drawn charts are kept on disk by their content digest: another app (a new process)
finds a chart already drawn instead of drawing it, and a changed figure is drawn anew."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from collector.results import charts
from collector.results.charts import Bar
from collector.results.charts import Chart


def app_on(folder: Path) -> Flask:
    app = Flask(__name__)
    app.config["RESULTS_CHARTS_DIR"] = str(folder)
    return app


def bars(value: float) -> Chart:
    return charts.bar_chart(
        [Bar("洽公環境", value, value - 4, value + 4), Bar("服務禮儀", 88.4)],
        title="各構面",
        x_label="分數",
        language="zh-Hant-TW",
    )


@pytest.fixture
def drawings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The charts drawn (by matplotlib) during the test, in a process cache of its own."""
    drawn: list[str] = []
    render = Chart._render

    def counted(self: Chart, canvas_class: type, buffer: Any, options: dict[str, object]) -> None:
        drawn.append(self.title)
        render(self, canvas_class, buffer, options)

    monkeypatch.setattr(Chart, "_render", counted)
    monkeypatch.setattr(charts, "_RENDERED", type(charts._RENDERED)())
    return drawn


def new_process() -> None:
    """What a new server process starts with: no chart drawn in memory."""
    charts._RENDERED.clear()


def test_another_app_finds_the_drawn_chart(tmp_path: Path, drawings: list[str]) -> None:
    with app_on(tmp_path).app_context():
        svg, png = bars(82.1).document, bars(82.1).png()
    assert len(drawings) == 2  # the SVG and the PNG
    assert len(list(tmp_path.rglob("*.svg"))) == 1
    assert len(list(tmp_path.rglob("*.png"))) == 1
    new_process()
    with app_on(tmp_path).app_context():
        assert bars(82.1).document == svg
        assert bars(82.1).png() == png
    assert len(drawings) == 2  # found, not drawn
    assert not list(tmp_path.rglob(".*.part"))  # no temporary file left behind


def test_a_changed_figure_is_drawn_anew(tmp_path: Path, drawings: list[str]) -> None:
    with app_on(tmp_path).app_context():
        before = bars(82.1).document
    new_process()
    with app_on(tmp_path).app_context():
        after = bars(82.2).document
    assert len(drawings) == 2
    assert after != before
    assert len(list(tmp_path.rglob("*.svg"))) == 2


def test_another_size_or_resolution_is_another_drawing(tmp_path: Path, drawings: list[str]) -> None:
    with app_on(tmp_path).app_context():
        low, high = bars(82.1).png(dpi=72), bars(82.1).png(dpi=150)
    assert low != high
    assert len(drawings) == 2
    assert len(list(tmp_path.rglob("*.png"))) == 2


def test_outside_an_app_nothing_is_stored(drawings: list[str]) -> None:
    assert charts.charts_dir() is None
    assert bars(82.1).document
    assert len(drawings) == 1


def test_the_default_folder_is_in_the_instance_folder(tmp_path: Path) -> None:
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        assert charts.charts_dir() == tmp_path / "instance" / "charts"


def test_a_store_that_cannot_be_written_still_gives_the_chart(
    tmp_path: Path, drawings: list[str]
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with app_on(blocked).app_context():
        svg = bars(82.1).document
    assert svg.startswith("<?xml")
    assert len(drawings) == 1


def test_a_chart_of_another_drawing_version_is_not_found(
    tmp_path: Path, drawings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(tmp_path).app_context():
        assert bars(82.1).document
    new_process()
    monkeypatch.setattr(charts, "DRAWING_VERSION", "another release")
    with app_on(tmp_path).app_context():
        assert bars(82.1).document
    assert len(drawings) == 2
