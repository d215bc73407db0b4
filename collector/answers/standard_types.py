"""The core's question types, registered through the same hook a plugin uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from wtforms import Field
from wtforms import RadioField
from wtforms import StringField
from wtforms.widgets import DateInput

from collector.answers.question_types import ChoiceType
from collector.answers.question_types import MultipleChoiceType
from collector.answers.question_types import NumberType
from collector.answers.question_types import QuestionType
from collector.answers.question_types import Row
from collector.answers.question_types import TextAreaMixin
from collector.answers.question_types import _single
from collector.answers.question_types import parse_number
from collector.answers.question_types import select_choices
from collector.core.hooktypes import AnswerError
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from surveys.xlsform_mapping import GeneratedList
from surveys.xlsform_mapping import XLSFormMapping

NOT_APPLICABLE = "na"

LIKERT_SCALES: dict[str, list[LazyText]] = {
    "satisfaction": [
        lazy_gettext("Very satisfied"),
        lazy_gettext("Satisfied"),
        lazy_gettext("Neutral"),
        lazy_gettext("Dissatisfied"),
        lazy_gettext("Very dissatisfied"),
    ],
    "agreement": [
        lazy_gettext("Strongly agree"),
        lazy_gettext("Agree"),
        lazy_gettext("Neither agree nor disagree"),
        lazy_gettext("Disagree"),
        lazy_gettext("Strongly disagree"),
    ],
}
"""The labels of each built-in scale, 5 (most favourable) first."""

_SCALE_WORDS = {
    "satisfaction": (
        "Very satisfied",
        "Satisfied",
        "Neutral",
        "Dissatisfied",
        "Very dissatisfied",
    ),
    "agreement": (
        "Strongly agree",
        "Agree",
        "Neither agree nor disagree",
        "Disagree",
        "Strongly disagree",
    ),
}
"""The English msgids of LIKERT_SCALES, for XLSForm's generated lists."""


def _likert_lists() -> tuple[GeneratedList, ...]:
    lists = []
    for scale, words in _SCALE_WORDS.items():
        choices = tuple((str(5 - i), word) for i, word in enumerate(words))
        params = {} if scale == "satisfaction" else {"scale": scale}
        lists.append(
            GeneratedList(f"likert5_{scale}", choices, {"params": params, "not_applicable": False})
        )
        lists.append(
            GeneratedList(
                f"likert5_{scale}_na",
                (*choices, (NOT_APPLICABLE, "Not applicable")),
                {"params": params, "not_applicable": True},
            )
        )
    return tuple(lists)


class Likert5(QuestionType):
    """Five-point scale, 5 = most favourable, with an optional "not applicable"."""

    name = "likert5"
    description = "5-point Likert scale (5 best), optional not-applicable"
    widget = "scale"
    numeric = True
    xlsform = XLSFormMapping(
        "select_one",
        appearance="likert",
        lists=_likert_lists(),
        own_list=True,
        list_params={"scale": "satisfaction"},
        not_applicable=(NOT_APPLICABLE, "Not applicable"),
    )

    def check_definition(self) -> list[str]:
        scale = self.question.params.get("scale", "satisfaction")
        problems = []
        if scale not in LIKERT_SCALES:
            problems.append(f"params.scale must be one of {sorted(LIKERT_SCALES)}, not {scale!r}")
        choices = self.questionnaire.choices_for(self.question)
        if choices is not None and sorted(c.value for c in choices) != ["1", "2", "3", "4", "5"]:
            problems.append("custom choices of a likert5 question must have the values 1 to 5")
        return problems

    def options(self, language: str) -> list[tuple[str, str]]:
        custom = self.questionnaire.choices_for(self.question)
        if custom is not None:
            labels = {c.value: self.questionnaire.text(c.label, language) for c in custom}
            opts = [(v, labels[v]) for v in ("5", "4", "3", "2", "1")]
        else:
            scale = LIKERT_SCALES[self.question.params.get("scale", "satisfaction")]
            text = translator(language)
            opts = [(str(5 - i), text.render(label)) for i, label in enumerate(scale)]
        if self.question.not_applicable:
            opts.append((NOT_APPLICABLE, translator(language).gettext("Not applicable")))
        return opts

    def bounds(self) -> tuple[float | None, float | None]:
        return 1, 5

    def parse(self, raw: Any) -> Any:
        value = _single(raw)
        if value is None:
            return None
        if value == NOT_APPLICABLE:
            if not self.question.not_applicable:
                raise AnswerError("choice")
            return NOT_APPLICABLE
        try:
            number = parse_number(value, integer=True)
        except AnswerError:
            raise AnswerError("choice") from None
        if number is None or not 1 <= number <= 5:
            raise AnswerError("choice")
        return int(number)

    def to_rows(self, value: Any) -> list[Row]:
        if value == NOT_APPLICABLE:
            return [(None, NOT_APPLICABLE)]
        return [(float(value), None)]

    def from_rows(self, rows: Sequence[Row]) -> Any:
        if not rows:
            return None
        number, text = rows[0]
        return int(number) if number is not None else text

    def make_field(self, language: str) -> Field:
        return RadioField(choices=select_choices(self.options(language)), validate_choice=False)

    def json_schema(self) -> dict[str, Any]:
        values: list[Any] = [1, 2, 3, 4, 5]
        if self.question.not_applicable:
            values.append(NOT_APPLICABLE)
        return {"enum": values, "description": "5 = most favourable"}


