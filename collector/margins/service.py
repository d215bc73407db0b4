"""``weighting_for``: the weights the results pages use, from the agency's margins.

The results pages call :func:`weighting_for` with the responses of a wave (one row per
response, as ``collector.results.reading`` lays them out) and get back the weights
with what the page must say about them (method, chi-square before and after, trimmed
weights, Kish design effect), or None when the agency has no usable margins for the
year. The arithmetic is ``collector.margins.raking`` (pure); this module picks the
margins: the year's sets of the unit when the frame holds one unit that has its own,
else the agency's, each variable read from the question the questionnaire names as
that demographic, and only when the margin's categories are that question's choices.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
from flask import has_request_context
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from analysis.design import SurveyDesign
from collector.access.identity import current_actor
from collector.access.scoped import scoped
from collector.core.i18n import translator
from collector.core.models import Unit
from collector.margins.categories import VARIABLE_LABELS
from collector.margins.categories import VARIABLES
from collector.margins.categories import question_choices
from collector.margins.raking import POSTSTRATIFICATION
from collector.margins.raking import Weighting
from collector.margins.raking import weigh
from collector.margins.store import StoredSet
from collector.margins.store import stored_sets
from surveys import Questionnaire

WEIGHTING_ACTION = "aggregates.read"
"""Margins are population counts, no respondent's data: whoever may read an agency's
aggregate results gets them weighted the same way."""

__all__ = ["Weighting", "has_margins", "statement", "weighting_for"]


def _action() -> tuple[str, object]:
    """Scoped to the viewer in a staff request; unscoped for commands (the caller chose)."""
    if has_request_context():
        actor = current_actor()
        if actor is not None:
            return WEIGHTING_ACTION, actor
    return "", None


def _single_unit(
    session: Session, agency_id: int, frame: pd.DataFrame, action: str, actor: object
) -> int | None:
    """The unit id when every row of ``frame`` is from one unit of the agency."""
    if "unit" not in frame.columns or frame["unit"].isna().any():
        return None
    codes = frame["unit"].unique()
    if len(codes) != 1:
        return None
    query = select(col(Unit.id)).where(
        col(Unit.agency_id) == agency_id, col(Unit.code) == str(codes[0])
    )
    if action:
        query = scoped(query, action, actor)  # type: ignore[arg-type]  # with an action there is an actor (_action)
    return session.execute(query).scalar_one_or_none()


def has_margins(session: Session, agency_id: int, year: int) -> bool:
    """Whether the agency (or one of its units) has margins entered for ``year``."""
    action, actor = _action()
    return bool(stored_sets(session, agency_id, action, actor, year=year))  # type: ignore[arg-type]  # _action gives both or neither


def _fits(questionnaire: Questionnaire, variable: str, stored: StoredSet) -> bool:
    choices = question_choices(questionnaire, variable)
    return choices is not None and set(stored.counts()) <= {c.value for c in choices}


def weighting_for(
    session: Session,
    agency_id: int,
    year: int,
    frame: pd.DataFrame,
    questionnaire: Questionnaire,
    base: SurveyDesign | None = None,
) -> Weighting | None:
    """Weights for ``frame`` (post-stratified to one margin, raked to several) from the
    agency's margins of ``year``; None when there are none that fit the questionnaire.

    ``base``: the design the frame's responses were collected under (``raking.weigh``):
    the returned ``design`` is it, calibrated, for the results pages' estimates."""
    if frame.empty:
        return None
    action, actor = _action()
    sets = stored_sets(session, agency_id, action, actor, year=year)  # type: ignore[arg-type]  # _action gives both or neither
    if not sets:
        return None
    unit_id = _single_unit(session, agency_id, frame, action, actor)
    own = [s for s in sets if unit_id is not None and s.unit_id == unit_id]
    chosen = own or [s for s in sets if s.unit_id is None]
    by_variable = {s.variable: s for s in chosen}
    usable = {
        v: by_variable[v]
        for v in VARIABLES
        if v in by_variable and _fits(questionnaire, v, by_variable[v])
    }
    columns = {v: questionnaire.analysis.demographics[v] for v in usable}
    weighting = weigh(frame, columns, {v: s.counts() for v, s in usable.items()}, base=base)
    if weighting is None:
        return None
    return dataclasses.replace(
        weighting,
        sources={v: usable[v].source for v in weighting.variables},
        unit_margins=bool(own),
    )


def statement(weighting: Weighting, year: int, language: str) -> str:
    """The weighting in plain words, for the page's design statement."""
    text = translator(language)
    names = [text.render(VARIABLE_LABELS[v]) for v in weighting.variables]
    joined = ("、" if language.startswith("zh") else ", ").join(names)
    sources = "; ".join(dict.fromkeys(s for s in weighting.sources.values() if s))
    if weighting.method == POSTSTRATIFICATION:
        first = text.gettext(
            "Post-stratified to the %(year)s population counts of %(variables)s.",
            year=year,
            variables=joined,
        )
    else:
        first = text.gettext(
            "Raked to the %(year)s population margins of %(variables)s.",
            year=year,
            variables=joined,
        )
    parts = [first]
    if sources:
        parts.append(text.gettext("Source: %(source)s.", source=sources))
    parts.append(
        text.ngettext(
            "Weights were trimmed to between %(low)s and %(high)s times the mean weight; %(num)s weight was trimmed.",
            "Weights were trimmed to between %(low)s and %(high)s times the mean weight; %(num)s weights were trimmed.",
            weighting.trimmed,
            low=text.format_decimal(0.3),
            high=text.format_decimal(3),
        )
    )
    parts.append(
        text.gettext(
            "Design effect due to weighting (Kish): %(deff)s; effective sample size %(neff)s of %(n)s.",
            deff=text.format_decimal(round(weighting.kish_deff, 2)),
            neff=text.format_decimal(round(weighting.effective_n)),
            n=text.format_decimal(weighting.n),
        )
    )
    missing = sum(weighting.unanswered.values())
    if missing:
        parts.append(
            text.gettext(
                "Respondents who left a weighting question blank keep their unweighted share for that question."
            )
        )
    return " ".join(parts)
