"""Which registered questionnaires each agency offers.

A plugin's questionnaire may be meant for some agencies only: the land office's
questionnaire is not for a household registration office. The registering plugin
says so through the ``questionnaire_offered`` hook (by agency, or by a kind of
agency it recognises); a questionnaire nobody answers for is offered everywhere. An
agency administrator may switch any questionnaire on or off for their agency in the
console (``collector.campaigns.offers``): that choice, a ``questionnaire_offer`` row,
wins. Survey pages and addresses, the API, paper entry and the campaign form offer
only what this module says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.core.lookups import CACHE_SECONDS
from collector.core.models import Agency
from collector.core.models import QuestionnaireOffer
from collector.core.models import QuestionnaireVersion
from collector.core.plugins import PluginSet
from surveys import Questionnaire

Scope = Callable[[Any], Any]
"""How a staff page limits a statement to the actor's agencies (``access.scoped``)."""


def default_offered(plugins: PluginSet, questionnaire: Questionnaire, agency: Agency) -> bool:
    """What the plugins say, without the agency's own choice: offered unless one says no."""
    answer = plugins.hook.questionnaire_offered(questionnaire=questionnaire, agency=agency)
    return True if answer is None else bool(answer)


def choices(
    session: Session, agency_ids: Iterable[int], scope: Scope | None = None
) -> dict[tuple[int, str], bool]:
    """The agencies' own choices: (agency id, slug) -> offered."""
    ids = sorted(set(agency_ids))
    if not ids:
        return {}
    statement = select(
        col(QuestionnaireOffer.agency_id),
        col(QuestionnaireOffer.slug),
        col(QuestionnaireOffer.offered),
    ).where(col(QuestionnaireOffer.agency_id).in_(ids))
    rows = session.execute(scope(statement) if scope else statement).all()
    return {(agency_id, slug): offered for agency_id, slug, offered in rows}


def offered_by_agency(
    session: Session, plugins: PluginSet, agencies: Iterable[Agency], scope: Scope | None = None
) -> dict[int, set[str]]:
    """Agency id -> the slugs of the registered questionnaires it offers, and of its own."""
    agencies = list(agencies)
    chosen = choices(session, (a.id for a in agencies if a.id is not None), scope)
    owned = _owned(session, [a.id for a in agencies if a.id is not None])
    out: dict[int, set[str]] = {}
    for agency in agencies:
        assert agency.id is not None  # stored agencies
        out[agency.id] = {
            slug
            for slug, questionnaire in plugins.questionnaires.items.items()
            if chosen.get((agency.id, slug), None) is True
            or ((agency.id, slug) not in chosen and default_offered(plugins, questionnaire, agency))
        } | owned.get(agency.id, set())
    return out


def _owned(session: Session, agency_ids: list[int]) -> dict[int, set[str]]:
    """Each agency's own questionnaires (collector.authoring): offered there, nowhere else."""
    if not agency_ids:
        return {}
    rows = session.execute(
        select(col(QuestionnaireVersion.owner_agency_id), col(QuestionnaireVersion.slug))
        .where(col(QuestionnaireVersion.owner_agency_id).in_(agency_ids))
        .distinct()
    ).all()
    out: dict[int, set[str]] = {}
    for agency_id, slug in rows:
        out.setdefault(agency_id, set()).add(slug)
    return out


def is_offered(
    session: Session, plugins: PluginSet, agency: Agency, slug: str, scope: Scope | None = None
) -> bool:
    """Does ``agency`` offer the registered questionnaire ``slug``?"""
    return slug in offered_by_agency(session, plugins, [agency], scope).get(agency.id or 0, set())


# The API's fast path asks on every submission: answers are cached per app (so per
# worker process) for CACHE_SECONDS, as agencies and units are (collector.core.lookups).
# A change made in the console is seen at once by the process that made it
# (:func:`forget`) and within CACHE_SECONDS by the others.


def cached_is_offered(
    app: Flask, plugins: PluginSet, session: Callable[[], Session], agency: Agency, slug: str
) -> bool:
    """:func:`is_offered` without a query while a recent answer is known."""
    cache: dict[tuple[int | None, str], tuple[float, bool]] = app.extensions.setdefault(
        "collector.core.offering", {}
    )
    now = time.monotonic()
    hit = cache.get((agency.id, slug))
    if hit is not None and hit[0] > now:
        return hit[1]
    answer = is_offered(session(), plugins, agency, slug)
    cache[(agency.id, slug)] = (now + CACHE_SECONDS, answer)
    return answer


def forget(app: Flask) -> None:
    """Forget cached answers (after an agency changed its choice)."""
    app.extensions.pop("collector.core.offering", None)
