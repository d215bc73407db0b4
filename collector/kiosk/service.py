"""Registering, pairing and revoking kiosks, and recognising a paired one.

Pairing needs no staff password on the tablet: the console shows a short-lived code
(and its QR); the tablet that presents it receives a device credential, a long random
secret kept only as its SHA-256 here and as an HttpOnly cookie scoped to ``/kiosk`` on
the device. Revoking clears the hash, so the next request with the old cookie is
refused. Every change is audited in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from flask import Flask
from flask import Request
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.guard import unscoped
from collector.access.passwords import hash_password
from collector.access.passwords import verify_password
from collector.campaigns.service import state_on
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.kiosk.models import Kiosk

COOKIE = "collector_kiosk"
COOKIE_PATH = "/kiosk"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 8  # 40 bits, shown as XXXX-XXXX
PIN_MIN, PIN_MAX = 4, 12


def digest(secret: str) -> str:
    """The stored form of a pairing code or credential (random, so SHA-256 suffices)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_code() -> str:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{code[:4]}-{code[4:]}"


def normalise_code(text: str) -> str:
    """What a person typed, as the code was shown: case, spaces, dashes and the letters
    Crockford's alphabet reads as digits (I, L as 1; O as 0) do not matter."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans("ILO", "110"))
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return ""
    return f"{cleaned[:4]}-{cleaned[4:]}"


def valid_pin(pin: str) -> bool:
    return pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX


@dataclass(frozen=True)
class Registration:
    kiosk_id: int
    code: str


def _write(app: Flask) -> Session:
    return Session(writing(get_engine(app)), expire_on_commit=False)


def register(
    app: Flask,
    actor: Actor,
    *,
    agency_id: int,
    unit_id: int,
    name: str,
    questionnaire: str,
    pin: str,
) -> Registration:
    """A new kiosk for a unit, with its staff PIN and a first pairing code."""
    code = new_code()
    with _write(app) as session:
        kiosk = Kiosk(
            agency_id=agency_id,
            unit_id=unit_id,
            name=name,
            questionnaire=questionnaire,
            pin_hash=hash_password(pin, app),
            created_by=actor.user_id,
            pairing_hash=digest(code),
            pairing_expires_at=clock.now(app) + _pairing_time(app),
        )
        session.add(kiosk)
        session.flush()
        assert kiosk.id is not None  # flushed
        audit.record(
            session,
            "kiosk.registered",
            actor=actor,
            agency_id=agency_id,
            target=f"kiosk:{kiosk.id}",
            detail={"name": name, "unit_id": unit_id, "questionnaire": questionnaire},
            address=audit.request_address(),
        )
        session.commit()
        return Registration(kiosk.id, code)


def _locked(session: Session, kiosk_id: int | None) -> Kiosk | None:
    """The kiosk to change, already found by the caller: through a scoped read on a staff
    page, or by its device credential."""
    return session.execute(
        unscoped(select(Kiosk).where(col(Kiosk.id) == kiosk_id), "kiosk found by the caller")
    ).scalar_one_or_none()


def _pairing_time(app: Flask) -> timedelta:
    return timedelta(minutes=int(app.config["KIOSK_PAIRING_MINUTES"]))


def new_pairing_code(app: Flask, actor: Actor, kiosk: Kiosk) -> str:
    """A fresh code for (re)pairing; the device paired before keeps working until it
    is revoked or the new code is used."""
    code = new_code()
    with _write(app) as session:
        stored = _locked(session, kiosk.id)
        assert stored is not None
        stored.pairing_hash = digest(code)
        stored.pairing_expires_at = clock.now(app) + _pairing_time(app)
        stored.revoked_at = None
        audit.record(
            session,
            "kiosk.pairing_code",
            actor=actor,
            agency_id=stored.agency_id,
            target=f"kiosk:{stored.id}",
            address=audit.request_address(),
        )
        session.commit()
    return code


def pair(app: Flask, code: str) -> tuple[Kiosk, str] | None:
    """The kiosk a valid, unexpired code belongs to and its new device credential
    (the code is used up, an earlier credential replaced); None for any other code."""
    normalised = normalise_code(code)
    if not normalised:
        return None
    with _write(app) as session:
        kiosk = session.execute(
            unscoped(
                select(Kiosk).where(col(Kiosk.pairing_hash) == digest(normalised)),
                "kiosk pairing: the code is the credential",
            )
        ).scalar_one_or_none()
        now = clock.now(app)
        if (
            kiosk is None
            or kiosk.pairing_expires_at is None
            or aware(kiosk.pairing_expires_at) < now
        ):
            return None
        credential = secrets.token_urlsafe(32)
        kiosk.credential_hash = digest(credential)
        kiosk.pairing_hash = None
        kiosk.pairing_expires_at = None
        kiosk.paired_at = kiosk.last_seen_at = now
        kiosk.revoked_at = None
        audit.record(
            session,
            "kiosk.paired",
            actor_label=f"kiosk:{kiosk.id}",
            agency_id=kiosk.agency_id,
            target=f"kiosk:{kiosk.id}",
            address=audit.request_address(),
        )
        session.commit()
        return kiosk, credential


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive (they were stored as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def revoke(app: Flask, actor: Actor, kiosk: Kiosk) -> None:
    """Refuse the device's credential from the next request on, and any pending code."""
    with _write(app) as session:
        stored = _locked(session, kiosk.id)
        assert stored is not None
        stored.credential_hash = None
        stored.pairing_hash = None
        stored.pairing_expires_at = None
        stored.revoked_at = clock.now(app)
        audit.record(
            session,
            "kiosk.revoked",
            actor=actor,
            agency_id=stored.agency_id,
            target=f"kiosk:{stored.id}",
            address=audit.request_address(),
        )
        session.commit()


