"""Publishing an agency's own questionnaire: drafts, slugs and immutable versions.

A checked upload is kept as a draft (its canonical definition) for the preview; a
draft published becomes the next version of its slug, owned by the agency
(``questionnaire_version.owner_agency_id``), so that only that agency offers it and
its campaigns can use it. A slug belongs to one owner: a plugin's questionnaire or
one agency's, never taken over by another. Every upload and publication is audited.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.authoring.models import QuestionnaireDraft
from collector.core.commands import cli_label
from collector.core.hooktypes import Actor
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.plugins import PluginSet
from collector.core.questionnaires import publish
from surveys import Questionnaire
from surveys import parse
from surveys.workbook import Problem

ACTION = "campaigns.manage"


class SlugTaken(ValueError):
    """The questionnaire's slug (``form_id``) belongs to a plugin or to another agency."""


def slug_problem(session: Session, plugins: PluginSet, slug: str, agency_id: int) -> str | None:
    """Why ``agency_id`` may not publish under ``slug``, or None (in English; the
    console says it through :func:`slug_refusal`)."""
    found = slug_refusal(session, plugins, slug, agency_id)
    return found.message if found else None


def slug_refusal(
    session: Session, plugins: PluginSet, slug: str, agency_id: int, workbook: bool = False
) -> Problem | None:
    """Why ``agency_id`` may not publish under ``slug`` as a problem with its code
    (collector.authoring.messages), placed on the settings sheet's form_id for a workbook."""
    where: dict[str, Any] = {"sheet": "settings", "row": 2, "column": "form_id"} if workbook else {}
    if slug in plugins.questionnaires:
        owner = plugins.questionnaires.owners[slug]
        return Problem(
            f"the slug {slug!r} (form_id) belongs to a questionnaire of plugin {owner!r}: "
            "choose another form_id",
            code="up_slug_plugin",
            params=(("slug", slug), ("plugin", owner)),
            **where,
        )
    others = session.execute(
        select(col(QuestionnaireVersion.id)).where(
            col(QuestionnaireVersion.slug) == slug,
            (col(QuestionnaireVersion.owner_agency_id) != agency_id)
            | col(QuestionnaireVersion.owner_agency_id).is_(None),
        )
    ).first()
    if others is not None:
        return Problem(
            f"the slug {slug!r} (form_id) is already in use: choose another form_id",
            code="up_slug_taken",
            params=(("slug", slug),),
            **where,
        )
    return None


def save_draft(
    session: Session,
    agency: Agency,
    questionnaire: Questionnaire,
    filename: str,
    actor: Actor | None,
) -> QuestionnaireDraft:
    """Keep a checked upload for its preview, audited; the caller commits."""
    assert agency.id is not None
    draft = QuestionnaireDraft(
        agency_id=agency.id,
        slug=questionnaire.slug,
        filename=filename[:200],
        definition=questionnaire.canonical_json(),
        fingerprint=questionnaire.fingerprint(),
        uploaded_by=actor.user_id if actor else None,
    )
    session.add(draft)
    session.flush()
    _audit(
        session,
        "questionnaire.uploaded",
        agency,
        questionnaire.slug,
        actor,
        {"filename": draft.filename, "fingerprint": draft.fingerprint, "draft": draft.id},
    )
    return draft


def draft_questionnaire(draft: QuestionnaireDraft) -> Questionnaire:
    return parse(json.loads(draft.definition), f"draft {draft.id}")


def publish_for_agency(
    session: Session,
    plugins: PluginSet,
    agency: Agency,
    questionnaire: Questionnaire,
    actor: Actor | None,
) -> QuestionnaireVersion:
    """Publish as the agency's own (a new version unless this exact definition is
    published already), audited; raises :class:`SlugTaken`. The caller commits."""
    assert agency.id is not None
    problem = slug_problem(session, plugins, questionnaire.slug, agency.id)
    if problem:
        raise SlugTaken(problem)
    version = publish(session, questionnaire, f"agency:{agency.code}"[:100], agency.id)
    detail = {"version": version.version, "fingerprint": version.fingerprint}
    _audit(session, "questionnaire.published", agency, questionnaire.slug, actor, detail)
    return version


def _audit(
    session: Session,
    action: str,
    agency: Agency,
    slug: str,
    actor: Actor | None,
    detail: dict[str, object],
) -> None:
    """An authoring event in the caller's transaction (the command line has no actor)."""
    audit.record(
        session,
        action,
        actor=actor,
        actor_label=None if actor else cli_label(),
        agency_id=agency.id,
        target=f"questionnaire:{slug}",
        detail=detail,
        address=audit.request_address(),
    )
