"""Filing a complaint from a machine client: the JSON API (``/api/v1/complaints``)
and the Open311 facade (``/open311/v2``) check their fields here and file through
``cases.new_case`` (one transaction), then send the acknowledgement.

Each field obeys the same rule as on the public form (``collector.complaints.fields``).
Errors are collected per field (English messages: integrators read English),
so a client can fix everything at once; nothing is stored unless all is valid.
A valid complaint counts against its client's filing limit before it is stored, and
its acknowledgement against the recipient's (``collector.complaints.throttles``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.complaints import fields as rules
from collector.complaints import notices
from collector.complaints import records
from collector.complaints import throttles
from collector.complaints.service import CaseService
from collector.core.db import get_engine
from collector.core.db import writing
from collector.core.i18n import LazyText
from collector.core.links import public_base
from collector.core.lookups import agency_by_code
from collector.core.lookups import plausible_code
from collector.core.models import Agency
from collector.core.models import ComplaintCategory


class IntakeError(ValueError):
    """Invalid fields: ``errors`` maps a field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class TooManyFilings(Exception):
    """The client has filed as many complaints as it may for now."""


@dataclass
class Filed:
    case_number: str
    password: str
    follow_url: str
    due_on: date
    status: str
    token_case_id: int


def text(
    value: Any, name: str, rule: rules.TextRule, errors: dict[str, str], required: bool
) -> str | None:
    """A string that obeys ``rule`` (the public form's rule for the field), or an error
    for ``name`` in English."""
    if value is None or value == "":
        if required:
            errors[name] = "required"
        return None
    if not isinstance(value, str):
        errors[name] = "must be a string"
        return None
    cleaned, problem = rule.check(value)
    if problem is not None:
        errors[name] = problem.text("en")
        return None
    if required and not cleaned:
        errors[name] = "required"
        return None
    return cleaned or None


def coordinate(
    value: Any, name: str, rule: tuple[float, LazyText], errors: dict[str, str]
) -> float | None:
    number, problem = rules.coordinate(value, rule)
    if problem is not None:
        errors[name] = problem.text("en")
    return number


def find_category(session: Session, agency: Agency, code: Any) -> ComplaintCategory | None:
    if not plausible_code(code):
        return None
    return session.execute(
        select(ComplaintCategory).where(
            col(ComplaintCategory.agency_id) == agency.id,
            col(ComplaintCategory.code) == code,
            col(ComplaintCategory.active).is_(True),
        )
    ).scalar_one_or_none()


def file_complaint(
    app: Flask,
    session: Session,
    *,
    agency_code: Any,
    category_code: Any,
    fields: dict[str, Any],
    channel: str,
    language: str,
    client: str,
) -> Filed:
    """Check ``fields`` and file the complaint for ``client`` (``ratelimit.client_key()``,
    or ``throttles.api_key_client(key)``); raises :class:`IntakeError` or
    :class:`TooManyFilings`.

    ``fields``: subject, description, name, email, phone, address, location,
    latitude, longitude, anonymous, confidential, reply_channel (all optional but
    the description; the subject defaults to the description's first line).
    """
    errors: dict[str, str] = {}
    agency = agency_by_code(session, agency_code) if isinstance(agency_code, str) else None
    if agency is None:
        errors["agency"] = "no such agency"
    category = find_category(session, agency, category_code) if agency else None
    if agency is not None and category is None:
        errors["category"] = "no such active category in this agency"
    description = text(fields.get("description"), "description", rules.DESCRIPTION, errors, True)
    subject = text(fields.get("subject"), "subject", rules.SUBJECT, errors, False)
    name = text(fields.get("name"), "name", rules.NAME, errors, False)
    phone = text(fields.get("phone"), "phone", rules.PHONE, errors, False)
    address = text(fields.get("address"), "address", rules.ADDRESS, errors, False)
    location = text(fields.get("location"), "location", rules.LOCATION, errors, False)
    email = text(fields.get("email"), "email", rules.EMAIL, errors, False)
    latitude = coordinate(fields.get("latitude"), "latitude", rules.LATITUDE, errors)
    longitude = coordinate(fields.get("longitude"), "longitude", rules.LONGITUDE, errors)
    if (latitude is None) != (longitude is None) and "latitude" not in errors:
        errors["latitude" if latitude is None else "longitude"] = "give both latitude and longitude"
    flags = {}
    for flag in ("anonymous", "confidential"):
        value = fields.get(flag, False)
        if not isinstance(value, bool):
            errors[flag] = "must be true or false"
        flags[flag] = value is True
    anonymous = flags["anonymous"] or not (name or email or phone or address)
    reply_channel = fields.get("reply_channel")
    if reply_channel is None:
        reply_channel = "email" if email else ("letter" if address else "none")
    wants = {"email": email, "letter": address, "phone": phone, "none": True}
    if not isinstance(reply_channel, str) or reply_channel not in wants:
        errors["reply_channel"] = "one of email, letter, phone, none"
    elif not wants[reply_channel] and not anonymous:
        errors["reply_channel"] = f"{reply_channel} needs the matching contact detail"
    if (
        agency is not None
        and anonymous
        and not records.policy_for(session, agency.id).accept_anonymous  # type: ignore[arg-type]  # a stored agency
    ):
        errors["name"] = "this agency does not take anonymous complaints: give a contact"
    if errors:
        raise IntakeError(errors)
    assert agency is not None and category is not None and description is not None
    if not throttles.may_file(app, client):
        raise TooManyFilings(client)
    subject = subject or description.splitlines()[0][: rules.SUBJECT.max_length]
    with Session(writing(get_engine(app)), expire_on_commit=False) as wdb:
        filed = CaseService(app, wdb).new_case(
            agency=wdb.get(Agency, agency.id),  # type: ignore[arg-type]  # read above: it exists
            category=wdb.get(ComplaintCategory, category.id),  # type: ignore[arg-type]  # read above: it exists
            subject=subject,
            description=description,
            channel=channel,
            language=language,
            location=location,
            latitude=latitude,
            longitude=longitude,
            anonymous=anonymous,
            confidential=flags["confidential"],
            name=name,
            email=email,
            phone=phone,
            address=address,
            reply_channel="none" if anonymous else reply_channel,
        )
        queued = notices.queue(wdb, app, throttles.acknowledgements(app, filed.mails))
        wdb.commit()
    notices.deliver(app, queued)
    base = public_base(app)
    return Filed(
        case_number=filed.case.case_number,
        password=filed.password,
        follow_url=f"{base}/complaints/follow/{filed.link_token}",
        due_on=filed.case.due_on,
        status=filed.case.status,
        token_case_id=filed.case.id,  # type: ignore[arg-type]  # committed: the case has its id
    )
