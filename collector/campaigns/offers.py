"""An agency's own choice of the questionnaires it offers, made by its administrator.

The default comes from the plugins (``collector.core.offering``: the land office's
questionnaire is offered at land offices only); an administrator with
``campaigns.manage`` may switch any public questionnaire on or off for their agency.
The choice is stored (``questionnaire_offer``) and audited as
``questionnaire_offer.changed`` in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.scoped import scoped
from collector.core.clock import utcnow
from collector.core.hooktypes import Actor
from collector.core.models import Agency
from collector.core.models import QuestionnaireOffer
from collector.core.offering import choices
from collector.core.offering import default_offered
from collector.core.plugins import PluginSet
from collector.core.questionnaires import PUBLIC_KINDS
from surveys import Questionnaire

ACTION = "campaigns.manage"


@dataclass(frozen=True)
class Offer:
    """One questionnaire at one agency: what the plugins say, the agency's choice, the result."""

    questionnaire: Questionnaire
    owner: str  # the plugin that registered it
    default: bool
    chosen: bool | None  # None: the agency has not chosen

    @property
    def offered(self) -> bool:
        return self.default if self.chosen is None else self.chosen


def offers_at(session: Session, plugins: PluginSet, agency: Agency, actor: Actor) -> list[Offer]:
    """Every public questionnaire and whether ``agency`` offers it, with why."""
    assert agency.id is not None  # a stored agency
    chosen = choices(session, [agency.id], lambda s: scoped(s, ACTION, actor))
    return [
        Offer(
            questionnaire,
            plugins.questionnaires.owners[slug],
            default_offered(plugins, questionnaire, agency),
            chosen.get((agency.id, slug)),
        )
        for slug, questionnaire in plugins.questionnaires.items.items()
        if questionnaire.kind in PUBLIC_KINDS
    ]


def set_offered(
    session: Session,
    plugins: PluginSet,
    *,
    agency: Agency,
    slug: str,
    offered: bool,
    actor: Actor,
) -> bool:
    """Store the agency's choice and audit it, in the caller's write transaction; False
    when it changes nothing (the questionnaire was already offered, or not, so)."""
    assert agency.id is not None  # a stored agency
    questionnaire = plugins.questionnaires[slug]
    row = session.execute(
        scoped(
            select(QuestionnaireOffer).where(
                col(QuestionnaireOffer.agency_id) == agency.id, col(QuestionnaireOffer.slug) == slug
            ),
            ACTION,
            actor,
        )
    ).scalar_one_or_none()
    before = row.offered if row is not None else default_offered(plugins, questionnaire, agency)
    if before == offered:
        return False
    if row is None:
        row = QuestionnaireOffer(agency_id=agency.id, slug=slug, offered=offered)
        session.add(row)
    row.offered = offered
    row.changed_at = utcnow()
    row.changed_by = actor.user_id
    audit.record(
        session,
        "questionnaire_offer.changed",
        actor=actor,
        agency_id=agency.id,
        target=f"questionnaire:{slug}",
        detail={"offered": offered},
        address=audit.request_address(),
    )
    return True
