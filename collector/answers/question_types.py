"""Question types: how a question is asked, checked, stored and described.

A question type is a small class. The core's types live in
``collector.answers.standard_types`` and are registered through the
``register_question_types`` hook exactly as a plugin registers its own. One
instance is made per question, holding the question and its questionnaire, and
checking reuses it for every answer to that question, from several threads at
once: ``parse`` and ``to_rows`` must keep no state of their own.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from typing import ClassVar
from typing import Protocol

from wtforms import Field
from wtforms import RadioField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; types-WTForms (3.2) lacks it
from wtforms.widgets import CheckboxInput
from wtforms.widgets import DateInput
from wtforms.widgets import ListWidget
from wtforms.widgets import NumberInput

from collector.core.hooktypes import AnswerError
from collector.core.i18n import localised
from surveys import Question
from surveys import Questionnaire
from surveys.xlsform_mapping import GeneratedList
from surveys.xlsform_mapping import XLSFormMapping

Row = tuple[float | None, str | None]
"""How one answer value is stored: (number, text). A response keeps each answer's
pairs in its ``answers`` JSON document, so ``from_rows`` gets them back as lists
(``[number, text]``), with each number as the type gave it (an int stays an int)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ufeff]")


class QuestionType:
    """Base class: subclass it, set ``name`` and ``description``, override what differs."""

    name: ClassVar[str]
    description: ClassVar[str]
    widget: ClassVar[str] = "text"
    """Which template macro renders it: radio, scale, checkbox, text, textarea, number, date.
    Any other name: the field's own HTML inside a fieldset whose legend is the label."""
    template: ClassVar[str | None] = None
    """A Jinja template of the type's own control(s), rendered inside the core's fieldset
    (legend: the question's label; then its hint and error). It receives ``question``,
    ``field`` (the WTForms field: ``field.name`` is the form field to post), ``key``,
    ``control_id`` (the id the error summary links to: give it to the first control),
    ``invalid``, ``describedby``, ``language`` and ``options``. Looked up in
    ``folder/templates`` first, then among the app's templates. No inline script: the
    page's Content-Security-Policy refuses it; ship a file in ``scripts``."""
    folder: ClassVar[str | Path | None] = None
    """The type's own files: ``templates/`` (for ``template``) and ``static/`` (the files
    named in ``scripts`` and ``stylesheets``, served at
    ``/assets/question-types/<name>/<file>``; nothing else in it is served)."""
    scripts: ClassVar[tuple[str, ...]] = ()
    """JavaScript files in ``folder/static``, loaded (``<script src defer>``) by every page
    that shows a question of this type."""
    stylesheets: ClassVar[tuple[str, ...]] = ()
    """CSS files in ``folder/static``, linked by every page that shows a question of this type."""
    multiple: ClassVar[bool] = False
    """True when an answer is a list of values (one stored row each)."""
    numeric: ClassVar[bool] = False
    """True when answers are numbers that analysis may average."""
    xlsform: ClassVar[XLSFormMapping | None] = None
    """How the type is written in an XLSForm workbook and recognised in one
    (``surveys.xlsform_mapping.XLSFormMapping``); None: questions of this type cannot
    be exported, and no XLSForm row is imported as one."""

    def __init__(self, question: Question, questionnaire: Questionnaire) -> None:
        self.question = question
        self.questionnaire = questionnaire

    # -- the definition -------------------------------------------------

    def check_definition(self) -> list[str]:
        """Problems with how the question is defined for this type (empty when fine)."""
        return []

    def options(self, language: str) -> list[tuple[str, str]] | None:
        """(value, label) pairs for closed questions; None for open ones."""
        choices = self.questionnaire.choices_for(self.question)
        if choices is None:
            return None
        return [(c.value, localised(c.label, language)) for c in choices]

    def bounds(self) -> tuple[float | None, float | None]:
        return self.question.min, self.question.max

    # -- answers ----------------------------------------------------------

    def parse(self, raw: Any) -> Any:
        """Turn a raw answer (form text or JSON value) into its value; None when empty."""
        text = _single(raw)
        if text is None:
            return None
        text = _clean_text(text)
        limit = self.question.max_length or 500
        if len(text) > limit:
            raise AnswerError("too_long", max=limit)
        return text or None

    def to_rows(self, value: Any) -> list[Row]:
        return [(None, str(value))]

    def from_rows(self, rows: Sequence[Row]) -> Any:
        return rows[0][1] if rows else None

    # -- presentation -------------------------------------------------------

    def make_field(self, language: str) -> Field:
        """An unbound WTForms field; answers are checked by :meth:`parse`, not WTForms."""
        return StringField(render_kw=self._render_kw())

    def _render_kw(self) -> dict[str, Any]:
        kw: dict[str, Any] = {}
        if self.question.max_length:
            kw["maxlength"] = self.question.max_length
        return kw

    def json_schema(self) -> dict[str, Any]:
        """The OpenAPI schema of an answer to this question."""
        schema: dict[str, Any] = {"type": "string"}
        if self.question.max_length:
            schema["maxLength"] = self.question.max_length
        return schema


# -- helpers shared by the core types --------------------------------------------


