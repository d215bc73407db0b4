"""``response_saved`` off the request path: each plugin's handler runs as a job.

The response is committed with an outbox row (``collector.answers.outbox``, only
while some plugin implements the hook); after the commit :func:`notify_saved` turns
that row into one job of kind ``answers.response_saved`` per plugin and returns: the
citizen's answer never waits for a handler, and a process that dies between the
commit and the queueing leaves the row for the sweeper. A worker
rebuilds the ``SavedResponse`` from the stored response and calls that plugin's
handler; one that raises is retried with back-off (huey's retries) and, when every
attempt failed, listed for administrators on ``/staff/jobs``. Only the queueing
happens in the request: if even that fails (the database went away), the response
is kept and the failure is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlmodel import Session

from collector.access.guard import get_unscoped
from collector.answers import outbox
from collector.answers.writer import get_writer
from collector.core.db import get_engine
from collector.core.hooktypes import JobKind
from collector.core.hooktypes import SavedResponse
from collector.core.i18n import lazy_gettext
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import Unit
from collector.core.plugins import PluginSet
from collector.core.plugins import get_plugins
from collector.core.questionnaires import definition_of
from collector.jobs.runner import JobContext

log = logging.getLogger(__name__)

KIND = outbox.KIND
WHY = "a response_saved job reads the response it was queued for"


def notify_saved(app: Flask, plugins: PluginSet, saved: SavedResponse, agency_id: int) -> None:
    """Queue each plugin's ``response_saved`` handler from the response's outbox row
    (``collector.answers.outbox``); never raise: a row not dispatched now is by the sweeper."""
    notify_stored(app, plugins, saved.id)


def with_events(app: Flask) -> bool:
    """Whether a response stored now must carry its outbox row: some plugin implements
    ``response_saved`` (the writer's setting). Every path that stores a response through
    ``collector.answers.writer.store`` (the staff survey, complaint follow-ups) passes it
    on, then calls :func:`notify_stored` after its commit."""
    return get_writer(app).events


def notify_stored(app: Flask, plugins: PluginSet, response_id: int) -> None:
    """After the commit of a response stored with its outbox row: queue its handlers,
    never raising (a row not dispatched now is by the sweeper)."""
    if not plugins.hook.response_saved.get_hookimpls():
        return
    try:
        outbox.dispatch(app, plugins, [response_id])
    except Exception:
        log.exception(
            "could not queue response_saved for response %s now; the sweeper will", response_id
        )


def sweep_outbox(app: Flask) -> int:
    """The outbox rows a stopped request left, queued (the job kind's ``sweep``)."""
    return outbox.dispatch_stale(app, get_plugins(app))


def saved_response(session: Session, plugins: PluginSet, response_id: int) -> SavedResponse:
    """The ``SavedResponse`` a handler receives, rebuilt from the stored response."""
    response = get_unscoped(session, Response, response_id, WHY)
    if response is None:
        raise LookupError(f"no response {response_id}")
    version = session.get(QuestionnaireVersion, response.questionnaire_version_id)
    assert version is not None  # a foreign key
    questionnaire = definition_of(version)
    agency = get_unscoped(session, Agency, response.agency_id, WHY)
    unit = get_unscoped(session, Unit, response.unit_id, WHY) if response.unit_id else None
    answers: dict[str, Any] = {}
    for key, pairs in (response.answers or {}).items():
        try:
            answers[key] = plugins.question_type(questionnaire, key).from_rows(pairs)
        except KeyError:  # a question this version lacks: left out, as reading does
            continue
    return SavedResponse(
        id=response_id,
        receipt=response.receipt,
        questionnaire=questionnaire,
        version=version.version,
        agency_code=agency.code if agency is not None else "",
        unit_code=unit.code if unit is not None else None,
        channel=response.channel,
        language=response.language,
        answers=answers,
        submitted_at=response.submitted_at,
    )


def run_handler(context: JobContext) -> None:
    """Call one plugin's ``response_saved`` with the stored response."""
    parameters = context.parameters
    plugins = get_plugins(context.app)
    impl = next(
        (
            i
            for i in plugins.hook.response_saved.get_hookimpls()
            if i.plugin_name == parameters.get("plugin")
        ),
        None,
    )
    # The plugin was removed since (or the job names none): nobody to tell. Whether some
    # other installed plugin implements the hook must not change that.
    if impl is None:
        return
    with Session(get_engine(context.app), expire_on_commit=False) as session:
        saved = saved_response(session, plugins, int(parameters["response_id"]))
    impl.function(response=saved)


RESPONSE_SAVED = JobKind(
    name=KIND,
    run=run_handler,
    action="jobs.monitor",
    title=lazy_gettext("A plugin's reaction to a saved response"),
    retries=5,
    retry_delay=10.0,
    retry_backoff=2.0,
    sweep=sweep_outbox,
)
"""Five retries, 10 s, 20 s, 40 s, 80 s and 160 s after each failure: about five minutes."""
