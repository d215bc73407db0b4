"""The life of a complaint case: intake, routing, deadlines, handling, transfer,
reply, closing, retention. Every change is one append-only ``ComplaintEvent``.

Views call these functions inside a write transaction (``collector.core.db.writing``)
with a case they fetched through ``collector.access.scoped``; the functions check the
state machine (:data:`TRANSITIONS`), record the event, recompute the due date and
return the e-mails to send once the transaction has committed
(:func:`send_notices`). Nothing here reads the request.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask
from sqlalchemy import select
from sqlmodel import Session

from collector.access import audit
from collector.access.auth import hasher
from collector.access.scoped import get_unscoped, unscoped
from collector.complaints import calendars
from collector.core import clock
from collector.core.hooktypes import Actor, Route
from collector.core.mail import Mail, MailError, send
from collector.core.models import (
    Agency,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintPolicy,
    Unit,
    User,
)

OPEN = frozenset({"received", "assigned", "in_progress", "awaiting_supplement", "reopened"})
"""Statuses in which the deadline clock runs (or is paused) and the handler must act."""

FINAL = frozenset({"merged", "transferred"})
"""Statuses after which the case is a read-only trail."""

TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "assign": (OPEN - {"awaiting_supplement"}, "assigned"),
    "start": (frozenset({"received", "assigned", "reopened"}), "in_progress"),
    "decline": (OPEN, "declined"),
    "request_supplement": (OPEN - {"awaiting_supplement"}, "awaiting_supplement"),
    "supplement_received": (frozenset({"awaiting_supplement"}), "in_progress"),
    "extend": (OPEN, None),
    "transfer_unit": (OPEN - {"awaiting_supplement"}, "assigned"),
    "transfer_agency": (OPEN - {"awaiting_supplement"}, "transferred"),
    "reply": (OPEN - {"awaiting_supplement"}, "replied"),
    "close": (frozenset({"replied", "declined"}), "closed"),
    "reopen": (frozenset({"replied", "closed", "declined"}), "reopened"),
    "merge": (OPEN, "merged"),
    "note": (OPEN | {"replied", "closed", "declined"}, None),
}
"""Action -> (statuses it may start from, status it leads to; None: unchanged)."""

DECLINE_GROUNDS = (
    "no_concrete_content",  # 無具體內容
    "no_real_name_or_address",  # 未具真實姓名或住址
    "repeated_answered",  # 同一事由經予適當處理並已明確答覆，而仍一再陳情
    "not_a_complaint",  # 非屬陳情事項（如依法應提起訴願、訴訟）
    "other",
)
"""Legal grounds for declining (行政程序法 §173; 處理人民陳情案件要點)."""

CASE_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


class CaseError(ValueError):
    """An action the case's state or the input does not allow; ``key`` is an i18n key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class StaleCase(CaseError):
    """Someone else changed the case since the form was shown."""

    def __init__(self) -> None:
        super().__init__("case_stale", "the case changed since you opened it; reload and retry")


@dataclass
class NewCase:
    case: Complaint
    password: str  # shown to the complainant once; only its hash is stored
    link_token: str  # the follow link's secret; only its hash is stored
    mails: list[Mail] = field(default_factory=list)


# -- small helpers -------------------------------------------------------------


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
            unscoped(select(Complaint.id).where(Complaint.case_number == number), "case number")
        ).first()
        if taken is None:
            return number


def normalise_case_number(value: str) -> str:
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
    return calendars.Policy(days=days, kind=kind)


def events_of(session: Session, case: Complaint) -> list[ComplaintEvent]:
    statement = (
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == case.id)
        .order_by(ComplaintEvent.id)  # type: ignore[arg-type]
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


