"""What an improvement action answers: a typed finding of the results, and its checks.

A finding is one of :data:`collector.core.models.FINDING_KINDS`:

- ``low_item``: an item of a questionnaire rated low across the agency;
- ``weak_unit``: a service unit rated below the others (on the headline, or one item);
- ``ipa_item``: an item in the importance-performance "concentrate here" quadrant;
- ``complaint_category``: a complaint category with many cases, or cases answered late;
- ``falling_trend``: the headline or an item falling from wave to wave.

Each also names the wave it was found in (a ``collector.results.waves`` key). The
survey findings share a linked measure: one item (the questionnaire's overall item
when none is named, "the headline"), agency-wide or at the finding's unit, read as a
top-two-box share or a 0-100 score; :mod:`collector.improvement.effects` compares it
before and after the action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.scoped import scoped
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_pgettext
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import ComplaintCategory
from collector.core.models import ImprovementAction
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.core.offering import is_offered
from collector.core.plugins import PluginSet
from collector.results import waves
from surveys import Questionnaire

SURVEY_KINDS = ("low_item", "weak_unit", "ipa_item", "falling_trend")
"""The findings read from a questionnaire's results (the rest: complaint statistics)."""
ITEM_REQUIRED = ("low_item", "ipa_item")
"""Survey findings about one item; the others may name none (the headline)."""

KIND_LABELS: dict[str, LazyText] = {
    "low_item": lazy_gettext("Low item"),
    "weak_unit": lazy_gettext("Weak service unit"),
    "ipa_item": lazy_gettext("Importance-performance: concentrate here"),
    "complaint_category": lazy_gettext("Complaint category"),
    "falling_trend": lazy_gettext("Falling trend"),
}
STATUS_LABELS: dict[str, LazyText] = {
    "planned": lazy_pgettext("improvement status", "Planned"),
    "in_progress": lazy_pgettext("improvement status", "In progress"),
    "done": lazy_pgettext("improvement status", "Done"),
    "dropped": lazy_pgettext("improvement status", "Dropped"),
}
OPEN_STATUSES = ("planned", "in_progress")
MEASURE_LABELS: dict[str, LazyText] = {
    "top2": lazy_gettext("Top-two-box share"),
    "score": lazy_gettext("0-100 score"),
}
REASON_LABELS: dict[str, LazyText] = {
    "many": lazy_gettext("Many cases"),
    "overdue": lazy_gettext("Cases answered late"),
}

ERRORS: dict[str, LazyText] = {
    "kind": lazy_gettext("Choose what kind of finding the action answers."),
    "questionnaire": lazy_gettext("Choose a questionnaire your agency offers."),
    "item": lazy_gettext("Choose a rated item of the questionnaire."),
    "unit": lazy_gettext("Choose a service unit of your agency."),
    "category": lazy_gettext("Choose a complaint category of your agency."),
    "reason": lazy_gettext("Say whether the category has many cases or late answers."),
    "wave": lazy_gettext(
        "Enter the wave the finding comes from, such as 2025H1, 114H1 or a campaign of "
        "this questionnaire."
    ),
    "wave_future": lazy_gettext("The wave has not begun yet: a finding comes from results."),
}


class FieldError(ValueError):
    """Refused input: the form ``field`` it belongs to and the key of the message that
    says why (:data:`ERRORS` here, ``service.ERRORS`` for an action's details)."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(key)
        self.field = field
        self.key = key


@dataclass(frozen=True)
class Finding:
    """A finding as a form or a query string gives it (ids already numbers)."""

    kind: str
    wave_key: str
    slug: str | None = None
    item: str | None = None
    unit_id: int | None = None
    category_id: int | None = None
    reason: str | None = None
    measure: str = "top2"

    @property
    def survey(self) -> bool:
        return self.kind in SURVEY_KINDS


def finding_of(action: ImprovementAction) -> Finding:
    return Finding(
        kind=action.finding_kind,
        wave_key=action.wave_key,
        slug=action.questionnaire_slug,
        item=action.item_key,
        unit_id=action.unit_id,
        category_id=action.category_id,
        reason=action.complaint_reason,
        measure=action.measure,
    )


def rated_items(questionnaire: Questionnaire) -> list[str]:
    """The keys of the questionnaire's 1-5 rated items, in order."""
    return [q.key for q in questionnaire.questions() if q.type == "likert5"]


