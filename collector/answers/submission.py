"""Checking and storing a submission: one path for the survey page, the API and the kiosk.

Nothing is stored unless every answer is valid; a response and all its answers
are written in one transaction, and only a committed response gets a receipt.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import Flask
from flask import g
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.answers.events import notify_saved
from collector.answers.records import Prepared
from collector.answers.records import Submission
from collector.answers.writer import get_writer
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.hooktypes import AnswerError
from collector.core.hooktypes import SavedResponse
from collector.core.models import CHANNELS
from collector.core.models import Response
from collector.core.plugins import PluginSet
from collector.core.voiding import including_voided
from surveys import Questionnaire
from surveys import compile_expression

log = logging.getLogger(__name__)

RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


class _RandomBits:
    """Unguessable bits from the OS, fetched a few kilobytes at a time.

    One ``getrandom`` call per receipt was a measurable share of a submission's
    CPU on a virtual machine; the bytes are the same kind (``os.urandom``), only
    fetched in bulk. A forked worker starts with an empty buffer of its own, so two
    processes never hand out the same bits.
    """

    SIZE = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buffer = b""
        self._pos = 0
        self._pid = 0

    def take(self, n: int) -> int:
        with self._lock:
            if self._pid != os.getpid() or self._pos + n > len(self._buffer):
                self._buffer, self._pos, self._pid = os.urandom(self.SIZE), 0, os.getpid()
            chunk = self._buffer[self._pos : self._pos + n]
            self._pos += n
        return int.from_bytes(chunk, "big")


_random = _RandomBits()


def new_receipt() -> str:
    """A random, unguessable receipt such as ``7KQ2M-XR4TB``: it identifies nothing else."""
    bits = _random.take(7) >> 6  # 50 bits: ten base-32 characters
    chars = "".join(RECEIPT_ALPHABET[(bits >> (5 * i)) & 31] for i in range(10))
    return f"{chars[:5]}-{chars[5:]}"


# Expressions are immutable once compiled; a questionnaire's few are compiled once.
_compiled = lru_cache(maxsize=1024)(compile_expression)


class IdempotencyConflict(Exception):
    """The idempotency key was used before with a different body."""


class InvalidSubmission(Exception):
    def __init__(self, errors: dict[str, AnswerError]) -> None:
        super().__init__(f"{len(errors)} invalid answer(s)")
        self.errors = errors


@dataclass
class _Step:
    """One question as checking needs it: its type (made once) and compiled conditions."""

    question: Any
    qtype: Any
    relevant: Any
    constraint: Any


@dataclass
class _Plan:
    """A questionnaire ready for checking answers: nothing in it depends on the answers."""

    known: frozenset[str]
    sections: list[tuple[Any, list[_Step]]]
    steps: dict[str, _Step]


# (plugin set, questionnaire) by identity: definitions are immutable and cached for good.
_plans: dict[tuple[int, int], tuple[PluginSet, Questionnaire, _Plan]] = {}
_MAX_PLANS = 256


def _plan_for(plugins: PluginSet, questionnaire: Questionnaire) -> _Plan:
    key = (id(plugins), id(questionnaire))
    held = _plans.get(key)
    if held is not None and held[0] is plugins and held[1] is questionnaire:
        return held[2]
    sections = []
    steps: dict[str, _Step] = {}
    for section in questionnaire.sections:
        section_steps = []
        for question in section.questions:
            step = _Step(
                question,
                plugins.question_types[question.type](question, questionnaire),
                _compiled(question.relevant) if question.relevant else None,
                _compiled(question.constraint) if question.constraint else None,
            )
            section_steps.append(step)
            steps.setdefault(question.key, step)
        relevant = _compiled(section.relevant) if section.relevant else None
        sections.append((relevant, section_steps))
    plan = _Plan(frozenset(steps), sections, steps)
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()
    _plans[key] = (plugins, questionnaire, plan)
    return plan


def check_answers(
    plugins: PluginSet, questionnaire: Questionnaire, raw: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, AnswerError]]:
    """Parse every answer with its question type; return (clean answers, errors by key).

    Answers to questions that their conditions hide are dropped, never stored.
    """
    plan = _plan_for(plugins, questionnaire)
    clean: dict[str, Any] = {}
    errors: dict[str, AnswerError] = {}
    for key in raw:
        if key not in plan.known:
            errors[str(key)[:64]] = AnswerError("unknown_question")
    for section_relevant, steps in plan.sections:
        if section_relevant is not None and not section_relevant.evaluate(clean):
            continue
        for step in steps:
            if step.relevant is not None and not step.relevant.evaluate(clean):
                continue
            question = step.question
            try:
                value = step.qtype.parse(raw.get(question.key))
            except AnswerError as exc:
                errors[question.key] = exc
                continue
            if value is None:
                if question.required:
                    errors[question.key] = AnswerError("required")
                continue
            if step.constraint is not None and not step.constraint.evaluate(clean, current=value):
                errors[question.key] = AnswerError(
                    "constraint", message=question.constraint_message
                )
                continue
            clean[question.key] = value
    return clean, errors


def prepare(plugins: PluginSet, questionnaire: Questionnaire, submission: Submission) -> Prepared:
    """Validate everything, including agency rules from plugins; raise InvalidSubmission."""
    if submission.channel not in CHANNELS:
        raise ValueError(f"unknown channel {submission.channel!r}")
    clean, errors = check_answers(plugins, questionnaire, submission.answers)
    if not errors:
        for result in plugins.hook.validate_submission(
            questionnaire=questionnaire,
            answers=clean,
            agency=submission.agency,
            unit=submission.unit,
            channel=submission.channel,
        ):
            for key, message in (result or {}).items():
                errors.setdefault(
                    key, message if isinstance(message, AnswerError) else _plugin_error(message)
                )
    if errors:
        raise InvalidSubmission(errors)
    steps = _plan_for(plugins, questionnaire).steps
    return Prepared(
        submission=submission,
        receipt=new_receipt(),
        body_hash=submission.body_hash(),
        answers=clean,
        stored={key: steps[key].qtype.to_rows(value) for key, value in clean.items()},
    )


def _plugin_error(message: Any) -> AnswerError:
    if isinstance(message, dict):
        return AnswerError("plugin", message=message)
    return AnswerError("plugin", message={"zh-Hant-TW": str(message), "en": str(message)})


def find_replay(session: Any, submission: Submission) -> Response | None:
    """An earlier response with the same idempotency key; raise if its body differed."""
    if not submission.idempotency_key:
        return None
    # A voided response still holds its key: a resent form is answered as it was then.
    existing = session.execute(
        including_voided(
            select(Response).where(
                col(Response.agency_id) == submission.agency.id,
                col(Response.idempotency_key) == submission.idempotency_key,
            )
        )
    ).scalar_one_or_none()
    if existing is not None and existing.body_hash != submission.body_hash():
        raise IdempotencyConflict(submission.idempotency_key)
    return existing


def submit(
    app: Flask, plugins: PluginSet, questionnaire: Questionnaire, submission: Submission
) -> SavedResponse:
    """Validate, store durably (or find the earlier identical submission) and notify plugins."""
    # A taken idempotency key is found by the insert itself (the writer skips it and
    # says so), so a first submission costs no lookup; a body that fails validation
    # is still answered as the earlier response with its key was, as before.
    try:
        prepared = prepare(plugins, questionnaire, submission)
    except InvalidSubmission:
        existing = find_replay(get_session(), submission)
        if existing is not None:
            return _saved_from_existing(existing, questionnaire, submission)
        raise
    release_connection()
    outcome = get_writer(app).write(prepared)
    if outcome is not None:  # a retry, or lost a race with one: answer as the first did
        # In a session of its own: the request's may read a snapshot taken before the
        # earlier response was committed (SQLite keeps one per transaction).
        with Session(get_engine(app), expire_on_commit=False) as session:
            existing = find_replay(session, submission)
        if existing is None:
            raise RuntimeError("idempotency key collided but no response was found")
        return _saved_from_existing(existing, questionnaire, submission)
    saved = _saved(
        questionnaire,
        submission,
        id=prepared.submission_id,  # type: ignore[attr-defined]  # the writer sets it on what it stored
        receipt=prepared.receipt,
        channel=submission.channel,
        language=submission.language,
        answers=prepared.answers,
        submitted_at=prepared.submitted_at,
    )
    notify_saved(app, plugins, saved, submission.agency.id or 0)
    return saved


def release_connection() -> None:
    """End the request session's read-only transaction before waiting for the writer.

    Its pooled connection goes back to the pool instead of being held while the
    request waits: the writer may need one, and so may the other requests.
    """
    session = g.get("db_session")
    if (
        session is not None
        and session.in_transaction()
        and not (session.new or session.dirty or session.deleted)
    ):
        session.commit()  # nothing to write; objects stay loaded (expire_on_commit=False)


def _saved_from_existing(
    existing: Response, questionnaire: Questionnaire, submission: Submission
) -> SavedResponse:
    return _saved(
        questionnaire,
        submission,
        id=existing.id or 0,
        receipt=existing.receipt,
        channel=existing.channel,
        language=existing.language,
        answers={},
        submitted_at=existing.submitted_at,
        replayed=True,
    )


def _saved(questionnaire: Questionnaire, submission: Submission, **fields: Any) -> SavedResponse:
    return SavedResponse(
        questionnaire=questionnaire,
        version=submission.questionnaire.version,
        agency_code=submission.agency.code,
        unit_code=submission.unit.code if submission.unit else None,
        **fields,
    )
