"""Large response exports on the task queue (``collector.jobs``).

``/staff/results/export`` answers an export of up to ``EXPORT_BACKGROUND_ROWS``
responses at once; a larger one becomes a job of kind ``results.export``, run in a
worker as the person who asked (their account, role and agencies as they are when
it runs: a disabled account or a lost permission exports nothing), read through
the same scoped queries as the page, and offered for download on its job page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.scoped import scoped
from collector.core.db import get_engine
from collector.core.hooktypes import Actor
from collector.core.hooktypes import JobKind
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.plugins import get_plugins
from collector.jobs.runner import JobContext
from collector.jobs.runner import requester
from collector.results.reading import iter_tables

KIND = "results.export"
ACTION = "responses.export"


def conditions(parameters: dict[str, Any]) -> list[Any]:
    """The page's filters (campaign, unit, a calendar wave's instants ``since`` and
    ``until`` as ISO strings), as conditions on ``Response``."""
    where: list[Any] = []
    if parameters.get("campaign_id") is not None:
        where.append(col(Response.campaign_id) == parameters["campaign_id"])
    if parameters.get("unit_id") is not None:
        where.append(col(Response.unit_id) == parameters["unit_id"])
    if parameters.get("since"):
        where.append(col(Response.submitted_at) >= datetime.fromisoformat(parameters["since"]))
    if parameters.get("until"):
        where.append(col(Response.submitted_at) < datetime.fromisoformat(parameters["until"]))
    return where


def count_rows(session: Session, actor: Actor, slug: str, where: list[Any]) -> int:
    """How many responses the export would hold (what decides where it runs)."""
    statement = (
        select(func.count(col(Response.id)))
        .join(
            QuestionnaireVersion, col(QuestionnaireVersion.id) == Response.questionnaire_version_id
        )
        .where(col(QuestionnaireVersion.slug) == slug, *where)
    )
    return int(session.execute(scoped(statement, ACTION, actor)).scalar_one())


def run_export(context: JobContext) -> None:
    """Read the responses as the person who asked, write the exporter's file."""
    parameters = context.parameters
    text = translator(parameters.get("language") or "zh-Hant-TW")
    plugins = get_plugins(context.app)
    exporter = plugins.exporters[parameters["format"]]()
    context.progress(5, text.gettext("Reading the responses"))
    with Session(get_engine(context.app), expire_on_commit=False) as session:
        actor = requester(
            session, parameters.get("user_id"), context.job.agency_id, ACTION, "this export"
        )
        scope = lambda statement: scoped(statement, ACTION, actor)  # noqa: E731
        total = count_rows(session, actor, parameters["slug"], conditions(parameters))
        context.progress(10, text.gettext("Writing %(count)s responses", count=total))
        # Read and written piece by piece: memory does not grow with the responses.
        tables = iter_tables(
            session, plugins, parameters["slug"], where=conditions(parameters), scope=scope
        )
        pieces = exporter.stream(tables, parameters.get("language") or "zh-Hant-TW")
        with context.result_file(parameters["filename"], exporter.media_type) as out:
            for piece in pieces:
                out.write(piece)
    context.progress(95, text.gettext("Saving the file"))


EXPORT = JobKind(
    name=KIND,
    run=run_export,
    action=ACTION,
    title=lazy_gettext("Export of responses"),
    retries=2,
    retry_delay=5.0,
)