def measured_item(finding: Finding, questionnaire: Questionnaire) -> str | None:
    """The item a survey finding's measure reads: its own, else the overall item."""
    return finding.item or questionnaire.analysis.overall or None


def canonical_wave_key(key: str) -> str:
    """A period's key as stored (``114H1`` becomes ``2025H1``); a campaign's unchanged."""
    period = waves.parse_period(key)
    return period.key if period is not None else key.strip()


def resolve_wave(
    session: Session, actor: Actor, key: str, slug: str | None, action: str
) -> waves.Wave | None:
    """The wave a key names: a period (``2025H1``, ``114H1``), or a campaign (``c12``)
    of ``slug`` that the actor may see under ``action``; None when it names neither."""
    period = waves.parse_period(key)
    if period is not None:
        return period
    ident = waves.campaign_id(key)
    if ident is None:
        return None
    statement = select(Campaign).where(col(Campaign.id) == ident)
    if slug is not None:
        statement = statement.join(
            QuestionnaireVersion,
            col(QuestionnaireVersion.id) == Campaign.questionnaire_version_id,
        ).where(col(QuestionnaireVersion.slug) == slug)
    campaign = session.execute(scoped(statement, action, actor)).scalar_one_or_none()
    if campaign is None:
        return None
    return waves.campaign_wave(ident, campaign.title, campaign.starts_on, campaign.ends_on)


def check_finding(
    session: Session,
    plugins: PluginSet,
    actor: Actor,
    agency: Agency,
    finding: Finding,
    action: str,
    today: date,
) -> list[FieldError]:
    """Every problem of ``finding`` for ``agency`` (empty: it may be recorded).

    What it names must exist and be the agency's: a questionnaire the agency offers and
    a rated item of it, a unit or complaint category of the agency (read under
    ``action``, so another agency's id is simply not found), a wave that has begun.
    """
    if finding.kind not in KIND_LABELS:
        return [FieldError("finding_kind", "kind")]
    problems: list[FieldError] = []
    if finding.survey:
        questionnaire = plugins.questionnaires.items.get(finding.slug or "")
        if questionnaire is None or not is_offered(
            session, plugins, agency, finding.slug or "", lambda s: scoped(s, action, actor)
        ):
            problems.append(FieldError("questionnaire", "questionnaire"))
        elif finding.item:
            if finding.item not in rated_items(questionnaire):
                problems.append(FieldError("item", "item"))
        elif finding.kind in ITEM_REQUIRED or not questionnaire.analysis.overall:
            problems.append(FieldError("item", "item"))
        if finding.kind == "weak_unit":
            unit = (
                session.execute(
                    scoped(select(Unit).where(col(Unit.id) == finding.unit_id), action, actor)
                ).scalar_one_or_none()
                if finding.unit_id is not None
                else None
            )
            if unit is None or unit.agency_id != agency.id:
                problems.append(FieldError("unit", "unit"))
    else:
        category = (
            session.execute(
                scoped(
                    select(ComplaintCategory).where(
                        col(ComplaintCategory.id) == finding.category_id
                    ),
                    action,
                    actor,
                )
            ).scalar_one_or_none()
            if finding.category_id is not None
            else None
        )
        if category is None or category.agency_id != agency.id:
            problems.append(FieldError("category", "category"))
        if finding.reason not in REASON_LABELS:
            problems.append(FieldError("reason", "reason"))
    slug = finding.slug if finding.survey else None
    wave = resolve_wave(session, actor, finding.wave_key, slug, action)
    if wave is None or (wave.campaign_id is not None and not finding.survey):
        problems.append(FieldError("wave", "wave"))
    elif wave.start > today:
        problems.append(FieldError("wave", "wave_future"))
    return problems
