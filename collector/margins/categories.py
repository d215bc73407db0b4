"""Which categories each margin variable has: the questionnaires' own choice values.

A margin is only usable for weighting when its categories are the values respondents
chose from, so they come from the questionnaires: the variable ``sex`` is the question
a questionnaire names as its ``sex`` demographic (``analysis.demographics``), and its
categories are that question's choice values (``male``, ``female``, ``other`` in the
bundled citizen questionnaire). For an agency, the questionnaires are those it offers
(``collector.core.offering``); where two ask differently, their values are pooled.

A district is the agency's own: no bundled questionnaire asks for one, so until a
questionnaire the agency offers names a ``district`` demographic, the agency's list is
whatever districts it enters (kept, shown, but not yet usable for weighting).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

from sqlmodel import Session

from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.models import Agency
from collector.core.offering import Scope
from collector.core.offering import offered_by_agency
from collector.core.plugins import PluginSet
from surveys import Questionnaire

VARIABLES = ("sex", "age_group", "district")
"""The margin variables, in the order forms and tables show them (and raking takes them)."""

VARIABLE_LABELS: dict[str, LazyText] = {
    "sex": lazy_gettext("Sex"),
    "age_group": lazy_gettext("Age group"),
    "district": lazy_gettext("District"),
}

CATEGORY_MAX = 64

FREE_VARIABLE = "district"
"""The variable whose categories the agency lists itself when no questionnaire does."""


@dataclass(frozen=True)
class Category:
    """One category: the stored value and its label in each language."""

    value: str
    labels: dict[str, str] = field(default_factory=dict, compare=False)

    def label(self, language: str) -> str:
        return self.labels.get(language) or next(iter(self.labels.values()), self.value)


@dataclass(frozen=True)
class Scheme:
    """A variable's categories for an agency; ``categories`` None: the agency's own list."""

    variable: str
    categories: tuple[Category, ...] | None
    questionnaires: tuple[str, ...] = ()

    @property
    def fixed(self) -> bool:
        return self.categories is not None

    def resolve(self, text: str) -> str | None:
        """The category ``text`` names (its value or a label in any language), or None.

        A free list (a district without questionnaire) takes any clean text as it is."""
        text = unicodedata.normalize("NFC", text.strip())
        if self.categories is None:
            return text if clean_category(text) else None
        folded = text.casefold()
        for category in self.categories:
            if folded == category.value.casefold() or any(
                folded == label.casefold() for label in category.labels.values()
            ):
                return category.value
        return None

    def label(self, value: str, language: str) -> str:
        for category in self.categories or ():
            if category.value == value:
                return category.label(language)
        return value


def clean_category(text: str) -> bool:
    """A free category name: 1 to 64 characters, none a control character, not a formula."""
    return (
        0 < len(text) <= CATEGORY_MAX
        and not any(unicodedata.category(c).startswith("C") for c in text)
        and not looks_like_formula(text)
    )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """A spreadsheet formula (or a cell a spreadsheet would run as one, CSV injection)."""
    return text.startswith(FORMULA_STARTS)


def question_choices(questionnaire: Questionnaire, variable: str) -> tuple[Category, ...] | None:
    """The choices of the question ``questionnaire`` names as its ``variable`` demographic."""
    key = questionnaire.analysis.demographics.get(variable)
    if not key:
        return None
    try:
        question = questionnaire.question(key)
    except KeyError:
        return None
    choices = questionnaire.choices_for(question)
    if not choices:
        return None
    return tuple(Category(c.value, dict(c.label)) for c in choices)


def schemes(questionnaires: Iterable[Questionnaire]) -> dict[str, Scheme]:
    """Each variable's categories pooled over ``questionnaires`` (in the order first met)."""
    pooled: dict[str, dict[str, Category]] = {v: {} for v in VARIABLES}
    asked: dict[str, list[str]] = {v: [] for v in VARIABLES}
    for questionnaire in questionnaires:
        for variable in VARIABLES:
            choices = question_choices(questionnaire, variable)
            if choices is None:
                continue
            asked[variable].append(questionnaire.slug)
            for category in choices:
                pooled[variable].setdefault(category.value, category)
    out = {}
    for v in VARIABLES:
        if asked[v]:
            out[v] = Scheme(v, tuple(pooled[v].values()), tuple(asked[v]))
        else:  # nobody asks: a district is the agency's own list, anything else has none
            out[v] = Scheme(v, None if v == FREE_VARIABLE else ())
    return out


def agency_schemes(
    session: Session, plugins: PluginSet, agency: Agency, scope: Scope | None = None
) -> dict[str, Scheme]:
    """The categories of each variable in the questionnaires ``agency`` offers."""
    slugs = offered_by_agency(session, plugins, [agency], scope).get(agency.id or 0, set())
    registered = plugins.questionnaires.items
    return schemes(registered[s] for s in sorted(slugs) if s in registered)
