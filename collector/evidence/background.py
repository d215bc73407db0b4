"""The evidence pack as a job on the task queue (``evidence.pack``).

The console's button and ``collector evidence --queue`` enqueue it; a worker builds
the pack as the person who asked (their account and permissions as they are when it
runs), in a scratch folder of the job, and delivers the zip once through
``JobContext.result_file`` (a worker killed mid-pack delivers nothing; the job runs
again under a new lease).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlmodel import Session

from collector.core.db import get_engine
from collector.core.hooktypes import Actor
from collector.core.hooktypes import JobKind
from collector.core.i18n import lazy_gettext
from collector.evidence.build import make_pack
from collector.jobs.queue import results_dir
from collector.jobs.runner import JobContext
from collector.jobs.runner import requester

KIND = "evidence.pack"
ACTION = "evidence.generate"


def _actor(app: Any, user_id: Any, agency_id: int | None) -> Actor | None:
    """The requester as they are now; None for a pack asked for on the command line."""
    if user_id is None:
        return None
    with Session(get_engine(app), expire_on_commit=False) as session:
        return requester(session, user_id, agency_id, ACTION, "this evidence pack")


def run_pack(context: JobContext) -> None:
    parameters = context.parameters
    actor = _actor(context.app, parameters.get("user_id"), context.job.agency_id)
    root = results_dir(context.app)
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(f".pack-{context.job.id}-*"):  # an earlier attempt's, killed
        shutil.rmtree(stale, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".pack-{context.job.id}-", dir=root))
    try:
        built = make_pack(
            context.app,
            agency_code=parameters["agency"],
            period=parameters["period"],
            out_dir=scratch,
            actor=actor,
            progress=context.progress,
        )
        with (
            context.result_file(built.zip_path.name, "application/zip") as out,
            built.zip_path.open("rb") as source,
        ):
            shutil.copyfileobj(source, out)
        context.progress(99, "")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


PACK = JobKind(
    name=KIND,
    run=run_pack,
    action=ACTION,
    title=lazy_gettext("Award evidence pack"),
    retries=2,
    retry_delay=5.0,
)
