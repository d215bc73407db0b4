"""Pruning the kept charts: a drawn chart no page has read for ``RESULTS_CHARTS_KEEP_DAYS``
is deleted, so the folder does not grow with every wave, label and release.

Reading a kept chart refreshes its file's time (``charts.stored_drawing``), so the
charts pages still show stay; those of changed data, other labels or an older drawing
version are never read again and age out. The worker's sweep queues one pruning a day
(a marker file in the folder remembers when); a pruned chart that is wanted again is
only drawn again.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from flask import Flask

from collector.core.hooktypes import JobKind
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.jobs import service as jobs
from collector.jobs.runner import JobContext
from collector.results.charts import charts_folder

KIND = "results.prune_charts"
MARKER = ".pruned"
DAY = 86_400.0
PART_AGE = DAY
"""A temporary ``.part`` file this old was left by a process that died while writing."""


def prune(folder: Path, keep_days: float, now: float) -> int:
    """Delete the charts in ``folder`` last used more than ``keep_days`` before ``now``
    (and writers' leftovers), then emptied sub-folders; how many files went."""
    if not folder.is_dir():
        return 0
    used_since = now - keep_days * DAY
    removed = 0
    for sub in folder.iterdir():
        if not sub.is_dir() or sub.is_symlink():
            continue
        for path in sub.iterdir():
            try:
                modified = path.stat().st_mtime
            except FileNotFoundError:
                continue
            leftover = path.name.startswith(".") and path.suffix == ".part"
            if modified < (now - PART_AGE if leftover else used_since) and path.is_file():
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        with contextlib.suppress(OSError):
            sub.rmdir()  # only when empty
    return removed


def schedule(app: Flask) -> int | None:
    """Queue a pruning when the last was a day ago or more (the worker's sweeper calls
    this every ``JOBS_SWEEP_SECONDS``); the new job's id, else None.
    ``RESULTS_CHARTS_KEEP_DAYS`` None: never pruned."""
    if app.config.get("RESULTS_CHARTS_KEEP_DAYS") is None:
        return None
    folder = charts_folder(app)
    if not folder.is_dir():
        return None
    marker = folder / MARKER
    try:
        last = marker.stat().st_mtime
    except FileNotFoundError:
        last = 0.0
    if time.time() - last < DAY:
        return None
    marker.touch()
    return jobs.create(app, KIND, agency_id=None, parameters={}).id


def run_job(context: JobContext) -> None:
    """Prune the app's kept charts now."""
    app = context.app
    keep_days = app.config.get("RESULTS_CHARTS_KEEP_DAYS")
    removed = 0
    if keep_days is not None:
        removed = prune(charts_folder(app), float(keep_days), time.time())
    text = translator(app.config["LANGUAGES"][0])
    context.progress(
        100, text.ngettext("%(num)s unused chart deleted", "%(num)s unused charts deleted", removed)
    )


PRUNE = JobKind(
    name=KIND,
    run=run_job,
    action="jobs.monitor",
    title=lazy_gettext("Deleting charts no page uses"),
    retries=1,
    retry_delay=600.0,
    sweep=schedule,
)
