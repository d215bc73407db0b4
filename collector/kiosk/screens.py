"""What the kiosk page carries: its questionnaire, screen by screen, and its interface text,
in every configured language at once, so that switching language on the tablet (online or
offline) redraws the screen without a request and keeps every answer.

Only closed questions are shown (scales, single and multiple choice): a counter tablet
takes anonymous answers, so free-text questions (where people type names and numbers)
are left to the survey page; a questionnaire whose required questions are not all closed
cannot be put on a kiosk (:func:`kiosk_ready`).

A section drawn as a grid on the survey page (``layout: grid``,
:func:`collector.answers.assets.grid_sections`) is one screen marked ``grid``:
``kiosk.js`` draws it as a table with a row header per item and a column per option on a
tablet, one block per item on a narrower screen (``kiosk.css``).
"""

from __future__ import annotations

from typing import Any

from collector.answers.assets import grid_sections
from collector.core.i18n import LANGUAGE_NAMES
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.plugins import PluginSet
from surveys import Questionnaire
from surveys import compile_expression

KIOSK_WIDGETS = ("scale", "radio", "checkbox")
FACES = {"likert5"}
"""Question types drawn as a face scale (value 5 the happiest), text under every face."""

TEXT = {
    "choose_language": lazy_gettext("Choose your language"),
    "start": lazy_gettext("Start"),
    "intro": lazy_gettext("Tap an answer for each question. It takes about a minute."),
    "next": lazy_gettext("Next"),
    "back": lazy_gettext("Back"),
    "submit": lazy_gettext("Submit"),
    "language": lazy_gettext("Language"),
    "progress": lazy_gettext("Screen %(n)s of %(total)s"),
    "required": lazy_gettext("Please answer this question."),
    "optional": lazy_gettext("(optional)"),
    "thanks_saved": lazy_gettext("Your answers have been received."),
    "thanks_queued": lazy_gettext(
        "Your answers are kept on this tablet and will be sent when the network returns."
    ),
    "thanks_return": lazy_gettext("This screen returns to the start in %(seconds)s seconds."),
    "done": lazy_gettext("Done"),
    "idle_title": lazy_gettext("Are you still there?"),
    "idle_body": lazy_gettext(
        "For your privacy, your answers will be cleared in %(seconds)s seconds."
    ),
    "more_time": lazy_gettext("I need more time"),
    "staff": lazy_gettext("Staff"),
    "pin_label": lazy_gettext("Staff PIN"),
    "pin_submit": lazy_gettext("Leave kiosk mode"),
    "pin_cancel": lazy_gettext("Cancel"),
    "pin_wrong": lazy_gettext("That PIN is not right."),
    "pin_offline": lazy_gettext("The PIN can only be checked when the tablet is online."),
    "staff_title": lazy_gettext("Kiosk mode left"),
    "queued": lazy_gettext("Answers waiting to be sent: %(count)s"),
    "resume": lazy_gettext("Return to the survey"),
    "sync_now": lazy_gettext("Send waiting answers now"),
    "unpaired": lazy_gettext(
        "This tablet is no longer paired. Its waiting answers are kept; ask an administrator to pair it again."
    ),
}


def kiosk_ready(plugins: PluginSet, questionnaire: Questionnaire) -> bool:
    """Whether every required question can be answered on the kiosk."""
    return all(
        plugins.question_types[q.type].widget in KIOSK_WIDGETS
        for q in questionnaire.questions()
        if q.required
    )


def _texts(languages: list[str], render: Any) -> dict[str, str]:
    return {lang: render(lang) for lang in languages}


def page_data(
    plugins: PluginSet, questionnaire: Questionnaire, languages: list[str]
) -> dict[str, Any]:
    """The questionnaire's kiosk screens and the interface text, for each of ``languages``
    (the app's configured ones that the questionnaire is written in)."""
    screens = []
    grids = set(grid_sections(plugins, questionnaire))
    for section in questionnaire.sections:
        questions = []
        for question in section.questions:
            qtype = plugins.question_type(questionnaire, question.key)
            if qtype.widget not in KIOSK_WIDGETS:
                continue
            options: dict[str, list[tuple[str, str]]] = {
                lang: qtype.options(lang) or [] for lang in languages
            }
            first = options[languages[0]]
            questions.append(
                {
                    "key": question.key,
                    "kind": "checkbox" if qtype.widget == "checkbox" else "radio",
                    "face": qtype.name in FACES,
                    "required": bool(question.required),
                    "label": _texts(
                        languages, lambda lang, q=question: questionnaire.text(q.label, lang)
                    ),
                    "hint": _texts(
                        languages, lambda lang, q=question: questionnaire.text(q.hint, lang)
                    )
                    if question.hint
                    else None,
                    "options": [
                        {
                            "value": value,
                            "label": {lang: dict(options[lang])[value] for lang in languages},
                        }
                        for value, _label in first
                    ],
                    "relevant": compile_expression(question.relevant).to_json()
                    if question.relevant
                    else None,
                }
            )
        if not questions:
            continue
        screens.append(
            {
                "key": section.key,
                "title": _texts(
                    languages, lambda lang, s=section: questionnaire.text(s.title, lang)
                ),
                "relevant": compile_expression(section.relevant).to_json()
                if section.relevant
                else None,
                "questions": questions,
                "grid": section.key in grids,
            }
        )
    return {
        "languages": [{"code": lang, "name": LANGUAGE_NAMES.get(lang, lang)} for lang in languages],
        "title": _texts(languages, lambda lang: questionnaire.text(questionnaire.title, lang)),
        "thanks": _texts(
            languages,
            lambda lang: (
                questionnaire.text(questionnaire.thanks, lang) if questionnaire.thanks else ""
            ),
        ),
        "text": {
            lang: {k: translator(lang).render(v) for k, v in TEXT.items()} for lang in languages
        },
        "screens": screens,
    }
