"""The values that hooks take and return, beside the base classes plugins subclass.

``collector.core.hookspecs`` imports only this module (and pluggy), so that the
plugin contract sits at the bottom of the dependency graph: the classes that
plugins register (question types, exporters, analyses) have their base classes
in the feature that uses them and are checked by the plugin manager.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from click import Command
from flask import Blueprint
from flask import Request

from collector.core.i18n import Language
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import localised
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import Unit
from collector.core.workdays import WorkCalendar
from surveys import Questionnaire

__all__ = [
    "Actor",
    "Agency",
    "AnswerError",
    "Blueprint",
    "Command",
    "Complaint",
    "ComplaintCategory",
    "JobKind",
    "Language",
    "Questionnaire",
    "Request",
    "Route",
    "SavedResponse",
    "Unit",
    "WorkCalendar",
]


ANSWER_ERRORS: dict[str, LazyText] = {
    "required": lazy_gettext("This question needs an answer."),
    "choice": lazy_gettext("Please choose one of the options."),
    "number": lazy_gettext("Please enter a number."),
    "integer": lazy_gettext("Please enter a whole number."),
    "min": lazy_gettext("The value must be at least %(min)s."),
    "max": lazy_gettext("The value must be at most %(max)s."),
    "date": lazy_gettext("Please enter a valid date (year-month-day)."),
    "too_long": lazy_gettext("The text is too long: at most %(max)s characters."),
    "bad_characters": lazy_gettext(
        "The text contains characters that could not be read. Please type it again."
    ),
    "constraint": lazy_gettext("This answer does not meet the question's requirement."),
    "type": lazy_gettext("This answer has the wrong format."),
    "unknown_question": lazy_gettext("The questionnaire has no such question."),
    "not_relevant": lazy_gettext("Given your earlier answers, this question does not apply."),
}
"""The interface's words for each ``AnswerError`` code (parameters as the code gives them)."""


class AnswerError(ValueError):
    """An answer that cannot be accepted; the message is chosen per language.

    ``code`` names one of :data:`ANSWER_ERRORS`; a plugin type that needs its own
    words passes ``message={"zh-Hant-TW": ..., "en": ...}`` (``str.format``
    placeholders filled from ``params``).
    """

    def __init__(
        self, code: str, message: Mapping[str, str] | None = None, **params: object
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = dict(message) if message else None
        self.params = params

    def text(self, language: str) -> str:
        if self.message:
            return localised(self.message, language).format(**self.params)
        known = ANSWER_ERRORS.get(self.code)
        if known is None:
            return self.code
        return translator(language).render(known, **self.params)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user from the session or an identity from a plugin's SSO.

    ``visible_agency_ids`` bounds everything: no plugin can grant an action on an
    agency outside it. Build one for a stored user with
    ``collector.access.identity.actor_for_user``.
    """

    user_id: int | None
    role: str
    agency_id: int | None
    visible_agency_ids: frozenset[int]
    label: str  # for the audit log: an e-mail address or the SSO's name for the person
    display_name: str = ""
    source: str = "session"  # "session", or the plugin that vouched for the actor
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Route:
    """Where a new case goes: a unit and, optionally, a handler (``route_complaint``)."""

    unit_id: int | None = None
    handler_id: int | None = None


@dataclass
class SavedResponse:
    """A committed response, as plugins see it in ``response_saved``."""

    id: int
    receipt: str
    questionnaire: Questionnaire
    version: int
    agency_code: str
    unit_code: str | None
    channel: str
    language: str
    answers: dict[str, Any]
    submitted_at: datetime
    replayed: bool = False


@dataclass(frozen=True)
class JobKind:
    """A kind of background work (``register_job_kinds``; run by ``collector.jobs``).

    ``run`` receives a ``collector.jobs.runner.JobContext`` (the job's parameters,
    ``progress(percent, message)``, ``result_file(name, media_type)``) in an
    application context, in a worker process. ``action`` is the permission a person
    needs, in the job's agency, to see the job and download its result. A run that
    raises is retried ``retries`` times, the first after ``retry_delay`` seconds and
    each next one ``retry_backoff`` times later (huey's retry settings); a worker that
    dies mid-job loses its lease and the job runs again, up to ``retries + 1`` attempts
    in all. ``title`` names the kind on the jobs page. ``sweep``, if set, is called
    with the app at each of the worker's sweeps (every ``JOBS_SWEEP_SECONDS``): a kind
    whose jobs are made from an outbox queues there what a stopped process left.
    """

    name: str
    run: Callable[[Any], None]
    action: str
    title: LazyText | str
    retries: int = 2
    retry_delay: float = 10.0
    retry_backoff: float = 2.0
    sweep: Callable[[Any], Any] | None = None