class SingleChoice(ChoiceType):
    name = "single_choice"
    description = "One of a list of choices"
    xlsform = XLSFormMapping("select_one", own_list=True)


class MultipleChoice(MultipleChoiceType):
    name = "multiple_choice"
    description = "Any number of a list of choices (min/max limit how many)"
    xlsform = XLSFormMapping("select_multiple", own_list=True, bounds="count")


class Rating0To10(NumberType):
    """0-10 rating (as used for recommendation); stored as a number."""

    name = "rating_0_10"
    description = "Rating from 0 to 10"
    widget = "scale"
    xlsform = XLSFormMapping("range", parameters=(("start", "0"), ("end", "10"), ("step", "1")))

    def bounds(self) -> tuple[float | None, float | None]:
        return 0, 10

    @property
    def integer(self) -> bool:
        return True

    def options(self, language: str) -> list[tuple[str, str]]:
        return [(str(i), str(i)) for i in range(11)]

    def parse(self, raw: Any) -> Any:
        try:
            return super().parse(raw)
        except AnswerError:
            raise AnswerError("choice") from None

    def make_field(self, language: str) -> Field:
        return RadioField(choices=select_choices(self.options(language)), validate_choice=False)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 0, "maximum": 10}


class YesNo(QuestionType):
    """Yes or no; stored as 1 or 0 so that analysis can take its mean as a share."""

    name = "yes_no"
    description = "Yes or no"
    widget = "radio"
    numeric = True
    xlsform = XLSFormMapping(
        "select_one", lists=(GeneratedList("yes_no", (("yes", "Yes"), ("no", "No"))),)
    )

    def options(self, language: str) -> list[tuple[str, str]]:
        return [
            ("yes", translator(language).gettext("Yes")),
            ("no", translator(language).gettext("No")),
        ]

    def parse(self, raw: Any) -> Any:
        value = _single(raw)
        if value is None:
            return None
        if value is True or value in ("yes", "1", 1):
            return "yes"
        if value is False or value in ("no", "0", 0):
            return "no"
        raise AnswerError("choice")

    def to_rows(self, value: Any) -> list[Row]:
        return [(1.0 if value == "yes" else 0.0, None)]

    def from_rows(self, rows: Sequence[Row]) -> Any:
        if not rows or rows[0][0] is None:
            return None
        return "yes" if rows[0][0] == 1 else "no"

    def make_field(self, language: str) -> Field:
        return RadioField(choices=select_choices(self.options(language)), validate_choice=False)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": ["yes", "no"]}


class Number(NumberType):
    name = "number"
    description = "A number within optional bounds (params.integer for whole numbers)"
    xlsform = XLSFormMapping(
        "integer",
        bounds="value",
        params={"integer": True},
        alternatives=(XLSFormMapping("decimal", bounds="value"),),
    )


class Date(QuestionType):
    name = "date"
    description = "A calendar date (ISO 8601, YYYY-MM-DD); min/max as params.min/params.max"
    widget = "date"
    xlsform = XLSFormMapping("date", bounds="date")

    def parse(self, raw: Any) -> Any:
        value = _single(raw)
        if value is None:
            return None
        if not isinstance(value, str):
            raise AnswerError("date")
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise AnswerError("date") from None
        low = self.question.params.get("min")
        high = self.question.params.get("max")
        if low and day < dt.date.fromisoformat(str(low)):
            raise AnswerError("min", min=str(low))
        if high and day > dt.date.fromisoformat(str(high)):
            raise AnswerError("max", max=str(high))
        return day.isoformat()

    def make_field(self, language: str) -> Field:
        kw = {k: str(v) for k, v in self.question.params.items() if k in ("min", "max")}
        return StringField(widget=DateInput(), render_kw=kw)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


class Text(QuestionType):
    name = "text"
    description = "Short free text (max_length, default 500)"
    xlsform = XLSFormMapping("text", bounds="length")


class LongText(TextAreaMixin, QuestionType):
    name = "long_text"
    description = "Long free text (max_length, default 500)"
    widget = "textarea"
    xlsform = XLSFormMapping("text", appearance="multiline", bounds="length")


CORE_TYPES = [
    Likert5,
    SingleChoice,
    MultipleChoice,
    Rating0To10,
    YesNo,
    Number,
    Date,
    Text,
    LongText,
]
