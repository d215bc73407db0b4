"""Showing a questionnaire as a page: the form for this request, the page itself and its
errors. Shared by every page that shows a questionnaire: the citizen survey, the staff
survey and the complaint-handling follow-up."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import render_template
from flask import request

from collector.answers.assets import page_assets
from collector.answers.forms import build_form_class
from collector.answers.forms import undecodable_fields
from collector.answers.records import Prepared
from collector.answers.records import Submission
from collector.answers.submission import InvalidSubmission
from collector.answers.submission import prepare
from collector.answers.submission import release_connection
from collector.core.i18n import LANGUAGE_NAMES
from collector.core.i18n import localised
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.i18n import use_language
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.core.plugins import get_plugins
from surveys import Questionnaire
from surveys import compile_expression


def open_form(questionnaire: Questionnaire) -> tuple[Any, str, bool, Callable[[], dict[str, Any]]]:
    """The survey form for this request, shared by every page that shows a questionnaire.

    Returns the form (a fresh submission token on GET), the language, whether this
    POST only switches language, and a function giving the posted raw answers
    (fields that arrived as invalid UTF-8 marked so that their types refuse them).
    """
    plugins = get_plugins()
    undecodable: set[str] = set()
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        undecodable = undecodable_fields(request.get_data(cache=True, parse_form_data=False))
    switch = request.form.get("_lang") if request.method == "POST" else None
    language = use_language(
        pick_language(questionnaire.languages, switch or request.values.get("lang"))
    )
    form = build_form_class(plugins, questionnaire, language)()
    if request.method == "GET":
        form.submission_token.data = secrets.token_urlsafe(24)
    multiple = {q.key for q in questionnaire.questions() if plugins.question_types[q.type].multiple}
    return (
        form,
        language,
        bool(switch),
        lambda: form.raw_answers(questionnaire, multiple, undecodable),
    )


@dataclass
class SurveyPage:
    """One request's questionnaire page for an agency (and unit): its form and language,
    and what the page tells the person answering (each answer's error, a notice).

    Shared by every page that shows a questionnaire: each reads the posted answers
    (``submission``), checks or stores them its own way (``prepared``, or ``submit``
    with ``refuse``) and shows the page (``render``).
    """

    questionnaire: Questionnaire
    version: QuestionnaireVersion
    agency: Agency
    unit: Unit | None
    form: Any = field(init=False)
    language: str = field(init=False)
    switch: bool = field(init=False)  # this POST only switches the language
    answers: Callable[[], dict[str, Any]] = field(init=False)  # the posted raw answers
    errors: dict[str, str] = field(default_factory=dict, init=False)
    notice: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.form, self.language, self.switch, self.answers = open_form(self.questionnaire)

    def submission(self, channel: str, **details: Any) -> Submission | None:
        """The posted answers as a submission on ``channel`` (``details``: its other
        fields); None on GET, on a POST that only switches language, and on one whose
        page timed out (then with a notice, keeping the answers)."""
        if request.method != "POST" or self.switch:
            return None
        if not self.form.validate():
            # Only the CSRF token can fail here: keep the answers and ask again.
            self.notice = timed_out(self.language)
            return None
        return Submission(
            questionnaire=self.version,
            agency=self.agency,
            unit=self.unit,
            channel=channel,
            language=self.language,
            answers=self.answers(),
            **details,
        )

    def refuse(self, exc: InvalidSubmission) -> None:
        """Each invalid answer's message in the page's language, also on its field."""
        self.errors = {key: err.text(self.language) for key, err in exc.errors.items()}
        for key, message in self.errors.items():
            if ("q_" + key) in self.form:
                self.form.question_field(key).errors = [message]

    def prepared(self, submission: Submission) -> Prepared | None:
        """The checked answers, ready to store (the request's read transaction ended, so
        that waiting for the writer holds no connection); None when refused."""
        try:
            prepared = prepare(get_plugins(), self.questionnaire, submission)
        except InvalidSubmission as exc:
            self.refuse(exc)
            return None
        release_connection()
        return prepared

    def render(
        self, template: str = "answers/survey.html", *, show_unit: bool = True, **extra: Any
    ) -> tuple[str, int]:
        """The page (422 while answers need attention), with the template's additions."""
        questionnaire = self.questionnaire
        return (
            render_template(
                template,
                questionnaire=questionnaire,
                version=self.version,
                form=self.form,
                agency=self.agency,
                unit=self.unit if show_unit else None,
                language=self.language,
                languages=[
                    (lang, LANGUAGE_NAMES.get(lang, lang)) for lang in questionnaire.languages
                ],
                errors=self.errors,
                notice=self.notice,
                relevance=relevance(questionnaire),
                form_keys={q.key for q in questionnaire.questions()},
                plugins=get_plugins(),
                type_assets=page_assets(get_plugins(), questionnaire),
                notice_text=_privacy_notice(questionnaire, self.agency, self.language),
                **extra,
            ),
            422 if self.errors else 200,
        )


def _privacy_notice(questionnaire: Questionnaire, agency: Agency, language: str) -> list[str]:
    name = agency.name_en if language == "en" else agency.name_zh
    notice = questionnaire.privacy_notice
    parts = [
        notice.controller,
        notice.purpose,
        notice.categories,
        notice.use,
        notice.rights,
        notice.optional_data,
    ]
    return [localised(p, language).replace("{agency}", name) for p in parts]


def relevance(questionnaire: Questionnaire) -> dict[str, Any]:
    """Each conditional question's (and section's) condition tree, for the page script."""
    trees: dict[str, Any] = {}
    for section in questionnaire.sections:
        if section.relevant:
            trees[f"section:{section.key}"] = compile_expression(section.relevant).to_json()
        for question in section.questions:
            if question.relevant:
                trees[question.key] = compile_expression(question.relevant).to_json()
    return trees


def timed_out(language: str) -> str:
    """Why a posted questionnaire was not taken: its page (the CSRF token) expired."""
    return translator(language).gettext(
        "The page timed out. Please press Submit again; your answers are still here."
    )
