"""Improvement actions: recording, changing, moving their status, adding evidence, and
the queries the pages (and the results pages and the console) read them through.

Every change is one write transaction that also appends an :class:`ImprovementEvent`
(the action's own history, shown on its page) and an audit event
(``collector.access.audit``); a stale form (``version``) is refused rather than
overwriting someone else's change. Reads go through ``collector.access.scoped``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.scoped import scoped
from collector.core import clock
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.models import ACTION_STATUSES
from collector.core.models import ImprovementAction
from collector.core.models import ImprovementEvent
from collector.core.models import User
from collector.improvement.findings import OPEN_STATUSES
from collector.improvement.findings import FieldError
from collector.improvement.findings import Finding
from collector.improvement.findings import canonical_wave_key
from collector.results.waves import Wave

READ = "improvement.read"
MANAGE = "improvement.manage"
TITLE_MAX = 200
TEXT_MAX = 4000
LINK_MAX = 500
DUE_SOON_DAYS = 14
"""The console's "due" list: open actions due within this many days, and overdue ones."""

ERRORS: dict[str, LazyText] = {
    "title": lazy_gettext("Give the action a short title (at most 200 characters)."),
    "measure_taken": lazy_gettext("Describe the measure in at most 4,000 characters."),
    "owner": lazy_gettext("Choose an active staff member of the agency as the owner."),
    "due_on": lazy_gettext("Enter the due date."),
    "status": lazy_gettext("Choose a status."),
    "note": lazy_gettext("Say why, in at most 4,000 characters."),
    "evidence": lazy_gettext("Write what the evidence shows (at most 4,000 characters)."),
    "link": lazy_gettext("A link must be a web address starting with https:// or http://."),
    "done_on": lazy_gettext("Enter the day the measure took effect (not in the future)."),
    "stale": lazy_gettext(
        "Someone else changed this action meanwhile: read it again and redo your change."
    ),
    "same_status": lazy_gettext("The action has this status already."),
}


ActionError = FieldError
"""A refused change of an action: the form field and the :data:`ERRORS` key."""


@dataclass(frozen=True)
class Details:
    """What a person writes about an action (the finding aside)."""

    title: str
    measure_taken: str
    owner_id: int | None
    due_on: date | None


@dataclass(frozen=True)
class ActionView:
    """An action as the results pages and the console show it beside its finding."""

    id: int
    title: str
    kind: str
    slug: str | None
    item: str | None
    unit_id: int | None
    category_id: int | None
    wave_key: str
    status: str
    owner: str
    due_on: date
    overdue: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES


# -- checks -----------------------------------------------------------------------------


def owners(session: Session, actor: Actor, agency_id: int) -> list[User]:
    """The active staff of the agency who may own an action, by name."""
    statement = (
        select(User)
        .where(col(User.agency_id) == agency_id, col(User.active).is_(True))
        .order_by(col(User.display_name), col(User.id))
    )
    return list(session.execute(scoped(statement, MANAGE, actor)).scalars())


def check_details(
    session: Session, actor: Actor, agency_id: int, details: Details
) -> list[ActionError]:
    problems = []
    if not details.title.strip() or len(details.title.strip()) > TITLE_MAX:
        problems.append(ActionError("title", "title"))
    if len(details.measure_taken) > TEXT_MAX:
        problems.append(ActionError("measure_taken", "measure_taken"))
    if details.owner_id is None or details.owner_id not in {
        u.id for u in owners(session, actor, agency_id)
    }:
        problems.append(ActionError("owner", "owner"))
    if details.due_on is None:
        problems.append(ActionError("due_on", "due_on"))
    return problems


def check_link(link: str) -> str | None:
    """The link cleaned (None when empty); ActionError unless http(s) with a host."""
    link = link.strip()
    if not link:
        return None
    parts = urlsplit(link)
    if len(link) > LINK_MAX or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ActionError("link", "link")
    return link


# -- changes ----------------------------------------------------------------------------


def _event(
    session: Session, actor: Actor, action: ImprovementAction, kind: str, **fields: Any
) -> ImprovementEvent:
    assert action.id is not None
    event = ImprovementEvent(
        action_id=action.id,
        agency_id=action.agency_id,
        at=clock.utcnow(),
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        kind=kind,
        **fields,
    )
    session.add(event)
    return event