def select_choices(options: list[tuple[str, str]] | None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices for radio and checkbox fields."""
    return [SelectChoice(value, label) for value, label in options or []]


def _single(raw: Any) -> Any:
    """One value out of what a form or JSON sent; None for nothing."""
    if isinstance(raw, list | tuple):
        values = [v for v in raw if v not in (None, "")]
        if len(values) > 1:
            raise AnswerError("type")
        raw = values[0] if values else None
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, dict):
        raise AnswerError("type")
    return raw


def _clean_text(value: Any) -> str:
    """Plain text only: NUL, control characters and undecodable bytes are refused."""
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise AnswerError("type")
        value = str(value)
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    if _CONTROL.search(value):
        raise AnswerError("bad_characters")
    return value


def parse_number(raw: Any, integer: bool = False) -> float | None:
    raw = _single(raw)
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise AnswerError("number")
    if isinstance(raw, int | float):
        try:
            number = float(raw)
        except OverflowError:  # a JSON integer beyond any float
            raise AnswerError("number") from None
    else:
        text = _clean_text(raw).replace(",", "").replace("，", "")
        text = text.translate(str.maketrans("０１２３４５６７８９．－", "0123456789.-"))
        try:
            number = float(text)
        except ValueError:
            raise AnswerError("integer" if integer else "number") from None
    if not math.isfinite(number):
        raise AnswerError("number")
    if integer and number != int(number):
        raise AnswerError("integer")
    return number


class ChoiceType(QuestionType):
    """Closed questions whose stored value is the choice's ``value`` text."""

    widget = "radio"

    def check_definition(self) -> list[str]:
        if not self.questionnaire.choices_for(self.question):
            return ["needs 'choices' or 'choice_list'"]
        return []

    def values(self) -> list[str]:
        """The choices' values (worked out once: the definition never changes)."""
        values = self.__dict__.get("_values")
        if values is None:
            values = self.__dict__["_values"] = [v for v, _ in self.options("en") or []]
        return values

    def parse(self, raw: Any) -> Any:
        value = _single(raw)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise AnswerError("choice")
        value = str(value)
        if value not in self.values():
            raise AnswerError("choice")
        return value

    def make_field(self, language: str) -> Field:
        return RadioField(choices=select_choices(self.options(language)), validate_choice=False)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": self.values()}


class MultipleChoiceType(ChoiceType):
    widget = "checkbox"
    multiple = True

    def parse(self, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        items = list(raw) if isinstance(raw, list | tuple) else [raw]
        allowed = self.values()
        chosen: list[str] = []
        for item in items:
            if item is None or (isinstance(item, str) and not item.strip()):
                continue
            if isinstance(item, bool) or not isinstance(item, str | int):
                raise AnswerError("choice")
            if str(item) not in allowed:
                raise AnswerError("choice")
            if str(item) not in chosen:
                chosen.append(str(item))
        if not chosen:
            return None
        q = self.question
        if q.min is not None and len(chosen) < q.min:
            raise AnswerError("min", min=int(q.min))
        if q.max is not None and len(chosen) > q.max:
            raise AnswerError("max", max=int(q.max))
        # Keep the questionnaire's order, whatever order the client sent.
        return [v for v in allowed if v in chosen]

    def to_rows(self, value: Any) -> list[Row]:
        return [(None, v) for v in value]

    def from_rows(self, rows: Sequence[Row]) -> Any:
        return [text for _, text in rows if text is not None]

    def make_field(self, language: str) -> Field:
        return SelectMultipleField(
            choices=select_choices(self.options(language)),
            validate_choice=False,
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
        )

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "string", "enum": self.values()},
            "uniqueItems": True,
        }


class NumberType(QuestionType):
    widget = "number"
    numeric = True

    @property
    def integer(self) -> bool:
        return bool(self.question.params.get("integer", False))

    def parse(self, raw: Any) -> Any:
        number = parse_number(raw, integer=self.integer)
        if number is None:
            return None
        low, high = self.bounds()
        if low is not None and number < low:
            raise AnswerError("min", min=_fmt(low))
        if high is not None and number > high:
            raise AnswerError("max", max=_fmt(high))
        return int(number) if self.integer else number

    def to_rows(self, value: Any) -> list[Row]:
        return [(float(value), None)]

    def from_rows(self, rows: Sequence[Row]) -> Any:
        if not rows or rows[0][0] is None:
            return None
        return int(rows[0][0]) if self.integer else rows[0][0]

    def make_field(self, language: str) -> Field:
        kw: dict[str, Any] = {"inputmode": "numeric" if self.integer else "decimal"}
        low, high = self.bounds()
        if low is not None:
            kw["min"] = _fmt(low)
        if high is not None:
            kw["max"] = _fmt(high)
        kw["step"] = "1" if self.integer else "any"
        return StringField(widget=NumberInput(), render_kw=kw)

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer" if self.integer else "number"}
        low, high = self.bounds()
        if low is not None:
            schema["minimum"] = low
        if high is not None:
            schema["maximum"] = high
        return schema


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class _HasRenderKw(Protocol):
    def _render_kw(self) -> dict[str, Any]: ...


class TextAreaMixin:
    def make_field(self: _HasRenderKw, language: str) -> Field:
        return TextAreaField(render_kw=self._render_kw() | {"rows": 5})


__all__ = [
    "AnswerError",
    "ChoiceType",
    "DateInput",
    "GeneratedList",
    "MultipleChoiceType",
    "NumberType",
    "QuestionType",
    "Row",
    "TextAreaMixin",
    "XLSFormMapping",
    "parse_number",
    "select_choices",
]
