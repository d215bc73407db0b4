"""Reading an action's linked measure from the database, for its before/after.

The rows are read as the viewer may read improvement actions (``improvement.read``
through ``collector.access.scoped``): a before/after is an aggregate, suppressed below
``MIN_CELL`` (:mod:`collector.improvement.effects`), so a case handler or a ministry
administrator who reads the action sees it without reading responses or cases.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.scoped import scoped
from collector.complaints.dashboard import ANSWERED
from collector.core import clock
from collector.core.hooktypes import Actor
from collector.core.i18n import translator
from collector.core.models import Campaign
from collector.core.models import Complaint
from collector.core.models import ComplaintEvent
from collector.core.models import ImprovementAction
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.plugins import PluginSet
from collector.improvement.effects import BeforeAfter
from collector.improvement.effects import CaseDates
from collector.improvement.effects import after_wave
from collector.improvement.effects import compare_cases
from collector.improvement.effects import compare_survey
from collector.improvement.findings import MEASURE_LABELS
from collector.improvement.findings import finding_of
from collector.improvement.findings import measured_item
from collector.improvement.findings import resolve_wave
from collector.improvement.service import READ
from collector.results import waves
from collector.results.reading import load_table


def _scope(actor: Actor) -> Any:
    return lambda statement: scoped(statement, READ, actor)


def campaign_waves(session: Session, actor: Actor, agency_id: int, slug: str) -> list[waves.Wave]:
    """The agency's campaigns of ``slug`` as waves, oldest first."""
    rows = session.execute(
        scoped(
            select(Campaign)
            .join(
                QuestionnaireVersion,
                col(QuestionnaireVersion.id) == Campaign.questionnaire_version_id,
            )
            .where(col(QuestionnaireVersion.slug) == slug, col(Campaign.agency_id) == agency_id)
            .order_by(col(Campaign.starts_on), col(Campaign.id)),
            READ,
            actor,
        )
    ).scalars()
    return [waves.campaign_wave(c.id or 0, c.title, c.starts_on, c.ends_on) for c in rows]


def _responses(
    session: Session,
    plugins: PluginSet,
    actor: Actor,
    action: ImprovementAction,
    wave: waves.Wave,
) -> pd.DataFrame:
    assert action.questionnaire_slug is not None
    where: list[Any] = [col(Response.agency_id) == action.agency_id]
    if action.unit_id is not None:
        where.append(col(Response.unit_id) == action.unit_id)
    since = until = None
    if wave.campaign_id is not None:
        where.append(col(Response.campaign_id) == wave.campaign_id)
    else:
        since, until = wave.bounds(clock.zone())
    try:
        table = load_table(
            session,
            plugins,
            action.questionnaire_slug,
            since=since,
            until=until,
            where=where,
            scope=_scope(actor),
        )
    except LookupError:  # never published
        return pd.DataFrame()
    return table.frame


def _cases(
    session: Session, actor: Actor, action: ImprovementAction, wave: waves.Wave
) -> list[CaseDates]:
    cases = session.execute(
        scoped(
            select(col(Complaint.id), col(Complaint.received_on), col(Complaint.due_on)).where(
                col(Complaint.agency_id) == action.agency_id,
                col(Complaint.category_id) == action.category_id,
                col(Complaint.received_on) >= wave.start,
                col(Complaint.received_on) <= wave.end,
            ),
            READ,
            actor,
        )
    ).all()
    answered: dict[int, date] = {}
    ids = [row[0] for row in cases]
    if ids:
        events = session.execute(
            scoped(
                select(col(ComplaintEvent.complaint_id), col(ComplaintEvent.at))
                .where(
                    col(ComplaintEvent.complaint_id).in_(ids),
                    col(ComplaintEvent.kind).in_(ANSWERED),
                )
                .order_by(col(ComplaintEvent.id)),
                READ,
                actor,
            )
        ).all()
        for case_id, at in events:
            answered.setdefault(case_id, clock.local_date(at))
    return [CaseDates(received, due, answered.get(case_id)) for case_id, received, due in cases]


def before_after(
    session: Session,
    plugins: PluginSet,
    actor: Actor,
    action: ImprovementAction,
    today: date,
) -> BeforeAfter | None:
    """The action's linked measure in its finding's wave and the wave after the action
    (``collector.improvement.effects``); None when the finding's wave or questionnaire
    can no longer be read."""
    finding = finding_of(action)
    found = resolve_wave(session, actor, action.wave_key, action.questionnaire_slug, READ)
    if found is None:
        return None
    done_on = action.done_on if action.status == "done" else None
    if finding.survey:
        questionnaire = plugins.questionnaires.items.get(action.questionnaire_slug or "")
        if questionnaire is None:
            return None
        item = measured_item(finding, questionnaire)
        if item is None:
            return None
        campaigns = (
            campaign_waves(session, actor, action.agency_id, questionnaire.slug)
            if found.kind == "campaign"
            else []
        )
        later = after_wave(found, done_on, today, campaigns)
        before = _responses(session, plugins, actor, action, found)
        after = _responses(session, plugins, actor, action, later) if later else None
        return compare_survey(before, after, item, action.measure, found, later)
    later = after_wave(found, done_on, today)
    return compare_cases(
        _cases(session, actor, action, found),
        _cases(session, actor, action, later) if later else None,
        action.complaint_reason or "many",
        found,
        later,
        today,
    )


def subject(
    action: ImprovementAction,
    plugins: PluginSet,
    language: str,
    unit_name: str | None,
    category_name: str | None,
) -> str:
    """What the before/after measures, in words: "Top-two-box share of 等候時間合理 at
    綜合櫃台", "On-time share of 道路 cases"."""
    text = translator(language)
    if action.category_id is not None:
        if action.complaint_reason == "overdue":
            return text.gettext("On-time share of %(category)s cases", category=category_name or "")
        return text.gettext("Number of %(category)s cases", category=category_name or "")
    questionnaire = plugins.questionnaires.items.get(action.questionnaire_slug or "")
    item = measured_item(finding_of(action), questionnaire) if questionnaire else None
    label = item or ""
    if questionnaire is not None and item is not None:
        label = questionnaire.text(questionnaire.question(item).label, language)
    measure = text.render(MEASURE_LABELS[action.measure])
    if unit_name:
        return text.gettext(
            "%(measure)s of “%(item)s” at %(unit)s", measure=measure, item=label, unit=unit_name
        )
    return text.gettext("%(measure)s of “%(item)s”", measure=measure, item=label)
