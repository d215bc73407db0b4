"""Survey forms built at run time from a questionnaire (WTForms, CSRF from Flask-WTF).

The form renders the fields and checks CSRF; answers themselves are checked by
the question types in ``collector.answers.submission`` so that the page, the API and
the kiosk accept exactly the same answers.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from urllib.parse import unquote_to_bytes

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms import HiddenField

from collector.core.plugins import PluginSet
from surveys import Questionnaire

FIELD_PREFIX = "q_"


class SurveyForm(FlaskForm):
    """Base: the hidden submission token makes a double submit store one response."""

    submission_token = HiddenField()
    started = HiddenField()

    class Meta:
        # The survey form's CSRF token lives in the signed session cookie.
        csrf = True

    def question_field(self, key: str) -> Field:
        return self[FIELD_PREFIX + key]

    def raw_answers(
        self,
        questionnaire: Questionnaire,
        multiple: set[str],
        undecodable: Collection[str] = frozenset(),
    ) -> dict[str, Any]:
        """The submitted answers as the shared checker reads them: text, or lists of text.

        A field that arrived as invalid UTF-8 becomes U+FFFD, which every type refuses.
        """
        raw: dict[str, Any] = {}
        for question in questionnaire.questions():
            field = self.question_field(question.key)
            values = [v for v in (field.raw_data or []) if v != ""]
            if field.name in undecodable:
                values = ["\ufffd"]
            if question.key in multiple:
                if values:
                    raw[question.key] = values
            elif len(values) == 1:
                raw[question.key] = values[0]
            elif len(values) > 1:
                raw[question.key] = values
        return raw


def undecodable_fields(body: bytes) -> set[str]:
    """Names of url-encoded fields whose values are not valid UTF-8.

    Werkzeug keeps such bytes as literal ``%XX`` text; storing that would silently
    change what the citizen typed, so those answers are refused instead.
    """
    bad: set[str] = set()
    for pair in body.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            bad.add(unquote_to_bytes(name).decode("utf-8", "replace"))
    return bad


def build_form_class(
    plugins: PluginSet, questionnaire: Questionnaire, language: str
) -> type[SurveyForm]:
    """A SurveyForm subclass with one field per question, labelled in ``language``."""

    class Form(SurveyForm):
        pass

    for question in questionnaire.questions():
        qtype = plugins.question_type(questionnaire, question.key)
        unbound = qtype.make_field(language)
        unbound.kwargs["label"] = questionnaire.text(question.label, language)
        unbound.kwargs.setdefault("id", f"q-{question.key}")
        setattr(Form, FIELD_PREFIX + question.key, unbound)
    return Form
