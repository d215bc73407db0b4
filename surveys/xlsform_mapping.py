"""How a question type appears in XLSForm: the declaration each type carries.

A question type (``collector.answers.question_types.QuestionType``) sets its class
attribute ``xlsform`` to one of these; a type without one cannot be exported, and
no XLSForm row is imported as it. The mapping says which XLSForm ``type`` (and
``appearance``, ``parameters``) the question is written as, which of its settings
that expresses, which choice lists XLSForm needs generated for it, and how its
bounds become a constraint. docs/questionnaire-format.md ("XLSForm") lists the
core types' mappings. Pure data and small methods: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Literal

from surveys.schema import Question

Bounds = Literal["value", "count", "length", "date"]
"""How ``min``/``max`` (or ``max_length``, or ``params.min``/``max`` of a date) become
an XLSForm constraint: ``. >= 1``, ``count-selected(.) >= 1``,
``string-length(.) <= 100`` or ``. >= date('2025-01-01')``."""


@dataclass(frozen=True)
class GeneratedList:
    """A choice list XLSForm needs that collector makes itself (a scale, yes/no).

    ``choices`` are (value, English label) pairs; the label is looked up in each
    language through the ``translate`` function given to the export. ``fields`` are
    the question settings the list stands for (``not_applicable``, ``params``).
    """

    name: str
    choices: tuple[tuple[str, str], ...]
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class XLSFormMapping:
    """A question type's XLSForm form.

    ``xls_type``: the XLSForm type (``integer``, ``text``, ``select_one``, ...);
    ``appearance``: the appearance that tells this type apart (``multiline``);
    ``parameters``: fixed XLSForm parameters (``start=0 end=10 step=1`` for a range);
    ``lists``: choice lists generated for the type (a question then uses one of
    them instead of its own choices); ``own_list``: whether the question's own
    choices (inline or a ``choice_list``) are written as its list; ``bounds``: how
    its limits become a constraint; ``params``: settings the XLSForm type itself
    implies (``{"integer": True}`` for ``integer``).
    """

    xls_type: str
    appearance: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    lists: tuple[GeneratedList, ...] = ()
    own_list: bool = False
    bounds: Bounds | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    list_params: Mapping[str, Any] = field(default_factory=dict)
    """Params a generated list stands for, with their defaults (a scale's wording:
    ``{"scale": "satisfaction"}``); a param at its default is left out."""
    not_applicable: tuple[str, str] | None = None
    """(value, English label) of the choice that stands for ``not_applicable: true``
    when the question's own list is written (``("na", "Not applicable")``)."""
    alternatives: tuple[XLSFormMapping, ...] = ()
    """Other XLSForm forms of the same type, chosen by ``params`` (``decimal`` for a
    number that is not a whole number)."""

    # -- export ------------------------------------------------------------------

    def variant(self, question: Question) -> XLSFormMapping:
        """The form this question is written in (one whose implied params it has)."""
        for candidate in (self, *self.alternatives):
            if all(question.params.get(k) == v for k, v in candidate.params.items()):
                return candidate
        return self.alternatives[-1] if self.alternatives else self

    def generated_list(self, question: Question) -> GeneratedList | None:
        """The generated list that stands for this question's settings, if any; none when
        the question brings its own choices."""
        if self.own_list and (question.choices is not None or question.choice_list):
            return None
        for candidate in self.lists:
            if all(self._setting(question, k) == v for k, v in candidate.fields.items()):
                return candidate
        return None

    def _setting(self, question: Question, name: str) -> Any:
        if name != "params":
            return getattr(question, name)
        return {
            k: v
            for k, v in question.params.items()
            if k in self.list_params and v != self.list_params[k]
        }

    def consumed_params(self) -> set[str]:
        """``params`` the XLSForm form expresses itself (not written as ``parameters``)."""
        names = set(self.params)
        for other in self.alternatives:
            names |= set(other.params)
        names |= set(self.list_params)
        if self.bounds == "date":
            names |= {"min", "max"}
        return names

    # -- import ------------------------------------------------------------------

    def forms(self) -> tuple[XLSFormMapping, ...]:
        return (self, *self.alternatives)