def refresh_due(app: Flask, session: Session, case: Complaint) -> None:
    """Recompute ``due_on`` from the policy, calendar, pauses and extensions."""
    today = today_for(app)
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
    event = ComplaintEvent(
        complaint_id=case.id,  # type: ignore[arg-type]
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


def _require_reason(reason: str | None, what: str) -> str:
    text = clean_text(reason, 2000)
    if not text:
        raise CaseError("case_reason_required", f"{what} needs a written reason")
    return text


def check_version(case: Complaint, expected: int | None) -> None:
    if expected is not None and case.version != expected:
        raise StaleCase()


def _move(
    app: Flask,
    session: Session,
    case: Complaint,
    action: str,
    actor: Actor | None,
    *,
    expected_version: int | None = None,
    reason: str = "",
    body: str = "",
    detail: dict[str, Any] | None = None,
    public: bool = False,
) -> ComplaintEvent:
    """Check the transition, record it, bump the version and refresh the deadline."""
    check_version(case, expected_version)
    allowed_from, to_status = TRANSITIONS[action]
    if case.destroyed_at is not None or case.status not in allowed_from:
        raise CaseError("case_action_not_allowed", f"cannot {action} a case that is {case.status}")
    before = case.status
    if to_status is not None:
        case.status = to_status
    case.version += 1
    event = add_event(
        session,
        case,
        action,
        app=app,
        actor=actor,
        from_status=before,
        to_status=case.status,
        reason=reason,
        body=body,
        detail=detail,
        public=public,
    )
    session.add(case)
    session.flush()
    if case.status in OPEN:
        refresh_due(app, session, case)
    return event


# -- routing -------------------------------------------------------------------


def route(app: Flask, session: Session, case: Complaint, category: ComplaintCategory) -> Route:
    """Ask the ``route_complaint`` hook (plugins first, the core's category rule last)."""
    from collector.core.plugins import get_plugins

    answer = get_plugins(app).hook.route_complaint(case=case, category=category)
    if answer is None:
        return Route()
    unit_id, handler_id = answer.unit_id, answer.handler_id
    if unit_id is not None:
        unit = get_unscoped(session, Unit, unit_id, "around an authorised case")
        if unit is None or unit.agency_id != case.agency_id:
            unit_id = None
    if handler_id is not None:
        handler = get_unscoped(session, User, handler_id, "around an authorised case")
        if handler is None or handler.agency_id != case.agency_id or not handler.active:
            handler_id = None
    return Route(unit_id=unit_id, handler_id=handler_id)


def assign_by_route(
    app: Flask,
    session: Session,
    case: Complaint,
    category: ComplaintCategory,
    at: datetime | None = None,
) -> None:
    """Route a case just received (or transferred in), then fix its due date."""
    decision = route(app, session, case, category)
    if decision.unit_id is not None or decision.handler_id is not None:
        case.unit_id, case.handler_id, case.status = (
            decision.unit_id,
            decision.handler_id,
            "assigned",
        )
        add_event(
            session,
            case,
            "assign",
            app=app,
            actor_label="routing",
            from_status="received",
            to_status="assigned",
            detail={"unit_id": decision.unit_id, "handler_id": decision.handler_id},
            at=at,
        )
    refresh_due(app, session, case)
    session.add(case)
    session.flush()


# -- intake --------------------------------------------------------------------


def new_case(
    session: Session,
    app: Flask,
    *,
    agency: Agency,
    category: ComplaintCategory,
    subject: str,
    description: str,
    channel: str,
    language: str,
    location: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    anonymous: bool = False,
    confidential: bool = False,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    address: str | None = None,
    reply_channel: str = "email",
    read_back_confirmed: bool | None = None,
    actor: Actor | None = None,
) -> NewCase:
    """Record a complaint, route it and start its deadline clock (one transaction)."""
    if category.agency_id != agency.id or not category.active:
        raise CaseError("case_bad_category", "the category does not belong to this agency")
    if channel in ("phone", "counter") and read_back_confirmed is not True:
        raise CaseError(
            "case_read_back_required",
            "an oral complaint must be read back to the complainant and confirmed",
        )
    subject_text = clean_text(subject, 200)
    description_text = clean_text(description, 20000)
    if not subject_text or not description_text:
        raise CaseError("case_content_required", "a complaint needs a subject and a description")
    if anonymous:
        name = email = phone = address = None
        reply_channel = "none"
    received_at = now_for(app)
    received_on = today_for(app)
    password = new_password()
    link_token = secrets.token_urlsafe(32)
    case = Complaint(
        case_number=new_case_number(session, received_on),
        access_hash=hasher(app).hash(password),
        link_hash=hash_token(link_token),
        agency_id=agency.id,  # type: ignore[arg-type]
        category_id=category.id,  # type: ignore[arg-type]
        subject=subject_text,
        description=description_text,
        location=clean_text(location, 300),
        latitude=latitude,
        longitude=longitude,
        channel=channel,
        language=language,
        status="received",
        anonymous=anonymous,
        confidential=confidential,
        name=clean_text(name, 100),
        email=(clean_text(email, 254) or None) and email.strip().lower(),  # type: ignore[union-attr]
        phone=clean_text(phone, 40),
        address=clean_text(address, 300),
        reply_channel=reply_channel,
        read_back_confirmed=read_back_confirmed,
        received_at=received_at,
        received_on=received_on,
        due_on=received_on,
        retention_class=category.retention_class,
    )
    session.add(case)
    session.flush()
    add_event(
        session,
        case,
        "received",
        app=app,
        actor=actor,
        actor_label=None if actor else "complainant",
        to_status="received",
        detail={"channel": channel, "anonymous": anonymous, "confidential": confidential},
        public=True,
        at=received_at,
    )
    assign_by_route(app, session, case, category, at=received_at)
    mails = notice(
        session, case, "received", extra_zh="", extra_en="", link_token=link_token, app=app
    )
    return NewCase(case=case, password=password, link_token=link_token, mails=mails)


# -- the complainant's side ----------------------------------------------------


def find_for_complainant(session: Session, case_number: str, password: str) -> Complaint | None:
    """The case, if the number and password match; None otherwise (same work either way)."""
    from collector.access.auth import _dummy_hash

    number = normalise_case_number(case_number)
    case = session.execute(
        unscoped(select(Complaint).where(Complaint.case_number == number), "complainant follow")
    ).scalar_one_or_none()
    stored = case.access_hash if case is not None and case.destroyed_at is None else _dummy_hash()
    try:
        ok = hasher().verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    return case if ok and case is not None and case.destroyed_at is None else None


def find_by_link(session: Session, token: str) -> Complaint | None:
    if not token or len(token) > 100:
        return None
    case = session.execute(
        unscoped(
            select(Complaint).where(Complaint.link_hash == hash_token(token)), "complainant link"
        )
    ).scalar_one_or_none()
    return case if case is not None and case.destroyed_at is None else None


def current_case(session: Session, case: Complaint) -> Complaint:
    """Follow transfers and merges to the case that is now being handled."""
    seen = {case.id}
    while True:
        target_id = case.transferred_to_id or case.merged_into_id
        if target_id is None or target_id in seen:
            return case
        nxt = session.execute(
            unscoped(select(Complaint).where(Complaint.id == target_id), "follow a transfer")
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
        unscoped(select(Complaint).where(Complaint.id == target_id), "follow a transfer")
    ).scalar_one_or_none()


def public_events(session: Session, case: Complaint) -> list[ComplaintEvent]:
    """What the complainant may see of the history, across transfers."""
    events: list[ComplaintEvent] = []
    for item in chain_of(session, case):
        events.extend(e for e in events_of(session, item) if e.public)
    return events


def complainant_status(case: Complaint) -> str:
    """The i18n key (``cp_status_*``) of the status as the complainant sees it."""
    return f"cp_status_{case.status}"


def origin_of(session: Session, case: Complaint) -> Complaint:
    """The case the complainant filed (a transfer copy may hold no contact details)."""
    seen = {case.id}
    while case.transferred_from_id is not None and case.transferred_from_id not in seen:
        parent = session.execute(
            unscoped(
                select(Complaint).where(Complaint.id == case.transferred_from_id),
                "complainant contact of a transferred case",
            )
        ).scalar_one_or_none()
        if parent is None:
            break
        seen.add(parent.id)
        case = parent
    return case


def add_supplement(
    session: Session, app: Flask, case: Complaint, text: str, *, actor: Actor | None = None
) -> list[Mail]:
    """The complainant's supplement: recorded, and the clock runs again."""
    body = clean_text(text, 20000)
    if not body:
        raise CaseError("case_supplement_required", "the supplement is empty")
    _move(
        app,
        session,
        case,
        "supplement_received",
        actor,
        body=body,
        public=True,
        detail={"by": "staff" if actor else "complainant"},
    )
    return []


# -- handling ------------------------------------------------------------------


def assign(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    unit_id: int | None,
    handler_id: int | None,
    reason: str = "",
    expected_version: int | None = None,
) -> list[Mail]:
    """Give the case to a unit and/or a handler of the same agency."""
    _check_unit_and_handler(session, case.agency_id, unit_id, handler_id)
    detail = {"unit_id": unit_id, "handler_id": handler_id}
    _move(
        app,
        session,
        case,
        "assign",
        actor,
        expected_version=expected_version,
        reason=clean_text(reason, 2000) or "",
        detail=detail,
    )
    case.unit_id, case.handler_id = unit_id, handler_id
    session.add(case)
    return []


def _check_unit_and_handler(
    session: Session, agency_id: int, unit_id: int | None, handler_id: int | None
) -> None:
    if unit_id is not None:
        unit = get_unscoped(session, Unit, unit_id, "around an authorised case")
        if unit is None or unit.agency_id != agency_id:
            raise CaseError("case_bad_unit", "no such unit in this agency")
    if handler_id is not None:
        handler = get_unscoped(session, User, handler_id, "around an authorised case")
        if (
            handler is None
            or handler.agency_id != agency_id
            or not handler.active
            or handler.role not in ("case_handler", "agency_admin")
        ):
            raise CaseError("case_bad_handler", "no such case handler in this agency")
    if unit_id is None and handler_id is None:
        raise CaseError("case_assign_nobody", "choose a unit or a handler")


def start(
    app: Flask, session: Session, case: Complaint, actor: Actor, expected_version: int | None = None
) -> list[Mail]:
    _move(app, session, case, "start", actor, expected_version=expected_version)
    if case.handler_id is None and actor.user_id is not None:
        case.handler_id = actor.user_id
    return []


def decline(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    ground: str,
    reason: str,
    expected_version: int | None = None,
) -> list[Mail]:
    """Decline with a legal ground; the case stays logged and the complainant is told."""
    if ground not in DECLINE_GROUNDS:
        raise CaseError("case_bad_ground", "choose the legal ground for declining")
    text = _require_reason(reason, "declining")
    _move(
        app,
        session,
        case,
        "decline",
        actor,
        expected_version=expected_version,
        reason=text,
        detail={"ground": ground},
        public=True,
    )
    case.decline_ground = ground
    case.closed_at = now_for(app)
    session.add(case)
    return notice(session, case, "declined", extra_zh=text, extra_en=text, app=app)


def request_supplement(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    reason: str,
    expected_version: int | None = None,
) -> list[Mail]:
    """Ask the complainant for more (行政程序法 §171 II); the clock pauses."""
    text = _require_reason(reason, "a request for supplement")
    _move(
        app,
        session,
        case,
        "request_supplement",
        actor,
        expected_version=expected_version,
        reason=text,
        public=True,
    )
    case.paused_since = today_for(app)
    session.add(case)
    return notice(session, case, "supplement", extra_zh=text, extra_en=text, app=app)


def resume(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    text: str,
    expected_version: int | None = None,
) -> list[Mail]:
    """Staff record a supplement received outside the follow page (phone, letter)."""
    check_version(case, expected_version)
    mails = add_supplement(session, app, case, text, actor=actor)
    return mails


def extend(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    days: int,
    reason: str,
    expected_version: int | None = None,
) -> list[Mail]:
    """Extend the deadline (a written reason, sent to the complainant)."""
    limit = int(app.config.get("COMPLAINT_MAX_EXTENSION_DAYS", 60))
    if not 1 <= days <= limit:
        raise CaseError("case_bad_extension", f"an extension is 1 to {limit} days")
    text = _require_reason(reason, "an extension")
    check_version(case, expected_version)
    if case.status not in TRANSITIONS["extend"][0]:
        raise CaseError("case_action_not_allowed", f"cannot extend a case that is {case.status}")
    old_due = case.due_on
    case.extension_days += days
    refresh_due(app, session, case)
    _move(
        app,
        session,
        case,
        "extend",
        actor,
        reason=text,
        detail={
            "days": days,
            "old_due_on": old_due.isoformat(),
            "new_due_on": case.due_on.isoformat(),
        },
        public=True,
    )
    return notice(session, case, "extended", extra_zh=text, extra_en=text, app=app)


def transfer_to_unit(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    unit_id: int,
    reason: str,
    expected_version: int | None = None,
) -> list[Mail]:
    """Move the case to another unit of the same agency (the clock keeps running)."""
    _check_unit_and_handler(session, case.agency_id, unit_id, None)
    text = _require_reason(reason, "a transfer")
    _move(
        app,
        session,
        case,
        "transfer_unit",
        actor,
        expected_version=expected_version,
        reason=text,
        detail={"from_unit_id": case.unit_id, "unit_id": unit_id},
    )
    case.unit_id, case.handler_id = unit_id, None
    session.add(case)
    return []


def transfer_to_agency(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    agency: Agency,
    category: ComplaintCategory,
    reason: str,
    expected_version: int | None = None,
) -> tuple[Complaint, list[Mail]]:
    """Transfer to another agency on this deployment (行政程序法 §171 I).

    The receiving agency gets a new case (its clock starts on the transfer date);
    the sending agency keeps this one as a read-only trail. A confidential
    complainant's identity is not copied: notices still reach them through the
    original case.
    """
    if agency.id == case.agency_id:
        raise CaseError("case_same_agency", "transfer within the agency goes to another unit")
    if category.agency_id != agency.id or not category.active:
        raise CaseError("case_bad_category", "the category does not belong to that agency")
    text = _require_reason(reason, "a transfer")
    withhold = case.confidential or case.identity_withheld
    copy = Complaint(
        case_number=new_case_number(session, today_for(app)),
        access_hash=case.access_hash,
        link_hash=hash_token(secrets.token_urlsafe(32)),  # follow the original's link
        agency_id=agency.id,  # type: ignore[arg-type]
        category_id=category.id,  # type: ignore[arg-type]
        subject=case.subject,
        description=case.description,
        location=case.location,
        latitude=case.latitude,
        longitude=case.longitude,
        channel=case.channel,
        language=case.language,
        status="received",
        anonymous=case.anonymous,
        confidential=case.confidential,
        identity_withheld=withhold,
        name=None if withhold else case.name,
        email=None if withhold else case.email,
        phone=None if withhold else case.phone,
        address=None if withhold else case.address,
        reply_channel=case.reply_channel,
        read_back_confirmed=case.read_back_confirmed,
        received_on=today_for(app),
        due_on=today_for(app),
        transferred_from_id=case.id,
        retention_class=category.retention_class,
    )
    session.add(copy)
    session.flush()
    _move(
        app,
        session,
        case,
        "transfer_agency",
        actor,
        expected_version=expected_version,
        reason=text,
        detail={"agency_id": agency.id, "agency_code": agency.code, "case_id": copy.id},
        public=True,
    )
    case.transferred_to_id = copy.id
    case.paused_since = None
    session.add(case)
    sender = get_unscoped(session, Agency, case.agency_id, "around an authorised case")
    add_event(
        session,
        copy,
        "transferred_in",
        app=app,
        actor=actor,
        to_status="received",
        reason=text,
        detail={
            "from_agency_id": case.agency_id,
            "from_agency_code": sender.code if sender else "",
            "from_case_number": case.case_number,
        },
        public=True,
    )
    assign_by_route(app, session, copy, category)
    audit.record(
        session,
        "complaint.transferred",
        actor=actor,
        agency_id=case.agency_id,
        target=f"complaint:{case.id}",
        detail={"to_agency": agency.code, "to_case": copy.id},
    )
    mails = notice(
        session,
        case,
        "transferred",
        extra_zh=f"{agency.name_zh}（新案號 {copy.case_number}）：{text}",
        extra_en=f"{agency.name_en} (new case number {copy.case_number}): {text}",
        app=app,
    )
    return copy, mails


def reply(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    body: str,
    expected_version: int | None = None,
) -> list[Mail]:
    """Answer the complainant (by e-mail, or a letter to print, or noted for a phone call)."""
    text = clean_text(body, 20000)
    if not text:
        raise CaseError("case_reply_required", "the reply is empty")
    origin = origin_of(session, case)
    _move(
        app,
        session,
        case,
        "reply",
        actor,
        expected_version=expected_version,
        body=text,
        detail={"channel": origin.reply_channel},
        public=True,
    )
    case.replied_at = now_for(app)
    case.paused_since = None
    session.add(case)
    return notice(session, case, "replied", extra_zh=text, extra_en=text, app=app)


def close(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    outcome: str,
    reason: str = "",
    expected_version: int | None = None,
) -> list[Mail]:
    """Close the case, fix its retention date and offer the handling-satisfaction survey."""
    from collector.complaints import followups
    from collector.core.models import OUTCOMES

    if outcome not in OUTCOMES:
        raise CaseError("case_bad_outcome", "choose how the case ended")
    _move(
        app,
        session,
        case,
        "close",
        actor,
        expected_version=expected_version,
        reason=clean_text(reason, 2000) or "",
        detail={"outcome": outcome},
        public=True,
    )
    case.outcome = outcome
    case.closed_at = now_for(app)
    years = retention_years(app, case.retention_class)
    closed_on = today_for(app)
    case.retain_until = None if years is None else _add_years(closed_on, years)
    session.add(case)
    session.flush()
    return followups.offer(app, session, case)


def reopen(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    reason: str,
    expected_version: int | None = None,
) -> list[Mail]:
    text = _require_reason(reason, "reopening")
    _move(
        app,
        session,
        case,
        "reopen",
        actor,
        expected_version=expected_version,
        reason=text,
        public=True,
    )
    case.closed_at = None
    case.outcome = None
    case.retain_until = None
    session.add(case)
    return []


def merge(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    into: Complaint,
    reason: str,
    expected_version: int | None = None,
) -> list[Mail]:
    """Merge a duplicate into another open case of the same agency."""
    if into.id == case.id or into.agency_id != case.agency_id:
        raise CaseError("case_bad_merge", "merge into another case of the same agency")
    if into.status not in OPEN:
        raise CaseError("case_bad_merge", "the case to merge into is not open")
    text = _require_reason(reason, "a merge")
    _move(
        app,
        session,
        case,
        "merge",
        actor,
        expected_version=expected_version,
        reason=text,
        detail={"into_case_id": into.id, "into_case_number": into.case_number},
        public=True,
    )
    case.merged_into_id = into.id
    session.add(case)
    add_event(
        session,
        into,
        "merged_in",
        app=app,
        actor=actor,
        reason=text,
        detail={"case_id": case.id, "case_number": case.case_number},
    )
    return notice(
        session,
        case,
        "merged",
        extra_zh=f"{into.case_number}：{text}",
        extra_en=f"{into.case_number}: {text}",
        app=app,
    )


def note(
    app: Flask,
    session: Session,
    case: Complaint,
    actor: Actor,
    *,
    text: str,
    expected_version: int | None = None,
) -> list[Mail]:
    """An internal note in the history (never shown to the complainant)."""
    body = clean_text(text, 20000)
    if not body:
        raise CaseError("case_note_required", "the note is empty")
    _move(app, session, case, "note", actor, expected_version=expected_version, body=body)
    return []


# -- retention -----------------------------------------------------------------


def retention_years(app: Flask, retention_class: str) -> int | None:
    """Years a closed case is kept (None: permanently), from COMPLAINT_RETENTION_YEARS."""
    classes: dict[str, int | None] = app.config["COMPLAINT_RETENTION_YEARS"]
    if retention_class not in classes:
        raise CaseError("case_bad_retention", f"unknown retention class {retention_class!r}")
    return classes[retention_class]


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def restrict(app: Flask, session: Session, case: Complaint, actor: Actor, *, reason: str) -> None:
    """A deletion request: the case is an official record (檔案法), so it is
    restricted (hidden from queues, exports and the dashboard's lists) until its
    retention period ends; destruction is a separate step."""
    if case.restricted_at is not None or case.destroyed_at is not None:
        raise CaseError("case_already_restricted", "the case is already restricted")
    text = _require_reason(reason, "a restriction")
    case.restricted_at = now_for(app)
    case.version += 1
    session.add(case)
    add_event(session, case, "restrict", actor=actor, reason=text, app=app)
    audit.record(
        session,
        "complaint.restricted",
        actor=actor,
        agency_id=case.agency_id,
        target=f"complaint:{case.id}",
    )


def destroyable(app: Flask, case: Complaint) -> bool:
    return (
        case.destroyed_at is None
        and case.status in ("closed", "declined", "merged", "transferred")
        and case.retain_until is not None
        and case.retain_until <= today_for(app)
    )


def destroy(
    app: Flask, session: Session, case: Complaint, actor: Actor, *, reason: str
) -> list[str]:
    """Approved destruction after the retention period: the content, contact details,
    history and attachments go; a tombstone (number, agency, category, dates) and
    the audit event stay. Returns the stored attachment names to delete from disk
    after the commit."""
    from collector.core.models import ComplaintAttachment, ComplaintFollowup

    if not destroyable(app, case):
        raise CaseError("case_not_destroyable", "the case's retention period has not ended")
    text = _require_reason(reason, "destruction")
    attachments = list(
        session.execute(
            unscoped(
                select(ComplaintAttachment).where(ComplaintAttachment.complaint_id == case.id),
                "destroy a case",
            )
        ).scalars()
    )
    names = [a.stored_name for a in attachments]
    for row in attachments:
        session.delete(row)
    for event in events_of(session, case):
        session.delete(event)
    for followup in session.execute(
        unscoped(
            select(ComplaintFollowup).where(ComplaintFollowup.complaint_id == case.id),
            "destroy a case",
        )
    ).scalars():
        followup.token_hash = None
        session.add(followup)
    case.subject = "—"
    case.description = ""
    case.location = case.name = case.email = case.phone = case.address = None
    case.latitude = case.longitude = None
    case.destroyed_at = now_for(app)
    case.version += 1
    session.add(case)
    audit.record(
        session,
        "complaint.destroyed",
        actor=actor,
        agency_id=case.agency_id,
        target=f"complaint:{case.id}",
        detail={"case_number": case.case_number, "reason": text, "attachments": len(names)},
    )
    return names


# -- identity ------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    name: str | None
    email: str | None
    phone: str | None
    address: str | None
    withheld: bool  # True: confidential and the viewer does not need it


def may_see_identity(actor: Actor, case: Complaint) -> bool:
    """A confidential complainant is known to the assigned handler and the agency
    administrator only."""
    if not case.confidential:
        return True
    return actor.role == "agency_admin" or (
        actor.user_id is not None and actor.user_id == case.handler_id
    )


def identity(session: Session, case: Complaint, actor: Actor) -> Identity:
    """The complainant's contact details as ``actor`` may see them; audited."""
    if case.identity_withheld or not may_see_identity(actor, case):
        return Identity(None, None, None, None, withheld=True)
    if any((case.name, case.email, case.phone, case.address)):
        audit.log(
            "complaint.identity_viewed",
            actor=actor,
            agency_id=case.agency_id,
            target=f"complaint:{case.id}",
            detail={"confidential": case.confidential},
        )
    return Identity(case.name, case.email, case.phone, case.address, withheld=False)


# -- notices -------------------------------------------------------------------

NOTICES: dict[str, tuple[str, str, str, str]] = {
    "received": (
        "已收到您的陳情",
        "We have received your complaint",
        "我們已收到您的陳情，將依規定期限處理。",
        "We have received your complaint and will handle it within the statutory period.",
    ),
    "declined": (
        "您的陳情不予處理",
        "Your complaint will not be processed",
        "依規定，本案不予處理，理由如下：",
        "Under the rules, this complaint will not be processed, for this reason:",
    ),
    "supplement": (
        "請補充陳情資料",
        "Please add information to your complaint",
        "為處理您的陳情，請補充以下資料（補充前處理期限暫停計算）：",
        "To handle your complaint we need more information (the deadline is paused "
        "until you send it):",
    ),
    "extended": (
        "陳情案件展延處理期限",
        "The deadline for your complaint has been extended",
        "本案需延長處理期限，理由如下：",
        "We need more time to handle your complaint, for this reason:",
    ),
    "transferred": (
        "陳情案件已移送其他機關",
        "Your complaint has been transferred to another agency",
        "本案非屬本機關權責，已移送：",
        "Your complaint concerns another agency and has been transferred to:",
    ),
    "replied": (
        "陳情案件處理結果",
        "The reply to your complaint",
        "本案處理情形如下：",
        "Here is our reply:",
    ),
    "merged": (
        "陳情案件已併案處理",
        "Your complaint is handled together with another case",
        "本案與相同事由之案件併案處理：",
        "Your complaint is handled together with a case on the same matter:",
    ),
}


def notice(
    session: Session,
    case: Complaint,
    kind: str,
    *,
    extra_zh: str,
    extra_en: str,
    app: Flask,
    link_token: str | None = None,
) -> list[Mail]:
    """The e-mail telling the complainant what happened, when they gave an address
    and chose e-mail; otherwise nothing (letters are printed from the case page)."""
    origin = origin_of(session, case)
    if origin.anonymous or not origin.email or origin.reply_channel != "email":
        return []
    agency = get_unscoped(session, Agency, case.agency_id, "around an authorised case")
    current = current_case(session, case)
    subject_zh, subject_en, lead_zh, lead_en = NOTICES[kind]
    english = origin.language.startswith("en")
    subject = (
        f"{subject_en} ({origin.case_number})"
        if english
        else f"{subject_zh}（案號 {origin.case_number}）"
    )
    base = public_base(app)
    follow = f"{base}/complaints/follow/{link_token}" if link_token and base else ""
    where = f"{base}/complaints/follow" if base else ""
    lines_zh = [
        f"{origin.name or '陳情人'} 您好：",
        "",
        lead_zh,
        extra_zh,
        "",
        f"機關：{agency.name_zh if agency else ''}",
        f"案號：{origin.case_number}",
        f"案由：{origin.subject}",
    ]
    lines_en = [
        f"Dear {origin.name or 'complainant'},",
        "",
        lead_en,
        extra_en,
        "",
        f"Agency: {agency.name_en if agency else ''}",
        f"Case number: {origin.case_number}",
        f"Subject: {origin.subject}",
    ]
    if current.status in OPEN:
        lines_zh.append(f"預定處理期限：{current.due_on.isoformat()}")
        lines_en.append(f"Due by: {current.due_on.isoformat()}")
    if follow:
        lines_zh.append(f"查詢進度（請勿轉寄此連結）：{follow}")
        lines_en.append(f"Follow your case (do not forward this link): {follow}")
    elif where:
        lines_zh.append(f"以案號及密碼查詢進度：{where}")
        lines_en.append(f"Follow your case with its number and password: {where}")
    zh, en = "\n".join(lines_zh), "\n".join(lines_en)
    body = f"{en}\n\n-----\n\n{zh}\n" if english else f"{zh}\n\n-----\n\n{en}\n"
    return [
        Mail(
            to=origin.email,
            subject=subject,
            body=body,
            agency_id=case.agency_id,
            agency_code=agency.code if agency else "",
        )
    ]


def public_base(app: Flask) -> str:
    """Where links in e-mails point: PUBLIC_BASE_URL, else the current request's host."""
    from flask import has_request_context, request

    configured = app.config.get("PUBLIC_BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    return request.host_url.rstrip("/") if has_request_context() else ""


def send_notices(app: Flask, mails: Iterable[Mail]) -> bool:
    """Send after the commit; a failed notice is reported, never loses the change."""
    batch = list(mails)
    if not batch:
        return True
    try:
        return not send(app, batch)
    except (OSError, MailError):
        app.logger.warning("complaint notice not sent", exc_info=True)
        return False
