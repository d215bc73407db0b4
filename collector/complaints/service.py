"""The case service: every change to a complaint case, made by one actor inside one
write transaction. Every change is one append-only ``ComplaintEvent``.

Views fetch the case through ``collector.access.scoped``, open a write session
(``collector.core.db.writing``) and call ``CaseService(app, session, actor)``; each
action checks the state machine (``collector.complaints.lifecycle.TRANSITIONS``),
records the event, recomputes the due date and returns the e-mails to send; the caller
stores them in the mail outbox in the same transaction (``notices.queue``) and queues
their sending after the commit (``notices.deliver``). Nothing here reads the request.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.guard import get_unscoped
from collector.access.guard import unscoped
from collector.access.passwords import hasher
from collector.complaints import followups
from collector.complaints.lifecycle import DECLINE_GROUNDS
from collector.complaints.lifecycle import OPEN
from collector.complaints.lifecycle import TRANSITIONS
from collector.complaints.lifecycle import CaseError
from collector.complaints.lifecycle import check_version
from collector.complaints.lifecycle import require_reason
from collector.complaints.notices import both
from collector.complaints.notices import notice
from collector.complaints.records import add_event
from collector.complaints.records import clean_text
from collector.complaints.records import events_of
from collector.complaints.records import hash_token
from collector.complaints.records import new_case_number
from collector.complaints.records import new_password
from collector.complaints.records import now_for
from collector.complaints.records import origin_of
from collector.complaints.records import refresh_due
from collector.complaints.replies import unfilled
from collector.complaints.retention import add_years
from collector.complaints.retention import destroyable
from collector.complaints.retention import retention_years
from collector.complaints.routing import route
from collector.core import clock
from collector.core.hooktypes import Actor
from collector.core.i18n import lazy_gettext
from collector.core.mail import Mail
from collector.core.models import OUTCOMES
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintEvent
from collector.core.models import ComplaintFollowup
from collector.core.models import Unit
from collector.core.models import User


@dataclass
class NewCase:
    case: Complaint
    password: str  # shown to the complainant once; only its hash is stored
    link_token: str  # the follow link's secret; only its hash is stored
    mails: list[Mail] = field(default_factory=list)


class CaseService:
    """The actions on complaint cases, for ``actor`` (None: the complainant, or routing)
    in ``session``'s write transaction.

    ``now`` is the service's clock: by default the complaint clock
    (``collector.complaints.records.now_for``: ``COMPLAINT_TODAY``, else the app's
    clock); the demo passes its own to record cases in the past, and a lighter
    ``password_hasher`` for its fictitious complainants.
    """

    def __init__(
        self,
        app: Flask,
        session: Session,
        actor: Actor | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        password_hasher: PasswordHasher | None = None,
    ) -> None:
        self.app = app
        self.session = session
        self.actor = actor
        self._now = now or (lambda: now_for(app))
        self.password_hasher = password_hasher or hasher(app)

    def now(self) -> datetime:
        return self._now()

    def today(self) -> date:
        """Today in the agencies' time zone: deadlines are counted in local days."""
        return clock.local_date(self.now(), self.app)

    def _move(
        self,
        case: Complaint,
        action: str,
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
            raise CaseError(
                "case_action_not_allowed", f"cannot {action} a case that is {case.status}"
            )
        before = case.status
        if to_status is not None:
            case.status = to_status
        case.version += 1
        event = add_event(
            self.session,
            case,
            action,
            actor=self.actor,
            from_status=before,
            to_status=case.status,
            reason=reason,
            body=body,
            detail=detail,
            public=public,
            at=self.now(),
        )
        self.session.add(case)
        self.session.flush()
        if case.status in OPEN:
            refresh_due(self.app, self.session, case, self.today())
        return event

    def _tell(self, case: Complaint, kind: str, text: str) -> list[Mail]:
        """The complainant's notice of ``kind``, with the staff's ``text`` in every language."""
        return notice(self.session, case, kind, extra_zh=text, extra_en=text, app=self.app)

    def _assign_by_route(
        self, case: Complaint, category: ComplaintCategory, at: datetime | None = None
    ) -> None:
        """Route a case just received (or transferred in), then fix its due date."""
        decision = route(self.app, self.session, case, category)
        if decision.unit_id is not None or decision.handler_id is not None:
            case.unit_id, case.handler_id, case.status = (
                decision.unit_id,
                decision.handler_id,
                "assigned",
            )
            add_event(
                self.session,
                case,
                "assign",
                actor_label="routing",
                from_status="received",
                to_status="assigned",
                detail={"unit_id": decision.unit_id, "handler_id": decision.handler_id},
                at=at or self.now(),
            )
        refresh_due(self.app, self.session, case, self.today())
        self.session.add(case)
        self.session.flush()

    def new_case(
        self,
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
    ) -> NewCase:
        """Record a complaint, route it and start its deadline clock (one transaction)."""
        if category.agency_id != agency.id or not category.active:
            raise CaseError("case_bad_category", "the category does not belong to this agency")
        assert category.id is not None  # callers pass a stored category
        if channel in ("phone", "counter") and read_back_confirmed is not True:
            raise CaseError(
                "case_read_back_required",
                "an oral complaint must be read back to the complainant and confirmed",
            )
        subject_text = clean_text(subject, 200)
        description_text = clean_text(description, 20000)
        if not subject_text or not description_text:
            raise CaseError(
                "case_content_required", "a complaint needs a subject and a description"
            )
        if anonymous:
            name = email = phone = address = None
            reply_channel = "none"
        received_at = self.now()
        received_on = self.today()
        password = new_password()
        link_token = secrets.token_urlsafe(32)
        case = Complaint(
            case_number=new_case_number(self.session, received_on),
            access_hash=self.password_hasher.hash(password),
            link_hash=hash_token(link_token),
            agency_id=agency.id,
            category_id=category.id,
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
            email=(clean_text(email, 254) or None) and email.strip().lower(),  # type: ignore[union-attr]  # not None: clean_text gave text
            phone=clean_text(phone, 40),
            address=clean_text(address, 300),
            reply_channel=reply_channel,
            read_back_confirmed=read_back_confirmed,
            received_at=received_at,
            received_on=received_on,
            due_on=received_on,
            retention_class=category.retention_class,
        )
        self.session.add(case)
        self.session.flush()
        add_event(
            self.session,
            case,
            "received",
            actor=self.actor,
            actor_label=None if self.actor else "complainant",
            to_status="received",
            detail={"channel": channel, "anonymous": anonymous, "confidential": confidential},
            public=True,
            at=received_at,
        )
        self._assign_by_route(case, category, at=received_at)
        mails = notice(
            self.session,
            case,
            "received",
            extra_zh="",
            extra_en="",
            link_token=link_token,
            app=self.app,
        )
        return NewCase(case=case, password=password, link_token=link_token, mails=mails)

    def add_supplement(self, case: Complaint, text: str | None) -> list[Mail]:
        """The complainant's supplement: recorded, and the clock runs again."""
        body = clean_text(text, 20000)
        if not body:
            raise CaseError("case_supplement_required", "the supplement is empty")
        self._move(
            case,
            "supplement_received",
            body=body,
            public=True,
            detail={"by": "staff" if self.actor else "complainant"},
        )
        return []

    def assign(
        self,
        case: Complaint,
        *,
        unit_id: int | None,
        handler_id: int | None,
        reason: str = "",
        expected_version: int | None = None,
    ) -> list[Mail]:
        """Give the case to a unit and/or a handler of the same agency."""
        self._check_unit_and_handler(case.agency_id, unit_id, handler_id)
        detail = {"unit_id": unit_id, "handler_id": handler_id}
        self._move(
            case,
            "assign",
            expected_version=expected_version,
            reason=clean_text(reason, 2000) or "",
            detail=detail,
        )
        case.unit_id, case.handler_id = unit_id, handler_id
        self.session.add(case)
        return []

    def _check_unit_and_handler(
        self, agency_id: int, unit_id: int | None, handler_id: int | None
    ) -> None:
        if unit_id is not None:
            unit = get_unscoped(self.session, Unit, unit_id, "around an authorised case")
            if unit is None or unit.agency_id != agency_id:
                raise CaseError("case_bad_unit", "no such unit in this agency")
        if handler_id is not None:
            handler = get_unscoped(self.session, User, handler_id, "around an authorised case")
            if (
                handler is None
                or handler.agency_id != agency_id
                or not handler.active
                or handler.role not in ("case_handler", "agency_admin")
            ):
                raise CaseError("case_bad_handler", "no such case handler in this agency")
        if unit_id is None and handler_id is None:
            raise CaseError("case_assign_nobody", "choose a unit or a handler")

    def start(self, case: Complaint, *, expected_version: int | None = None) -> list[Mail]:
        """Start handling; a case with no handler becomes the actor's."""
        self._move(case, "start", expected_version=expected_version)
        if case.handler_id is None and self.actor is not None and self.actor.user_id is not None:
            case.handler_id = self.actor.user_id
        return []

    def decline(
        self, case: Complaint, *, ground: str, reason: str, expected_version: int | None = None
    ) -> list[Mail]:
        """Decline with a legal ground; the case stays logged and the complainant is told."""
        if ground not in DECLINE_GROUNDS:
            raise CaseError("case_bad_ground", "choose the legal ground for declining")
        text = require_reason(reason, "declining")
        self._move(
            case,
            "decline",
            expected_version=expected_version,
            reason=text,
            detail={"ground": ground},
            public=True,
        )
        case.decline_ground = ground
        case.closed_at = self.now()
        case.answered_on = case.answered_on or self.today()
        self.session.add(case)
        return self._tell(case, "declined", text)

    def request_supplement(
        self, case: Complaint, *, reason: str, expected_version: int | None = None
    ) -> list[Mail]:
        """Ask the complainant for more (行政程序法 §171 II); the clock pauses."""
        text = require_reason(reason, "a request for supplement")
        self._move(
            case,
            "request_supplement",
            expected_version=expected_version,
            reason=text,
            public=True,
        )
        case.paused_since = self.today()
        self.session.add(case)
        return self._tell(case, "supplement", text)

    def resume(
        self, case: Complaint, *, text: str, expected_version: int | None = None
    ) -> list[Mail]:
        """Staff record a supplement received outside the follow page (phone, letter)."""
        check_version(case, expected_version)
        return self.add_supplement(case, text)

    def extend(
        self, case: Complaint, *, days: int, reason: str, expected_version: int | None = None
    ) -> list[Mail]:
        """Extend the deadline (a written reason, sent to the complainant)."""
        limit = int(self.app.config.get("COMPLAINT_MAX_EXTENSION_DAYS", 60))
        if not 1 <= days <= limit:
            raise CaseError("case_bad_extension", f"an extension is 1 to {limit} days")
        text = require_reason(reason, "an extension")
        check_version(case, expected_version)
        if case.status not in TRANSITIONS["extend"][0]:
            raise CaseError(
                "case_action_not_allowed", f"cannot extend a case that is {case.status}"
            )
        old_due = case.due_on
        case.extension_days += days
        refresh_due(self.app, self.session, case, self.today())
        self._move(
            case,
            "extend",
            reason=text,
            detail={
                "days": days,
                "old_due_on": old_due.isoformat(),
                "new_due_on": case.due_on.isoformat(),
            },
            public=True,
        )
        return self._tell(case, "extended", text)

    def transfer_to_unit(
        self, case: Complaint, *, unit_id: int, reason: str, expected_version: int | None = None
    ) -> list[Mail]:
        """Move the case to another unit of the same agency (the clock keeps running)."""
        self._check_unit_and_handler(case.agency_id, unit_id, None)
        text = require_reason(reason, "a transfer")
        self._move(
            case,
            "transfer_unit",
            expected_version=expected_version,
            reason=text,
            detail={"from_unit_id": case.unit_id, "unit_id": unit_id},
        )
        case.unit_id, case.handler_id = unit_id, None
        self.session.add(case)
        return []

    def transfer_to_agency(
        self,
        case: Complaint,
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
        assert category.id is not None  # callers pass a stored category
        text = require_reason(reason, "a transfer")
        withhold = case.confidential or case.identity_withheld
        copy = Complaint(
            case_number=new_case_number(self.session, self.today()),
            access_hash=case.access_hash,
            link_hash=hash_token(secrets.token_urlsafe(32)),  # follow the original's link
            agency_id=agency.id,
            category_id=category.id,
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
            received_on=self.today(),
            due_on=self.today(),
            transferred_from_id=case.id,
            retention_class=category.retention_class,
        )
        self.session.add(copy)
        self.session.flush()
        self._move(
            case,
            "transfer_agency",
            expected_version=expected_version,
            reason=text,
            detail={"agency_id": agency.id, "agency_code": agency.code, "case_id": copy.id},
            public=True,
        )
        case.transferred_to_id = copy.id
        case.paused_since = None
        self.session.add(case)
        sender = get_unscoped(self.session, Agency, case.agency_id, "around an authorised case")
        add_event(
            self.session,
            copy,
            "transferred_in",
            at=self.now(),
            actor=self.actor,
            to_status="received",
            reason=text,
            detail={
                "from_agency_id": case.agency_id,
                "from_agency_code": sender.code if sender else "",
                "from_case_number": case.case_number,
            },
            public=True,
        )
        self._assign_by_route(copy, category)
        audit.record(
            self.session,
            "complaint.transferred",
            actor=self.actor,
            agency_id=case.agency_id,
            target=f"complaint:{case.id}",
            detail={"to_agency": agency.code, "to_case": copy.id},
        )
        mails = notice(
            self.session,
            case,
            "transferred",
            **both(
                lazy_gettext("%(agency)s (new case number %(number)s): %(text)s"),
                agency=(agency.name_zh, agency.name_en),
                number=copy.case_number,
                text=text,
            ),
            app=self.app,
        )
        return copy, mails

    def reply(
        self, case: Complaint, *, body: str, expected_version: int | None = None
    ) -> list[Mail]:
        """Answer the complainant (by e-mail, or a letter to print, or noted for a phone call)."""
        text = clean_text(body, 20000)
        if not text:
            raise CaseError("case_reply_required", "the reply is empty")
        if unfilled(text) is not None:
            raise CaseError("case_reply_placeholder", "the reply still holds a placeholder")
        origin = origin_of(self.session, case)
        self._move(
            case,
            "reply",
            expected_version=expected_version,
            body=text,
            detail={"channel": origin.reply_channel},
            public=True,
        )
        case.replied_at = self.now()
        case.answered_on = case.answered_on or self.today()
        case.paused_since = None
        self.session.add(case)
        return self._tell(case, "replied", text)

    def close(
        self,
        case: Complaint,
        *,
        outcome: str,
        reason: str = "",
        expected_version: int | None = None,
    ) -> list[Mail]:
        """Close the case, fix its retention date and offer the handling-satisfaction survey."""
        if outcome not in OUTCOMES:
            raise CaseError("case_bad_outcome", "choose how the case ended")
        self._move(
            case,
            "close",
            expected_version=expected_version,
            reason=clean_text(reason, 2000) or "",
            detail={"outcome": outcome},
            public=True,
        )
        case.outcome = outcome
        case.closed_at = self.now()
        years = retention_years(self.app, case.retention_class)
        closed_on = self.today()
        case.retain_until = None if years is None else add_years(closed_on, years)
        self.session.add(case)
        self.session.flush()
        return followups.offer(self.app, self.session, case)

    def reopen(
        self, case: Complaint, *, reason: str, expected_version: int | None = None
    ) -> list[Mail]:
        """Reopen a replied, closed or declined case (a written reason)."""
        text = require_reason(reason, "reopening")
        self._move(
            case,
            "reopen",
            expected_version=expected_version,
            reason=text,
            public=True,
        )
        case.closed_at = None
        case.outcome = None
        case.retain_until = None
        self.session.add(case)
        return []

    def merge(
        self, case: Complaint, *, into: Complaint, reason: str, expected_version: int | None = None
    ) -> list[Mail]:
        """Merge a duplicate into another open case of the same agency."""
        if into.id == case.id or into.agency_id != case.agency_id:
            raise CaseError("case_bad_merge", "merge into another case of the same agency")
        if into.status not in OPEN:
            raise CaseError("case_bad_merge", "the case to merge into is not open")
        text = require_reason(reason, "a merge")
        self._move(
            case,
            "merge",
            expected_version=expected_version,
            reason=text,
            detail={"into_case_id": into.id, "into_case_number": into.case_number},
            public=True,
        )
        case.merged_into_id = into.id
        self.session.add(case)
        add_event(
            self.session,
            into,
            "merged_in",
            at=self.now(),
            actor=self.actor,
            reason=text,
            detail={"case_id": case.id, "case_number": case.case_number},
        )
        return notice(
            self.session,
            case,
            "merged",
            **both(lazy_gettext("%(number)s: %(text)s"), number=into.case_number, text=text),
            app=self.app,
        )

    def note(
        self, case: Complaint, *, text: str, expected_version: int | None = None
    ) -> list[Mail]:
        """An internal note in the history (never shown to the complainant)."""
        body = clean_text(text, 20000)
        if not body:
            raise CaseError("case_note_required", "the note is empty")
        self._move(case, "note", expected_version=expected_version, body=body)
        return []

    def restrict(self, case: Complaint, *, reason: str) -> None:
        """A deletion request: the case is an official record (檔案法), so it is
        restricted (hidden from queues, exports and the dashboard's lists) until its
        retention period ends; destruction is a separate step."""
        if case.restricted_at is not None or case.destroyed_at is not None:
            raise CaseError("case_already_restricted", "the case is already restricted")
        text = require_reason(reason, "a restriction")
        case.restricted_at = self.now()
        case.version += 1
        self.session.add(case)
        add_event(self.session, case, "restrict", actor=self.actor, reason=text, at=self.now())
        audit.record(
            self.session,
            "complaint.restricted",
            actor=self.actor,
            agency_id=case.agency_id,
            target=f"complaint:{case.id}",
        )

    def destroy(self, case: Complaint, *, reason: str) -> list[str]:
        """Approved destruction after the retention period: the content, contact details,
        history and attachments go; a tombstone (number, agency, category, dates) and
        the audit event stay. Returns the stored attachment names to delete from disk
        after the commit."""
        if not destroyable(case, self.today()):
            raise CaseError("case_not_destroyable", "the case's retention period has not ended")
        text = require_reason(reason, "destruction")
        attachments = list(
            self.session.execute(
                unscoped(
                    select(ComplaintAttachment).where(
                        col(ComplaintAttachment.complaint_id) == case.id
                    ),
                    "destroy a case",
                )
            ).scalars()
        )
        names = [a.stored_name for a in attachments]
        for row in attachments:
            self.session.delete(row)
        for event in events_of(self.session, case):
            self.session.delete(event)
        for followup in self.session.execute(
            unscoped(
                select(ComplaintFollowup).where(col(ComplaintFollowup.complaint_id) == case.id),
                "destroy a case",
            )
        ).scalars():
            followup.token_hash = None
            self.session.add(followup)
        case.subject = "—"
        case.description = ""
        case.location = case.name = case.email = case.phone = case.address = None
        case.latitude = case.longitude = None
        case.destroyed_at = self.now()
        case.version += 1
        self.session.add(case)
        audit.record(
            self.session,
            "complaint.destroyed",
            actor=self.actor,
            agency_id=case.agency_id,
            target=f"complaint:{case.id}",
            detail={"case_number": case.case_number, "reason": text, "attachments": len(names)},
        )
        return names
