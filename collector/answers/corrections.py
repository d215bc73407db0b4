"""Correcting, voiding and restoring keyed-in paper questionnaires, with their history.

Typing errors are normal when paper is keyed in, so a keyed response can be put
right, but never without trace. A correction goes through the same checks as a new
response (``collector.answers.submission.prepare``), stores the new answers in the
response and the answers they replace in a ``response_revision`` row, so that every
earlier version stays readable. Voiding leaves the response out of every result,
count and export (``collector.core.voiding``) while keeping it; restoring brings it
back. Every change needs a reason, is made on the version the staff member saw (a
form opened before someone else's change is refused) and is written to the audit log
in the same transaction.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.guard import unscoped
from collector.answers.records import Submission
from collector.answers.submission import prepare
from collector.core.clock import utcnow
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_pgettext
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import ResponseRevision
from collector.core.models import Unit
from collector.core.models import User
from collector.core.plugins import PluginSet
from collector.core.questionnaires import definition_of

PAPER = "paper"
"""Only keyed-in responses are corrected: what citizens sent is theirs."""
REASON_MAX = 500

CHANGE_ERRORS: dict[str, LazyText] = {
    "err_reason": lazy_gettext("Give the reason (at most %(max)s characters)."),
    "err_stale": lazy_gettext(
        "Someone changed this questionnaire after you opened it. Nothing was saved: "
        "look at it again, then repeat your change."
    ),
    "err_unchanged": lazy_gettext("No answer was changed, so no new version was saved."),
    "err_voided": lazy_gettext("This questionnaire is voided: restore it before correcting it."),
    "err_not_voided": lazy_gettext("This questionnaire is not voided."),
    "err_already_voided": lazy_gettext("This questionnaire is already voided."),
}
"""What each :class:`ChangeRefused` key says (``max``: the longest reason)."""

CHANGE_LABELS: dict[str, LazyText] = {
    "keyed": lazy_pgettext("keyed questionnaire history", "Keyed in"),
    "corrected": lazy_pgettext("keyed questionnaire history", "Corrected"),
    "voided": lazy_pgettext("keyed questionnaire history", "Voided"),
    "restored": lazy_pgettext("keyed questionnaire history", "Restored"),
}
"""Each kind of history entry as the interface names it."""


class ChangeRefused(ValueError):
    """A change that was not made; ``key`` is one of :data:`CHANGE_ERRORS`."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def clean_reason(reason: str | None) -> str:
    """The reason as stored (NFC, trimmed), or :class:`ChangeRefused` ``err_reason``."""
    text = unicodedata.normalize("NFC", (reason or "").replace("\r\n", "\n")).strip()
    if not text or len(text) > REASON_MAX:
        raise ChangeRefused("err_reason")
    if any(unicodedata.category(c) == "Cc" and c != "\n" for c in text):
        raise ChangeRefused("err_reason")
    return text


