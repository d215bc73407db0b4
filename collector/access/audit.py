"""The append-only, hash-chained audit log.

Every event's ``hash`` is SHA-256 over the canonical JSON of its fields and the
previous event's hash, so changing, removing or reordering a stored event breaks
the chain at that point, and :func:`verify_chain` names the first broken event.
(Removing the newest events leaves a shorter valid chain: keep the head hash
that ``collector audit verify`` prints somewhere else to detect that.)

The code only ever inserts. Appends are serialised so the chain never forks: on
SQLite by the write transaction itself (``BEGIN IMMEDIATE``), on PostgreSQL by a
transaction-level advisory lock taken before reading the last hash; the unique
``prev_hash`` column makes a fork impossible even if a caller got that wrong.

What is audited (``action``): ``login.success``, ``login.failure``,
``login.throttled``, ``logout``, ``permission.denied``, ``user.created``,
``user.disabled``, ``user.enabled``, ``responses.export``, and, for features
built later, ``personal_data.view`` and configuration changes
(``<thing>.changed``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import TypedDict
from typing import Unpack

from flask import Flask
from flask import current_app
from flask import has_request_context
from flask import request
from sqlalchemy import select
from sqlalchemy import text
from sqlmodel import Session
from sqlmodel import col

from collector.access.guard import unscoped
from collector.access.identity import current_actor
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.models import AuditEvent

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event."""

ADVISORY_LOCK_KEY = 0x636F6C6C6563  # "collec": the PostgreSQL advisory lock of the chain

MAX_TARGET = 254
MAX_LABEL = 254


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: AuditEvent) -> str:
    """The exact text that is hashed: every field but ``id`` and ``hash``, sorted keys."""
    return json.dumps(
        {
            "at": _iso(event.at),
            "actor_user_id": event.actor_user_id,
            "actor_label": event.actor_label,
            "agency_id": event.agency_id,
            "action": event.action,
            "target": event.target,
            "detail": event.detail,
            "address": event.address,
            "prev_hash": event.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event).encode("utf-8")).hexdigest()


def _detail_text(detail: dict[str, Any] | None) -> str:
    return json.dumps(
        detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def _lock_chain(session: Session) -> None:
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        session.execute(
            unscoped(text("SELECT pg_advisory_xact_lock(:key)"), "audit chain lock"),
            {"key": ADVISORY_LOCK_KEY},
        )
    elif dialect == "sqlite" and not connection.get_execution_options().get("collector_write"):
        # A deferred transaction could read the same last hash as another writer.
        raise RuntimeError(
            "audit.record needs a write transaction: use collector.core.db.writing()"
        )


class EventFields(TypedDict, total=False):
    """What an event says besides its action, as :func:`record` and :func:`log` take it:
    who (``actor``, else ``actor_user_id`` and ``actor_label``), for which agency, on
    what (``target``, default empty), ``detail`` (stored as canonical JSON) and the
    client's ``address``; each may be left out."""

    actor: Actor | None
    actor_user_id: int | None
    actor_label: str | None
    agency_id: int | None
    target: str
    detail: dict[str, Any] | None
    address: str | None


def record(session: Session, action: str, **fields: Unpack[EventFields]) -> AuditEvent:
    """Append one event inside ``session``'s (write) transaction; the caller commits.

    Use it when the event must commit together with the change it records.
    """
    _lock_chain(session)
    last = session.execute(
        unscoped(
            select(col(AuditEvent.hash)).order_by(col(AuditEvent.id).desc()).limit(1),
            "audit chain head",
        )
    ).scalar_one_or_none()
    actor = fields.get("actor")
    actor_label = fields.get("actor_label")
    if actor_label is None:
        actor_label = actor.label if actor is not None else ""
    address = fields.get("address")
    event = AuditEvent(
        at=clock.utcnow(),  # the real time, never a configured CLOCK: the log is evidence
        actor_user_id=actor.user_id if actor is not None else fields.get("actor_user_id"),
        actor_label=actor_label[:MAX_LABEL],
        agency_id=fields.get("agency_id"),
        action=action,
        target=str(fields.get("target", ""))[:MAX_TARGET],
        detail=_detail_text(fields.get("detail")),
        address=address[:64] if address else None,
        prev_hash=last or GENESIS,
        hash="",
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def request_address() -> str | None:
    return request.remote_addr if has_request_context() else None


def log(action: str, *, app: Flask | None = None, **fields: Unpack[EventFields]) -> AuditEvent:
    """Append one event in its own write transaction, committed on return.

    In a request, the actor defaults to the current one and the address to the
    client's. Never call it while holding a write transaction of your own (on
    SQLite it would wait for itself): use :func:`record` with that session.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    if has_request_context():
        if fields.get("actor") is None and fields.get("actor_label") is None:
            fields["actor"] = current_actor()
        fields["address"] = fields.get("address") or request_address()
    with Session(writing(get_engine(app)), expire_on_commit=False) as session:
        event = record(session, action, **fields)
        session.commit()
    return event


@dataclass(frozen=True)
class ChainStatus:
    """The result of :func:`verify_chain`."""

    ok: bool
    checked: int
    head: str
    first_broken_id: int | None = None
    reason: str = ""


def verify_chain(session: Session) -> ChainStatus:
    """Walk the whole chain in order; report the first event whose link or hash is wrong."""
    previous = GENESIS
    checked = 0
    rows = session.execute(
        unscoped(
            select(AuditEvent).order_by(col(AuditEvent.id)).execution_options(yield_per=500),
            "audit chain verification",
        )
    ).scalars()
    for event in rows:
        if event.prev_hash != previous:
            return ChainStatus(False, checked, previous, event.id, "link to the previous event")
        if event_hash(event) != event.hash:
            return ChainStatus(False, checked, previous, event.id, "content changed")
        previous = event.hash
        checked += 1
    return ChainStatus(True, checked, previous)