def set_pin(app: Flask, actor: Actor, kiosk: Kiosk, pin: str) -> None:
    with _write(app) as session:
        stored = _locked(session, kiosk.id)
        assert stored is not None
        stored.pin_hash = hash_password(pin, app)
        audit.record(
            session,
            "kiosk.pin_changed",
            actor=actor,
            agency_id=stored.agency_id,
            target=f"kiosk:{stored.id}",
            address=audit.request_address(),
        )
        session.commit()


def leave(app: Flask, kiosk: Kiosk, pin: str) -> bool:
    """Whether ``pin`` is the kiosk's staff PIN; a right one is audited (kiosk mode left)."""
    if not verify_password(kiosk.pin_hash, pin):
        return False
    audit.log(
        "kiosk.left",
        app=app,
        actor_label=f"kiosk:{kiosk.id}",
        agency_id=kiosk.agency_id,
        target=f"kiosk:{kiosk.id}",
    )
    return True


def device(session: Session, request: Request) -> Kiosk | None:
    """The paired, unrevoked kiosk whose credential the request's cookie holds."""
    return device_of(session, request.cookies.get(COOKIE))


def device_of(session: Session, credential: str | None) -> Kiosk | None:
    """The paired, unrevoked kiosk that holds ``credential``."""
    if not credential or len(credential) > 128:
        return None
    return session.execute(
        unscoped(
            select(Kiosk).where(
                col(Kiosk.credential_hash) == digest(credential),
                col(Kiosk.revoked_at).is_(None),
            ),
            "kiosk device credential",
        )
    ).scalar_one_or_none()


def record_contact(app: Flask, kiosk_id: int, queue: int | None, version: str | None) -> None:
    """What the device said of itself: now, its queue length and its page's version."""
    with _write(app) as session:
        stored = _locked(session, kiosk_id)
        if stored is None:
            return
        stored.last_seen_at = clock.now(app)
        if queue is not None:
            stored.queue_length = max(0, min(queue, 1_000_000))
        if version:
            stored.app_version = version[:32]
        session.commit()


def campaign_for(session: Session, kiosk: Kiosk, version_id: int, day: date) -> int | None:
    """The campaign a kiosk's answer of ``day`` counts in: the agency's campaign open on
    that day for the kiosk's unit with the same questionnaire version (the latest started
    if several), or None. A counter tablet is the campaign's counter channel, as its QR
    poster is: without this its answers would be missing from the campaign's wave."""
    statement = unscoped(
        select(Campaign)
        .join(CampaignUnit, col(CampaignUnit.campaign_id) == col(Campaign.id))
        .where(
            col(Campaign.agency_id) == kiosk.agency_id,
            col(Campaign.questionnaire_version_id) == version_id,
            col(CampaignUnit.unit_id) == kiosk.unit_id,
            col(Campaign.starts_on) <= day,
            col(Campaign.ends_on) >= day,
        )
        .order_by(col(Campaign.starts_on).desc(), col(Campaign.id).desc()),
        "the campaigns of the kiosk's own agency and unit",
    )
    for campaign in session.execute(statement).scalars():
        if state_on(campaign, day) == "open":
            return campaign.id
    return None