def _as_stored(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers exactly as the JSON column gives them back (pairs as lists)."""
    return json.loads(json.dumps(answers))


def changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The questions whose stored answers differ, in a stable order."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _record(
    session: Session,
    response: Response,
    kind: str,
    reason: str,
    actor: Actor,
    replaced: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> ResponseRevision:
    """The history row and the audit event of one change; the caller commits."""
    assert response.id is not None  # a stored response
    response.revision += 1
    change = ResponseRevision(
        response_id=response.id,
        agency_id=response.agency_id,
        revision=response.revision,
        kind=kind,
        at=utcnow(),
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        reason=reason,
        replaced=replaced,
    )
    session.add(change)
    try:
        session.flush()
    except IntegrityError:  # another change took this revision number first
        session.rollback()
        raise ChangeRefused("err_stale") from None
    audit.record(
        session,
        f"response.{kind}",
        actor=actor,
        agency_id=response.agency_id,
        target=f"response:{response.receipt}",
        detail={"revision": response.revision, "reason": reason, **(detail or {})},
        address=audit.request_address(),
    )
    return change


def _check(response: Response, seen_revision: int) -> None:
    if response.channel != PAPER:
        raise ValueError("only keyed-in responses are corrected")
    if response.revision != seen_revision:
        raise ChangeRefused("err_stale")


def correct(
    session: Session,
    plugins: PluginSet,
    response: Response,
    *,
    version: QuestionnaireVersion,
    agency: Agency,
    unit: Unit | None,
    raw_answers: dict[str, Any],
    reason: str | None,
    actor: Actor,
    seen_revision: int,
) -> ResponseRevision:
    """Store ``raw_answers`` as the response's new version, keeping the one it replaces.

    The answers are checked as a new response's are (raising
    ``collector.answers.submission.InvalidSubmission``); the caller commits.
    """
    _check(response, seen_revision)
    if response.voided_at is not None:
        raise ChangeRefused("err_voided")
    questionnaire = definition_of(version)
    submission = Submission(
        questionnaire=version,
        agency=agency,
        unit=unit,
        channel=PAPER,
        language=response.language,
        answers=raw_answers,
    )
    new = _as_stored(prepare(plugins, questionnaire, submission).stored)
    reason = clean_reason(reason)
    before = _as_stored(response.answers)
    changed = changed_keys(before, new)
    if not changed:
        raise ChangeRefused("err_unchanged")
    response.answers = new
    return _record(session, response, "corrected", reason, actor, before, {"questions": changed})


def void(
    session: Session, response: Response, *, reason: str | None, actor: Actor, seen_revision: int
) -> ResponseRevision:
    """Leave the response out of every result from now on; the caller commits."""
    _check(response, seen_revision)
    reason = clean_reason(reason)
    if response.voided_at is not None:
        raise ChangeRefused("err_already_voided")
    response.voided_at = utcnow()
    return _record(session, response, "voided", reason, actor)


def restore(
    session: Session, response: Response, *, reason: str | None, actor: Actor, seen_revision: int
) -> ResponseRevision:
    """Count a voided response again; the caller commits."""
    _check(response, seen_revision)
    reason = clean_reason(reason)
    if response.voided_at is None:
        raise ChangeRefused("err_not_voided")
    response.voided_at = None
    return _record(session, response, "restored", reason, actor)


# -- the history -----------------------------------------------------------------------


@dataclass
class HistoryEntry:
    """One step of a keyed questionnaire's life: keyed in, corrected, voided or restored.

    ``answers`` is the version this step left (for keying in and corrections),
    ``replaced`` the one a correction replaced; ``changed`` the questions it changed.
    """

    revision: int
    kind: str
    at: datetime
    actor_label: str
    reason: str = ""
    answers: dict[str, Any] | None = None
    replaced: dict[str, Any] | None = None
    changed: list[str] | None = None


def history(session: Session, response: Response) -> list[HistoryEntry]:
    """Every version of the response and every change, oldest first.

    Reads rows of a response the caller has already authorised.
    """
    changes = list(
        session.execute(
            unscoped(
                select(ResponseRevision)
                .where(col(ResponseRevision.response_id) == response.id)
                .order_by(col(ResponseRevision.revision)),
                "the history of a response already authorised",
            )
        ).scalars()
    )
    names = staff_names(session, {response.entered_by} | {c.actor_user_id for c in changes})
    # The answers after each step: a correction's row keeps the version it replaced, so a
    # version's answers are the next correction's ``replaced``, or the current answers.
    versions = [c.replaced or {} for c in changes if c.kind == "corrected"]
    versions.append(response.answers)
    first = versions[0]
    entries = [
        HistoryEntry(
            revision=1,
            kind="keyed",
            at=response.submitted_at,
            actor_label=names.get(response.entered_by, ""),
            answers=first,
        )
    ]
    corrections = 0
    for change in changes:
        entry = HistoryEntry(
            revision=change.revision,
            kind=change.kind,
            at=change.at,
            actor_label=names.get(change.actor_user_id, change.actor_label),
            reason=change.reason,
        )
        if change.kind == "corrected":
            corrections += 1
            entry.replaced = change.replaced
            entry.answers = versions[corrections]
            entry.changed = changed_keys(change.replaced or {}, entry.answers)
        entries.append(entry)
    return entries


def staff_names(session: Session, user_ids: set[int | None]) -> dict[int | None, str]:
    """Display names of the staff who keyed or changed responses the caller may see."""
    ids = sorted(i for i in user_ids if i is not None)
    if not ids:
        return {}
    rows = session.execute(
        unscoped(
            select(col(User.id), col(User.display_name), col(User.email)).where(
                col(User.id).in_(ids)
            ),
            "names of staff who keyed responses the caller may see",
        )
    ).all()
    return {user_id: name or email for user_id, name, email in rows}
