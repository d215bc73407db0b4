"""The case record: numbers and secrets, today's date for deadlines, the append-only
history, due dates recomputed from policy, calendar and pauses, and following a case
through transfers and merges. Shared by the case service, intake, follow-ups and
reminders; nothing here changes a case's status."""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from typing import Any
from typing import cast

from flask import Flask
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.guard import get_unscoped
from collector.access.guard import unscoped
from collector.complaints import calendars
from collector.complaints.deadlines import ClockState
from collector.complaints.deadlines import DeadlineKind
from collector.complaints.deadlines import clock_state
from collector.core import clock
from collector.core.hooktypes import Actor
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintEvent
from collector.core.models import ComplaintPolicy
from collector.core.workdays import WorkCalendar

CASE_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def clean_text(value: str | None, limit: int | None = None) -> str | None:
    """NFC, trimmed; None for empty."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value).strip()
    if limit is not None:
        text = text[:limit]
    return text or None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_case_number(session: Session, received: date) -> str:
    """``YYYYMMDD-XXXXXX``: the date helps people on the phone; the random part
    makes numbers unguessable and leaks no case counts."""
    while True:
        tail = "".join(secrets.choice(CASE_NUMBER_ALPHABET) for _ in range(6))
        number = f"{received:%Y%m%d}-{tail}"
        taken = session.execute(
            unscoped(
                select(col(Complaint.id)).where(col(Complaint.case_number) == number),
                "case number",
            )
        ).first()
        if taken is None:
            return number


def normalise_case_number(value: str | None) -> str:
    text = unicodedata.normalize("NFKC", value or "").strip().upper().replace(" ", "")
    return text[:20]


def new_password() -> str:
    """Twelve characters from an unambiguous alphabet (about 60 bits)."""
    return "".join(secrets.choice(CASE_NUMBER_ALPHABET) for _ in range(12))


def now_for(app: Flask) -> datetime:
    """Now (UTC). ``COMPLAINT_TODAY`` pins the day (10:00 in Taiwan) for demonstrations
    and tests; otherwise the ``CLOCK`` setting (tests) or the real time."""
    pinned = app.config.get("COMPLAINT_TODAY")
    if pinned:
        return datetime.combine(date.fromisoformat(str(pinned)), time(2, 0), tzinfo=UTC)
    return clock.now(app)


def today_for(app: Flask) -> date:
    """Today in Taiwan: deadlines are counted in local days."""
    return clock.local_date(now_for(app), app)


def clock_of(
    case: Complaint, today: date, calendar: WorkCalendar, policy: ComplaintPolicy
) -> ClockState:
    """Where ``case`` stands against its due date on ``today``, as the agency's policy
    counts "due soon"; its clock stops while the complainant is asked for a supplement."""
    return clock_state(
        case.due_on,
        today,
        calendar,
        due_soon_within=policy.due_soon_days,
        paused=case.status == "awaiting_supplement",
    )


def policy_for(session: Session, agency_id: int) -> ComplaintPolicy:
    policy = get_unscoped(session, ComplaintPolicy, agency_id, "around an authorised case")
    return policy if policy is not None else ComplaintPolicy(agency_id=agency_id)


def deadline_policy(
    session: Session, case: Complaint, category: ComplaintCategory | None = None
) -> calendars.Policy:
    """The category's deadline, else the agency's."""
    policy = policy_for(session, case.agency_id)
    category = category or get_unscoped(
        session, ComplaintCategory, case.category_id, "around an authorised case"
    )
    days = (category.deadline_days if category else None) or policy.deadline_days
    kind = (category.day_kind if category else None) or policy.day_kind
    # the tables' check constraints allow only the two kinds, and Policy checks again
    return calendars.Policy(days=days, kind=cast(DeadlineKind, kind))


def events_of(session: Session, case: Complaint) -> list[ComplaintEvent]:
    statement = (
        select(ComplaintEvent)
        .where(col(ComplaintEvent.complaint_id) == case.id)
        .order_by(col(ComplaintEvent.id))
    )
    return list(session.execute(unscoped(statement, "events of an authorised case")).scalars())


def pauses_of(events: Sequence[ComplaintEvent], today: date) -> list[tuple[date, date | None]]:
    """Intervals awaiting a supplement: from the request to the supplement (or open)."""
    pauses: list[tuple[date, date | None]] = []
    start: date | None = None
    for event in events:
        if event.kind == "request_supplement" and start is None:
            start = clock.local_date(event.at)
        elif event.kind in ("supplement_received", "transfer_agency") and start is not None:
            pauses.append((start, clock.local_date(event.at)))
            start = None
    if start is not None:
        pauses.append((start, None))
    return pauses


def refresh_due(app: Flask, session: Session, case: Complaint, today: date | None = None) -> None:
    """Recompute ``due_on`` from the policy, calendar, pauses and extensions, as of
    ``today`` (default: the complaint calendar's today, :func:`today_for`)."""
    today = today or today_for(app)
    events = events_of(session, case)
    since_restart = [e for e in events if clock.local_date(e.at) >= case.received_on]
    calendar = calendars.calendar_for(app, session, case.agency_id)
    case.due_on = calendars.due_date(
        case.received_on,
        deadline_policy(session, case),
        calendar,
        pauses=pauses_of(since_restart, today),
        extension_days=case.extension_days,
        today=today,
    )


def _label(actor: Actor | None, fallback: str) -> str:
    return actor.label if actor is not None else fallback


def add_event(
    session: Session,
    case: Complaint,
    kind: str,
    *,
    actor: Actor | None = None,
    actor_label: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str = "",
    body: str = "",
    detail: dict[str, Any] | None = None,
    public: bool = False,
    at: datetime | None = None,
    app: Flask | None = None,
) -> ComplaintEvent:
    """Append one event to the case's history (never updated afterwards)."""
    assert case.id is not None  # a stored case: events are added after the flush
    event = ComplaintEvent(
        complaint_id=case.id,
        agency_id=case.agency_id,
        at=at or (now_for(app) if app is not None else clock.now()),
        actor_user_id=actor.user_id if actor is not None else None,
        actor_label=(actor_label if actor_label is not None else _label(actor, ""))[:254],
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        body=body,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
        public=public,
    )
    session.add(event)
    return event


def current_case(session: Session, case: Complaint) -> Complaint:
    """Follow transfers and merges to the case that is now being handled."""
    seen = {case.id}
    while True:
        target_id = case.transferred_to_id or case.merged_into_id
        if target_id is None or target_id in seen:
            return case
        nxt = session.execute(
            unscoped(select(Complaint).where(col(Complaint.id) == target_id), "follow a transfer")
        ).scalar_one_or_none()
        if nxt is None:
            return case
        seen.add(nxt.id)
        case = nxt


def chain_of(session: Session, case: Complaint) -> list[Complaint]:
    """The case and every case it was transferred or merged into, in order."""
    chain = [case]
    while True:
        nxt = current_case_step(session, chain[-1])
        if nxt is None or nxt.id in {c.id for c in chain}:
            return chain
        chain.append(nxt)


def current_case_step(session: Session, case: Complaint) -> Complaint | None:
    target_id = case.transferred_to_id or case.merged_into_id
    if target_id is None:
        return None
    return session.execute(
        unscoped(select(Complaint).where(col(Complaint.id) == target_id), "follow a transfer")
    ).scalar_one_or_none()


def public_events(session: Session, case: Complaint) -> list[ComplaintEvent]:
    """What the complainant may see of the history, across transfers."""
    events: list[ComplaintEvent] = []
    for item in chain_of(session, case):
        events.extend(e for e in events_of(session, item) if e.public)
    return events


def origin_of(session: Session, case: Complaint) -> Complaint:
    """The case the complainant filed (a transfer copy may hold no contact details)."""
    seen = {case.id}
    while case.transferred_from_id is not None and case.transferred_from_id not in seen:
        parent = session.execute(
            unscoped(
                select(Complaint).where(col(Complaint.id) == case.transferred_from_id),
                "complainant contact of a transferred case",
            )
        ).scalar_one_or_none()
        if parent is None:
            break
        seen.add(parent.id)
        case = parent
    return case
