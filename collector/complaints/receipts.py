"""The secrets the confirmation page shows once after a complaint is filed online (the
case's password and follow-link token), kept server-side between the filing and that
page.

Flask's session cookie is signed, not encrypted: whoever holds the browser, or a copy of
the cookie, can read it. The session holds only a random key; the database holds the
secrets under the key's SHA-256, until the page shows them (then the row is deleted)
or the receipt expires (expired rows are deleted whenever a receipt is kept or taken).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.complaints.records import hash_token
from collector.core.clock import utcnow
from collector.core.models import Complaint
from collector.core.models import ComplaintReceipt


def _purge(session: Session) -> None:
    session.execute(delete(ComplaintReceipt).where(col(ComplaintReceipt.expires_at) < utcnow()))


def keep(session: Session, case: Complaint, password: str, link_token: str, minutes: int) -> str:
    """Keep the case's secrets for ``minutes`` in the caller's transaction; the key for
    the session (the only way to take them back)."""
    _purge(session)
    key = secrets.token_urlsafe(32)
    session.add(
        ComplaintReceipt(
            key_hash=hash_token(key),
            complaint_id=case.id,  # type: ignore[arg-type]  # flushed: the case has its id
            agency_id=case.agency_id,
            password=password,
            link_token=link_token,
            expires_at=utcnow() + timedelta(minutes=minutes),
        )
    )
    return key


def take(session: Session, key: object, case_id: int) -> tuple[str, str] | None:
    """The password and link token kept under ``key`` for case ``case_id``, deleted as they
    are read (the caller commits); None when there is no such receipt or it expired."""
    _purge(session)
    if not isinstance(key, str) or not key:
        return None
    receipt = session.execute(
        select(ComplaintReceipt).where(
            col(ComplaintReceipt.key_hash) == hash_token(key),
            col(ComplaintReceipt.complaint_id) == case_id,
        )
    ).scalar_one_or_none()
    if receipt is None:
        return None
    session.delete(receipt)
    return receipt.password, receipt.link_token


def forget(session: Session, key: object) -> None:
    """Delete the receipt kept under ``key`` unshown (``POST /complaints/end``)."""
    if isinstance(key, str) and key:
        session.execute(
            delete(ComplaintReceipt).where(col(ComplaintReceipt.key_hash) == hash_token(key))
        )