def _audit(
    session: Session, actor: Actor, action: ImprovementAction, what: str, **detail: Any
) -> None:
    audit.record(
        session,
        f"improvement.{what}",
        actor=actor,
        agency_id=action.agency_id,
        target=f"improvement_action:{action.id}",
        detail=detail or None,
        address=audit.request_address(),
    )


def create_action(
    session: Session, actor: Actor, agency_id: int, finding: Finding, details: Details
) -> ImprovementAction:
    """Record a new action (planned) for a checked finding; the caller commits."""
    problems = check_details(session, actor, agency_id, details)
    if problems:
        raise problems[0]
    assert details.owner_id is not None and details.due_on is not None
    now = clock.utcnow()
    action = ImprovementAction(
        agency_id=agency_id,
        finding_kind=finding.kind,
        questionnaire_slug=finding.slug if finding.survey else None,
        item_key=(finding.item or None) if finding.survey else None,
        unit_id=finding.unit_id if finding.kind == "weak_unit" else None,
        category_id=None if finding.survey else finding.category_id,
        complaint_reason=None if finding.survey else finding.reason,
        wave_key=canonical_wave_key(finding.wave_key),
        measure=finding.measure if finding.survey else "top2",
        title=details.title.strip(),
        measure_taken=details.measure_taken.strip(),
        owner_id=details.owner_id,
        due_on=details.due_on,
        status="planned",
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    session.flush()
    _event(
        session,
        actor,
        action,
        "created",
        to_status="planned",
        detail=json.dumps({"finding": finding.kind, "wave": action.wave_key}, sort_keys=True),
    )
    _audit(session, actor, action, "create", finding=finding.kind, wave=action.wave_key)
    return action


def _fresh(action: ImprovementAction, version: int | None) -> None:
    if version != action.version:
        raise ActionError("version", "stale")


def update_action(
    session: Session,
    actor: Actor,
    action: ImprovementAction,
    details: Details,
    version: int | None,
) -> list[str]:
    """Change title, measure, owner or due date; the names of the fields changed."""
    _fresh(action, version)
    problems = check_details(session, actor, action.agency_id, details)
    if problems:
        raise problems[0]
    new = {
        "title": details.title.strip(),
        "measure_taken": details.measure_taken.strip(),
        "owner_id": details.owner_id,
        "due_on": details.due_on,
    }
    changed = sorted(name for name, value in new.items() if getattr(action, name) != value)
    if not changed:
        return []
    before = {name: _plain(getattr(action, name)) for name in changed}
    for name in changed:
        setattr(action, name, new[name])
    action.version += 1
    action.updated_at = clock.utcnow()
    after = {name: _plain(getattr(action, name)) for name in changed}
    _event(
        session,
        actor,
        action,
        "changed",
        detail=json.dumps({"before": before, "after": after}, sort_keys=True, ensure_ascii=False),
    )
    _audit(session, actor, action, "update", fields=changed)
    return changed


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def change_status(
    session: Session,
    actor: Actor,
    action: ImprovementAction,
    status: str,
    note: str,
    done_on: date | None,
    version: int | None,
    today: date,
) -> None:
    """Move the action to ``status`` with a note; ``done`` needs the day it took effect."""
    _fresh(action, version)
    if status not in ACTION_STATUSES:
        raise ActionError("status", "status")
    if status == action.status:
        raise ActionError("status", "same_status")
    if not note.strip() or len(note) > TEXT_MAX:
        raise ActionError("note", "note")
    if status == "done" and (done_on is None or done_on > today):
        raise ActionError("done_on", "done_on")
    before = action.status
    action.status = status
    action.done_on = done_on if status == "done" else None
    action.version += 1
    action.updated_at = clock.utcnow()
    _event(
        session,
        actor,
        action,
        "status",
        from_status=before,
        to_status=status,
        note=note.strip(),
        detail=json.dumps({"done_on": _plain(action.done_on)}, sort_keys=True),
    )
    _audit(session, actor, action, "status", status=status, previous=before)


def add_evidence(
    session: Session, actor: Actor, action: ImprovementAction, note: str, link: str
) -> None:
    """Add a piece of evidence: what it shows, and where it is kept (a link, optional)."""
    if not note.strip() or len(note) > TEXT_MAX:
        raise ActionError("evidence", "evidence")
    cleaned = check_link(link)
    action.updated_at = clock.utcnow()
    _event(session, actor, action, "evidence", note=note.strip(), link=cleaned)
    _audit(session, actor, action, "evidence", link=bool(cleaned))


# -- queries ----------------------------------------------------------------------------


def history(session: Session, actor: Actor, action: ImprovementAction) -> list[ImprovementEvent]:
    """The action's events, oldest first."""
    statement = (
        select(ImprovementEvent)
        .where(col(ImprovementEvent.action_id) == action.id)
        .order_by(col(ImprovementEvent.at), col(ImprovementEvent.id))
    )
    return list(session.execute(scoped(statement, READ, actor)).scalars())


def list_actions(
    session: Session,
    actor: Actor,
    *,
    statuses: Sequence[str] = (),
    kind: str | None = None,
    slug: str | None = None,
) -> list[ImprovementAction]:
    """The actions the actor may read, open ones first, soonest due first."""
    statement = select(ImprovementAction)
    if statuses:
        statement = statement.where(col(ImprovementAction.status).in_(list(statuses)))
    if kind:
        statement = statement.where(col(ImprovementAction.finding_kind) == kind)
    if slug:
        statement = statement.where(col(ImprovementAction.questionnaire_slug) == slug)
    statement = statement.order_by(
        col(ImprovementAction.status).in_(OPEN_STATUSES).desc(),
        col(ImprovementAction.due_on),
        col(ImprovementAction.id),
    )
    return list(session.execute(scoped(statement, READ, actor)).scalars())


def owner_names(session: Session, actor: Actor, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    statement = select(col(User.id), col(User.display_name)).where(col(User.id).in_(sorted(ids)))
    return {i: n for i, n in session.execute(scoped(statement, READ, actor)).all()}


def views_of(
    session: Session, actor: Actor, actions: Sequence[ImprovementAction], today: date
) -> list[ActionView]:
    names = owner_names(session, actor, {a.owner_id for a in actions})
    return [
        ActionView(
            id=a.id or 0,
            title=a.title,
            kind=a.finding_kind,
            slug=a.questionnaire_slug,
            item=a.item_key,
            unit_id=a.unit_id,
            category_id=a.category_id,
            wave_key=a.wave_key,
            status=a.status,
            owner=names.get(a.owner_id, ""),
            due_on=a.due_on,
            overdue=is_overdue(a, today),
        )
        for a in actions
    ]


def is_overdue(action: ImprovementAction, today: date) -> bool:
    return action.status in OPEN_STATUSES and action.due_on < today


def actions_for(
    session: Session, actor: Actor, slug: str, wave: Wave | None, today: date | None = None
) -> list[ActionView]:
    """For a results page of questionnaire ``slug``: its open actions, and (with a wave)
    every action whose finding was found in that wave, for display beside the finding
    (match on ``item``, ``unit_id`` and ``kind``). Empty for an actor who may not read
    improvement actions."""
    today = today or clock.today()
    statement = select(ImprovementAction).where(col(ImprovementAction.questionnaire_slug) == slug)
    if wave is not None:
        statement = statement.where(
            col(ImprovementAction.status).in_(OPEN_STATUSES)
            | (col(ImprovementAction.wave_key) == wave.key)
        )
    else:
        statement = statement.where(col(ImprovementAction.status).in_(OPEN_STATUSES))
    statement = statement.order_by(col(ImprovementAction.due_on), col(ImprovementAction.id))
    actions = list(session.execute(scoped(statement, READ, actor)).scalars())
    return views_of(session, actor, actions, today)


def due_actions(
    session: Session, actor: Actor, today: date | None = None, within: int = DUE_SOON_DAYS
) -> list[ActionView]:
    """For the console overview: open actions overdue or due within ``within`` days,
    the soonest due first."""
    today = today or clock.today()
    statement = (
        select(ImprovementAction)
        .where(
            col(ImprovementAction.status).in_(OPEN_STATUSES),
            col(ImprovementAction.due_on) <= today + timedelta(days=within),
        )
        .order_by(col(ImprovementAction.due_on), col(ImprovementAction.id))
    )
    actions = list(session.execute(scoped(statement, READ, actor)).scalars())
    return views_of(session, actor, actions, today)
