"""The questionnaire format: declarative data, validated when it is loaded.

A questionnaire is a mapping (usually a YAML file) that maps one to one onto
XLSForm's sheets: ``sections`` and ``questions`` are the *survey* sheet (a
section is a ``begin_group``), ``choices``/``choice_lists`` the *choices* sheet,
and the top-level ``slug``/``title``/``languages`` the *settings* sheet.
``relevant`` and ``constraint`` use XLSForm's expression syntax, and every text
is a mapping from a language code to its translation, as XLSForm's
``label::中文 (zh-Hant-TW)`` columns are. See docs/questionnaire-format.md.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import field_validator
from pydantic import model_validator

from surveys.expressions import ExpressionError
from surveys.expressions import compile_expression

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
DEFAULT_LANGUAGES = ("zh-Hant-TW", "en")

Text = dict[str, str]
"""A translatable text: language code to string. A plain string means the first language."""


def _nfc(value: Any) -> Any:
    """Text is stored as NFC so that the same character always compares equal."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Model):
    """One option of a choice question; ``value`` is what is stored."""

    value: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    label: Text


class Question(_Model):
    """One question. ``type`` names a registered question type (see collector.answers.question_types)."""

    key: str = Field(pattern=KEY_PATTERN)
    type: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    hint: Text | None = None
    required: bool = True
    choices: list[Choice] | None = None
    choice_list: str | None = None
    not_applicable: bool = False
    min: float | None = None
    max: float | None = None
    max_length: int | None = Field(default=None, gt=0, le=20000)
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Text | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Question:
        if self.choices is not None and self.choice_list is not None:
            raise ValueError("give either 'choices' or 'choice_list', not both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"'min' ({self.min}) is larger than 'max' ({self.max})")
        if self.choices is not None:
            values = [c.value for c in self.choices]
            dup = {v for v in values if values.count(v) > 1}
            if dup:
                raise ValueError(f"choice values repeat: {sorted(dup)}")
        for name in ("relevant", "constraint"):
            source = getattr(self, name)
            if source is not None:
                try:
                    compile_expression(source)
                except ExpressionError as exc:
                    raise ValueError(f"{name} {source!r}: {exc}") from None
        return self


class Section(_Model):
    """A group of questions shown together (XLSForm ``begin_group``).

    ``layout: grid`` (XLSForm appearance ``table-list``) shows a block of items that
    share one scale as a table, one row per item, one column per option; every
    question of such a section has the same type, choices and not-applicable option.
    """

    key: str = Field(pattern=KEY_PATTERN)
    title: Text
    description: Text | None = None
    relevant: str | None = None
    layout: Literal["list", "grid"] = "list"
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _grid_shares_a_scale(self) -> Section:
        if self.layout != "grid":
            return self
        first = self.questions[0]
        for question in self.questions[1:]:
            for name in ("type", "choices", "choice_list", "not_applicable", "min", "max"):
                if getattr(question, name) != getattr(first, name):
                    raise ValueError(
                        f"section {self.key!r} (layout grid): question {question.key!r} differs "
                        f"from {first.key!r} in {name}; the items of a grid share one scale"
                    )
        return self


class PrivacyNotice(_Model):
    """The notice PDPA Art. 8 requires wherever personal data is collected.

    ``{agency}`` in any text is replaced by the agency's name when it is shown.
    The notice is versioned with the questionnaire: changing it publishes a new version.
    """

    controller: Text
    purpose: Text
    categories: Text
    use: Text
    rights: Text
    optional_data: Text


class AnalysisRoles(_Model):
    """Which questions feed which analysis (headline, dimensions, weighting)."""

    overall: str | None = None
    dimensions: dict[str, list[str]] = Field(default_factory=dict)
    dimension_labels: dict[str, Text] = Field(default_factory=dict)
    groups: dict[str, list[str]] = Field(default_factory=dict)
    demographics: dict[str, str] = Field(default_factory=dict)
    comment: str | None = None
    importance: dict[str, str] = Field(default_factory=dict)
    """Item key -> the key of the question asking how important that item is to the
    respondent (asked importance for importance-performance analysis; without it,
    importance is derived from each item's relation to ``overall``)."""


class Questionnaire(_Model):
    """A whole questionnaire definition as it is published."""

    slug: str = Field(pattern=r"^[a-z][a-z0-9-]{1,62}$")
    kind: Literal["citizen", "staff", "complaint", "other"] = "other"
    title: Text
    description: Text | None = None
    languages: list[str] = Field(default_factory=lambda: list(DEFAULT_LANGUAGES), min_length=1)
    privacy_notice: PrivacyNotice
    choice_lists: dict[str, list[Choice]] = Field(default_factory=dict)
    sections: list[Section] = Field(min_length=1)
    analysis: AnalysisRoles = Field(default_factory=AnalysisRoles)
    thanks: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise_text(cls, data: Any) -> Any:
        """NFC everywhere, and a bare string becomes the first language's text."""
        data = _nfc(data)
        if isinstance(data, dict):
            languages = data.get("languages") or list(DEFAULT_LANGUAGES)
            first = languages[0] if isinstance(languages, list) and languages else "zh-Hant-TW"
            data = _expand_bare_texts(data, first)
        return data

    @field_validator("languages")
    @classmethod
    def _unique_languages(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("languages repeat")
        return value

    @model_validator(mode="after")
    def _check_whole(self) -> Questionnaire:
        _check_translations(self)
        for name, choices in self.choice_lists.items():
            values = [c.value for c in choices]
            dup = {v for v in values if values.count(v) > 1}
            if dup:
                raise ValueError(f"choice_lists.{name}: choice values repeat: {sorted(dup)}")
        keys: list[str] = []
        for section in self.sections:
            # A section's condition is decided before its questions are asked,
            # so it may only read questions of earlier sections.
            if section.relevant:
                unknown = compile_expression(section.relevant).references - set(keys)
                if unknown:
                    raise ValueError(
                        f"section {section.key!r}: relevant refers to later or unknown {sorted(unknown)}"
                    )
            for question in section.questions:
                if question.key in keys:
                    raise ValueError(f"question key {question.key!r} is used twice")
                if question.choice_list and question.choice_list not in self.choice_lists:
                    raise ValueError(
                        f"question {question.key!r}: unknown choice_list {question.choice_list!r}"
                    )
                for name in ("relevant", "constraint"):
                    source = getattr(question, name)
                    if source:
                        unknown = compile_expression(source).references - set(keys)
                        if unknown:
                            raise ValueError(
                                f"question {question.key!r}: {name} refers to "
                                f"{sorted(unknown)}, which is not an earlier question"
                            )
                keys.append(question.key)
        sections = [s.key for s in self.sections]
        if len(set(sections)) != len(sections):
            raise ValueError("section keys repeat")
        roles = self.analysis
        named = [roles.overall, roles.comment, *roles.demographics.values()]
        named += [k for ks in roles.dimensions.values() for k in ks]
        named += [k for ks in roles.groups.values() for k in ks]
        named += [k for pair in roles.importance.items() for k in pair]
        missing = sorted({k for k in named if k and k not in keys})
        if missing:
            raise ValueError(f"analysis names questions that do not exist: {missing}")
        return self

    # -- reading it -------------------------------------------------------

    def questions(self) -> list[Question]:
        """Every question, in order."""
        return [q for s in self.sections for q in s.questions]

    def question(self, key: str) -> Question:
        for q in self.questions():
            if q.key == key:
                return q
        raise KeyError(key)

    def choices_for(self, question: Question) -> list[Choice] | None:
        """The question's own choices or those of its named list."""
        if question.choice_list:
            return self.choice_lists[question.choice_list]
        return question.choices

    def text(self, value: Text | None, language: str) -> str:
        """A text in ``language``, falling back to the questionnaire's first language."""
        if not value:
            return ""
        return value.get(language) or value.get(self.languages[0]) or next(iter(value.values()))

    def canonical_json(self) -> str:
        """A stable serialisation: equal definitions give equal text."""
        data = self.model_dump(mode="json")
        for section in data["sections"]:
            # The default layout is left out: definitions published before layouts
            # existed keep their text, so their fingerprint and version.
            if section.get("layout") == "list":
                del section["layout"]
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON: a changed definition is a new version."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


TEXT_FIELDS = frozenset(
    {
        "title",
        "description",
        "label",
        "hint",
        "constraint_message",
        "thanks",
        *PrivacyNotice.model_fields,
    }
)
"""The fields that hold a translatable text (and ``dimension_labels``, a mapping of them)."""


def _expand_bare_texts(data: Any, first: str) -> Any:
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        for key, value in data.items():
            if key in TEXT_FIELDS and isinstance(value, str):
                out[key] = {first: value}
            elif key == "dimension_labels" and isinstance(value, dict):
                out[key] = {k: {first: v} if isinstance(v, str) else v for k, v in value.items()}
            else:
                out[key] = _expand_bare_texts(value, first)
        return out
    if isinstance(data, list):
        return [_expand_bare_texts(v, first) for v in data]
    return data


def _check_translations(q: Questionnaire) -> None:
    """Every text carries every declared language, so switching language never shows a gap."""
    wanted = set(q.languages)

    def check_text(node: dict[str, str], path: str) -> None:
        missing = wanted - set(node)
        if missing:
            raise ValueError(f"{path}: missing translation(s) {sorted(missing)}")
        empty = [lang for lang, text in node.items() if not text.strip()]
        if empty:
            raise ValueError(f"{path}: empty translation(s) {sorted(empty)}")

    def walk(node: Any, path: str) -> None:
        if isinstance(node, BaseModel):
            for name in type(node).model_fields:
                walk(getattr(node, name), f"{path}.{name}" if path else name)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{path}[{i}]")
        elif isinstance(node, dict) and path.rsplit(".", 1)[-1] in TEXT_FIELDS:
            check_text(node, path)
        elif isinstance(node, dict) and path.endswith("dimension_labels"):
            # A mapping of dimension name to text: each value is a text.
            for key, value in node.items():
                check_text(value, f"{path}.{key}")
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")

    walk(q, "")
