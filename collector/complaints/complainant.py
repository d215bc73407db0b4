"""The complainant's side: finding their case by number and password (the same work
whether or not it exists; wrong tries back off, ``collector.complaints.throttles``) or by
their link, the status as they see it, and their identity as a staff member may see it
(withheld when confidential; audited)."""

from __future__ import annotations

from dataclasses import dataclass

from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask import Flask
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access import backoff
from collector.access.guard import unscoped
from collector.access.passwords import dummy_hash
from collector.access.passwords import hasher
from collector.complaints import throttles
from collector.complaints.records import hash_token
from collector.complaints.records import normalise_case_number
from collector.core import clock
from collector.core.db import get_engine
from collector.core.hooktypes import Actor
from collector.core.models import Complaint


def find_for_complainant(session: Session, case_number: str, password: str) -> Complaint | None:
    """The case, if the number and password match; None otherwise (same work either way)."""
    number = normalise_case_number(case_number)
    case = session.execute(
        unscoped(
            select(Complaint).where(col(Complaint.case_number) == number), "complainant follow"
        )
    ).scalar_one_or_none()
    stored = case.access_hash if case is not None and case.destroyed_at is None else dummy_hash()
    try:
        ok: bool = hasher().verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    return case if ok and case is not None and case.destroyed_at is None else None


@dataclass(frozen=True)
class Proof:
    """The outcome of :func:`prove`."""

    case: Complaint | None
    retry_after: int = 0  # > 0: too many wrong tries, nothing was checked; seconds to wait


def prove(app: Flask, session: Session, case_number: str, password: str, address: str) -> Proof:
    """The case, if the number and password match, counting the try against the back-offs
    of :func:`collector.complaints.throttles.follow_keys` before it is checked (so
    concurrent tries get no more checks than they allow, in any number of workers)."""
    number = normalise_case_number(case_number)
    engine = get_engine(app)
    keys = throttles.follow_keys(app, number, address)
    attempt = backoff.attempt(engine, keys, clock.now(app).timestamp())
    if not attempt.allowed:
        return Proof(None, attempt.retry_after)
    case = find_for_complainant(session, number, password)
    if case is not None:
        backoff.succeeded(engine, attempt)
    return Proof(case)


def find_by_link(session: Session, token: str) -> Complaint | None:
    if not token or len(token) > 100:
        return None
    case = session.execute(
        unscoped(
            select(Complaint).where(col(Complaint.link_hash) == hash_token(token)),
            "complainant link",
        )
    ).scalar_one_or_none()
    return case if case is not None and case.destroyed_at is None else None


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
