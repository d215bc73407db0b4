"""Showing a questionnaire as a page: the form for this request, the page itself and its
errors. Shared by every page that shows a questionnaire: the citizen survey, the staff
survey and the complaint-handling follow-up."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import render_template
from flask import request

from collector.answers.forms import build_form_class
from collector.answers.forms import undecodable_fields
from collector.answers.submission import InvalidSubmission
from collector.core.i18n import LANGUAGE_NAMES
from collector.core.i18n import localised
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.i18n import use_language
from collector.core.models import Agency
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


def render_survey(
    questionnaire: Questionnaire,
    version: Any,
    form: Any,
    agency: Agency,
    unit: Unit | None,
    language: str,
    errors: dict[str, str],
    notice: str | None,
    template: str = "answers/survey.html",
    **extra: Any,
) -> tuple[str, int]:
    """The survey page (422 while answers need attention); shared with the staff survey
    and the complaint follow-up, which pass their own template and additions."""
    return (
        render_template(
            template,
            questionnaire=questionnaire,
            version=version,
            form=form,
            agency=agency,
            unit=unit,
            language=language,
            languages=[(lang, LANGUAGE_NAMES.get(lang, lang)) for lang in questionnaire.languages],
            errors=errors,
            notice=notice,
            relevance=relevance(questionnaire),
            form_keys={q.key for q in questionnaire.questions()},
            plugins=get_plugins(),
            notice_text=_privacy_notice(questionnaire, agency, language),
            **extra,
        ),
        422 if errors else 200,
    )


def show_errors(form: Any, exc: InvalidSubmission, language: str) -> dict[str, str]:
    """Each invalid answer's message in ``language``, also attached to its field."""
    errors = {key: err.text(language) for key, err in exc.errors.items()}
    for key, message in errors.items():
        if ("q_" + key) in form:
            form.question_field(key).errors = [message]
    return errors


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
