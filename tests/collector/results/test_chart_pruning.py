"""Kept charts no page has read for RESULTS_CHARTS_KEEP_DAYS are deleted, once a day, by
a job the worker's sweep queues (collector.results.chart_pruning)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Job
from collector.jobs.worker import drain
from collector.jobs.worker import sweep_kinds
from collector.results import chart_pruning
from collector.results import charts
from collector.results.charts import Bar
from tests.helpers.apps import AppMaker

DAY = 86_400


def kept(folder: Path, name: str, age_days: float) -> Path:
    path = folder / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"<svg/>")
    then = time.time() - age_days * DAY
    os.utime(path, (then, then))
    return path


def test_prune_deletes_what_no_page_used_for_the_kept_days(tmp_path: Path) -> None:
    old = kept(tmp_path, "aa01.svg", 31)
    recent = kept(tmp_path, "bb01.png", 29)
    leftover = kept(tmp_path, "cc.x.part", 2)
    leftover = leftover.rename(leftover.with_name(".x.part"))
    fresh_part = kept(tmp_path, "dd.y.part", 0)
    fresh_part = fresh_part.rename(fresh_part.with_name(".y.part"))
    assert chart_pruning.prune(tmp_path, 30, time.time()) == 2
    assert not old.exists() and not leftover.exists()
    assert recent.exists() and fresh_part.exists()
    assert not old.parent.exists()  # the emptied sub-folder goes too
    assert chart_pruning.prune(tmp_path / "none", 30, time.time()) == 0


def test_reading_a_kept_chart_marks_it_used(tmp_path: Path) -> None:
    app = Flask(__name__)
    app.config["RESULTS_CHARTS_DIR"] = str(tmp_path)
    with app.app_context():
        chart = charts.bar_chart([Bar("服務禮儀", 88.4)], title="t", x_label="x", language="en")
        assert chart.document  # drawn and kept
        [path] = tmp_path.rglob("*.svg")
        long_ago = time.time() - 60 * DAY
        os.utime(path, (long_ago, long_ago))
        charts._RENDERED.clear()  # a new process: only the kept file
        assert charts.bar_chart(
            [Bar("服務禮儀", 88.4)], title="t", x_label="x", language="en"
        ).document
    assert path.stat().st_mtime > time.time() - DAY
    assert chart_pruning.prune(tmp_path, 30, time.time()) == 0


def test_the_sweep_queues_one_pruning_a_day_and_the_job_prunes(
    make_app: AppMaker, tmp_path: Path
) -> None:
    folder = tmp_path / "charts"
    app = make_app(RESULTS_CHARTS_DIR=str(folder))
    assert chart_pruning.schedule(app) is None  # no folder yet: nothing to prune
    old = kept(folder, "ee01.svg", 40)
    app.config["RESULTS_CHARTS_KEEP_DAYS"] = None
    assert chart_pruning.schedule(app) is None  # never pruned
    app.config["RESULTS_CHARTS_KEEP_DAYS"] = 30
    sweep_kinds(app)  # what the worker's sweeper does every JOBS_SWEEP_SECONDS
    assert chart_pruning.schedule(app) is None  # once a day
    drain(app)
    with session_scope(app) as session:
        [job] = session.execute(select(Job).where(Job.kind == chart_pruning.KIND)).scalars()
        assert (job.status, job.agency_id) == ("done", None)
        assert "1" in (job.message or "")
    assert not old.exists()
    yesterday = time.time() - DAY - 60
    os.utime(folder / chart_pruning.MARKER, (yesterday, yesterday))
    assert chart_pruning.schedule(app) is not None
