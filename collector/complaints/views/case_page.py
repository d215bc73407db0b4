"""What the staff case pages show, shared by the case views (``cases``, ``intake``):
the permission names, the agency's units and handlers, the action forms prepared for
a case, the deadline marks, the history in sentences and the case page itself."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask import render_template
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.guard import unscoped
from collector.access.identity import current_actor
from collector.access.permissions import allowed
from collector.access.scoped import scoped
from collector.complaints import calendars
from collector.complaints import complainant
from collector.complaints import labels
from collector.complaints import lifecycle
from collector.complaints import notices
from collector.complaints import records
from collector.complaints import retention
from collector.complaints import scanning
from collector.complaints.deadlines import days_left
from collector.complaints.replies import placeholder_list
from collector.complaints.replies import reply_draft
from collector.complaints.staff_forms import ACTION_FORMS
from collector.complaints.staff_forms import ERROR_FIELDS
from collector.complaints.staff_forms import AssignForm
from collector.complaints.staff_forms import CloseForm
from collector.complaints.staff_forms import DeclineForm
from collector.complaints.staff_forms import RestrictForm
from collector.complaints.staff_forms import TransferAgencyForm
from collector.complaints.staff_forms import TransferUnitForm
from collector.complaints.staff_forms import VersionedForm
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import gettext
from collector.core.i18n import translator
from collector.core.models import OUTCOMES
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintEvent
from collector.core.models import ComplaintPolicy
from collector.core.models import Unit
from collector.core.models import User
from collector.mailqueue import outbox

READ = "cases.read"


HANDLE = "cases.handle"


INTAKE = "cases.intake"


MANAGE = "cases.manage"


HANDLER_ROLES = ("case_handler", "agency_admin")


def complaint_policy(db: Session, agency_id: int, action: str) -> ComplaintPolicy:
    """The agency's complaint policy (the defaults when it has none), read scoped."""
    row = db.execute(
        scoped(select(ComplaintPolicy).where(col(ComplaintPolicy.agency_id) == agency_id), action)
    ).scalar_one_or_none()
    return row if row is not None else ComplaintPolicy(agency_id=agency_id)


def write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


def staff_actor() -> Actor:
    actor = current_actor()
    assert actor is not None  # staff_area
    return actor


def local_name(row: Agency | Unit | ComplaintCategory | None) -> str:
    if row is None:
        return "—"
    return row.name_en if current_language() == "en" else row.name_zh


@dataclass
class Lookups:
    """Names for the case page: the agency's units and handlers, every agency."""

    units: dict[int, Unit]
    handlers: dict[int, User]
    staff: dict[int, User]

    def unit_choices(self, blank: bool) -> list[tuple[str, str]]:
        options = [(str(u.id), f"{local_name(u)} ({u.code})") for u in self.units.values()]
        return ([("", gettext("(none)"))] if blank else []) + options

    def handler_choices(self) -> list[tuple[str, str]]:
        options = [
            (str(u.id), f"{u.display_name} <{u.email}>") for u in self.handlers.values() if u.active
        ]
        return [("", gettext("(none)")), *options]


def lookups_for(agency_id: int) -> Lookups:
    db = get_session()
    units = db.execute(
        scoped(select(Unit).where(col(Unit.agency_id) == agency_id).order_by(col(Unit.code)), READ)
    ).scalars()
    staff = list(
        db.execute(
            scoped(
                select(User).where(col(User.agency_id) == agency_id).order_by(col(User.email)),
                READ,
            )
        ).scalars()
    )
    return Lookups(
        units={u.id: u for u in units},
        handlers={u.id: u for u in staff if u.role in HANDLER_ROLES},
        staff={u.id: u for u in staff},
    )


def transfer_choices(own_agency_id: int) -> dict[str, list[tuple[str, str]]]:
    """Active categories of every other agency on this deployment, grouped by agency.

    Names of agencies and categories are not personal data; a handler must see
    where a case can go even though it cannot see anything else of that agency.
    """
    db = get_session()
    rows = db.execute(
        unscoped(
            select(ComplaintCategory, Agency)
            .join(Agency, col(Agency.id) == ComplaintCategory.agency_id)
            .where(
                col(ComplaintCategory.agency_id) != own_agency_id,
                col(ComplaintCategory.active).is_(True),
            )
            .order_by(col(Agency.code), col(ComplaintCategory.code)),
            "transfer destinations: names of other agencies' complaint categories",
        )
    ).all()
    groups: dict[str, list[tuple[str, str]]] = {}
    for category, agency in rows:
        label = f"{local_name(agency)} ({agency.code})"
        groups.setdefault(label, []).append(
            (str(category.id), f"{local_name(category)} ({category.code})")
        )
    return groups


def prepare_form(form: VersionedForm, action: str, case: Complaint, lookups: Lookups) -> None:
    """Choices, and on first display the defaults, of one action form."""
    if isinstance(form, AssignForm):
        form.unit.choices = lookups.unit_choices(blank=True)
        form.handler.choices = lookups.handler_choices()
    elif isinstance(form, TransferUnitForm):
        form.unit.choices = [
            c for c in lookups.unit_choices(blank=False) if c[0] != str(case.unit_id)
        ]
    elif isinstance(form, DeclineForm):
        form.ground.choices = [(g, str(labels.GROUNDS[g])) for g in lifecycle.DECLINE_GROUNDS]
    elif isinstance(form, CloseForm):
        form.outcome.choices = [(o, str(labels.OUTCOMES[o])) for o in OUTCOMES]
    elif isinstance(form, TransferAgencyForm):
        form.category.choices = transfer_choices(case.agency_id)


def blank_form(action: str, case: Complaint, lookups: Lookups) -> VersionedForm:
    form = ACTION_FORMS[action](prefix=action, formdata=None)
    form.version.data = case.version
    prepare_form(form, action, case, lookups)
    if isinstance(form, AssignForm):
        form.unit.data = str(case.unit_id) if case.unit_id else ""
        form.handler.data = str(case.handler_id) if case.handler_id else ""
    return form


def keep_for_retry(form: VersionedForm, case: Complaint) -> VersionedForm:
    """A refused form shown again with what was typed, carrying the case's current
    version: sending it again is a decision taken on the page as it now stands."""
    form.version.data = case.version
    form.version.raw_data = [str(case.version)]
    return form


def error_to_form(form: FlaskForm, key: str) -> str | None:
    """Put a CaseError's message on its field; return it when no field shows it."""
    message = str(labels.CASE_ERRORS[key])
    field = getattr(form, ERROR_FIELDS.get(key, ""), None)
    if field is not None:
        field.errors = [*field.errors, message]
        return None
    return message


@dataclass(frozen=True)
class DueMark:
    state: str  # ClockState value, or "" for a case whose clock does not run
    days: int | None
    working: bool = False  # days counted in working days (the deadline's kind)


def due_marker(
    app: Any, db: Session, agency_id: int, categories: dict[int, ComplaintCategory]
) -> Callable[[Complaint], DueMark]:
    """A function giving a case its clock state on the agency's calendar and policy,
    and the days left in the kind of days its deadline counts."""
    today = records.today_for(app)
    calendar = calendars.calendar_for(app, db, agency_id)
    policy = complaint_policy(db, agency_id, READ)

    def mark(case: Complaint) -> DueMark:
        if case.status not in lifecycle.OPEN or case.destroyed_at is not None:
            return DueMark("", None)
        category = categories.get(case.category_id)
        kind = (category.day_kind if category is not None else None) or policy.day_kind
        working = kind == "working"
        try:
            state = records.clock_of(case, today, calendar, policy)
            left = days_left(case.due_on, today, calendar, "working" if working else "calendar")
        except LookupError:  # a date beyond the calendar's data: show the date alone
            return DueMark("", None)
        return DueMark(state.value, left, working)

    return mark


def rows_of(db: Session, model: Any, case: Complaint) -> list[Any]:
    """A case's events or attachments, oldest first, read scoped."""
    statement = select(model).where(model.complaint_id == case.id).order_by(model.id)
    return list(db.execute(scoped(statement, READ)).scalars())


def available_actions(case: Complaint, actor: Actor) -> list[str]:
    """The actions the case's status allows, in the page's order."""
    if (
        case.destroyed_at is not None
        or case.restricted_at is not None
        or not allowed(actor, HANDLE, case.agency_id)
    ):
        return []
    return [a for a in ACTION_FORMS if case.status in lifecycle.TRANSITIONS[a][0]]


@dataclass(frozen=True)
class _Names:
    """How an event's detail names things: units and staff of the agency, agencies by code."""

    lookups: Lookups
    agencies: dict[str, str]

    def unit(self, value: Any) -> str:
        unit = self.lookups.units.get(value) if isinstance(value, int) else None
        return local_name(unit) if unit else "—"

    def staff(self, value: Any) -> str:
        user = self.lookups.staff.get(value) if isinstance(value, int) else None
        return user.display_name if user else "—"

    def agency(self, code: Any) -> str:
        return self.agencies.get(str(code), str(code))


def _received(d: dict[str, Any], _: _Names) -> list[str]:
    lines = []
    if d.get("channel") in labels.CHANNELS:
        lines.append(gettext("Channel: %(channel)s", channel=labels.CHANNELS[d["channel"]]))
    if d.get("anonymous"):
        lines.append(gettext("Anonymous"))
    if d.get("confidential"):
        lines.append(gettext("Identity kept confidential"))
    return lines


def _reminded(d: dict[str, Any], n: _Names) -> list[str]:
    """A reminder or escalation (``complaints.remind``): the deadline, and who was told."""
    try:
        due = date.fromisoformat(str(d.get("due_on", "")))
    except ValueError:
        return []
    told = [n.staff(user_id) for user_id in d.get("to") or [] if isinstance(user_id, int)]
    return [
        gettext(
            "Due on %(date)s; told: %(people)s",
            date=translator(current_language()).format_roc_date(due),
            people="、".join(told) if current_language().startswith("zh") else ", ".join(told),
        )
    ]


def _label(table: Any, key: str) -> Callable[[dict[str, Any], _Names], list[str]]:
    """The event's ``key`` shown as its label in ``table`` (a legal ground, an outcome)."""
    return lambda d, _: [str(table[d[key]])] if d.get(key) in table else []


EVENT_LINES: dict[str, Callable[[dict[str, Any], _Names], list[str]]] = {
    "received": _received,
    "assign": lambda d, n: [
        gettext(
            "Unit: %(unit)s; handler: %(handler)s",
            unit=n.unit(d.get("unit_id")),
            handler=n.staff(d.get("handler_id")),
        )
    ],
    "transfer_unit": lambda d, n: [
        gettext(
            "%(old)s → %(new)s", old=n.unit(d.get("from_unit_id")), new=n.unit(d.get("unit_id"))
        )
    ],
    "decline": _label(labels.GROUNDS, "ground"),
    "extend": lambda d, _: [
        gettext(
            "Extended by %(days)s days: %(old)s → %(new)s",
            days=str(d.get("days", "")),
            old=str(d.get("old_due_on", "")),
            new=str(d.get("new_due_on", "")),
        )
    ],
    "transfer_agency": lambda d, n: [
        gettext("Transferred to: %(agency)s", agency=n.agency(d.get("agency_code", "")))
    ],
    "transferred_in": lambda d, n: [
        gettext(
            "Transferred in from %(agency)s, case %(number)s",
            agency=n.agency(d.get("from_agency_code", "")),
            number=str(d.get("from_case_number", "")),
        )
    ],
    "close": _label(labels.OUTCOMES, "outcome"),
    "merge": lambda d, _: [
        gettext("Merged into case %(number)s", number=str(d.get("into_case_number", "")))
    ],
    "merged_in": lambda d, _: [
        gettext("Case merged in: %(number)s", number=str(d.get("case_number", "")))
    ],
    "reminder": _reminded,
    "escalated": _reminded,
    "attachment_removed": lambda d, _: [
        gettext(
            '"%(name)s": the scanner found %(signature)s; the file was deleted.',
            name=str(d.get("filename", "")),
            signature=str(d.get("signature", "")),
        )
    ],
    "reply": lambda d, _: (
        [gettext("Reply by: %(channel)s", channel=labels.REPLY_CHANNELS[d["channel"]])]
        if d.get("channel") in labels.REPLY_CHANNELS
        else []
    ),
}
"""Each kind of event's details as short sentences (the template escapes them)."""


def event_lines(event: ComplaintEvent, lookups: Lookups, agencies: dict[str, str]) -> list[str]:
    """The event's details in sentences; none for a kind without any, or a bad detail."""
    try:
        detail = json.loads(event.detail or "{}")
    except ValueError:
        detail = {}
    describe = EVENT_LINES.get(event.kind)
    if describe is None or not isinstance(detail, dict):
        return []
    return describe(detail, _Names(lookups, agencies))


def agency_names() -> dict[str, str]:
    """Every agency's name by code: public information (``/api/v1/agencies``), needed to
    say where a case went or came from."""
    rows = (
        get_session()
        .execute(unscoped(select(Agency), "agency names for a case's transfer history"))
        .scalars()
    )
    return {a.code: local_name(a) for a in rows}


def case_page(
    case: Complaint,
    *,
    posted: dict[str, VersionedForm] | None = None,
    message: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    """The case page. ``posted``: refused forms shown again as typed; ``message``: what
    an action did; ``error``: why an action was refused, when no field of its form says
    it (the page's error summary links it to the posted form)."""
    actor = staff_actor()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    db = get_session()
    may_manage = allowed(actor, MANAGE, case.agency_id)
    hidden = case.destroyed_at is not None or (case.restricted_at is not None and not may_manage)
    lookups = lookups_for(case.agency_id)
    agency = db.execute(
        scoped(select(Agency).where(col(Agency.id) == case.agency_id), READ)
    ).scalar_one()
    category = db.execute(
        scoped(select(ComplaintCategory).where(col(ComplaintCategory.id) == case.category_id), READ)
    ).scalar_one_or_none()
    who = None if hidden else complainant.identity(db, case, actor)
    events = [] if hidden else rows_of(db, ComplaintEvent, case)
    files = [] if hidden else rows_of(db, ComplaintAttachment, case)
    names = agency_names()
    lines = {e.id: event_lines(e, lookups, names) for e in events}
    transferred_in = next((e for e in events if e.kind == "transferred_in"), None)
    transferred_out = next((e for e in reversed(events) if e.kind == "transfer_agency"), None)
    forms: dict[str, VersionedForm] = {}
    for action in available_actions(case, actor):
        if posted and action in posted:
            forms[action] = posted[action]
        else:
            forms[action] = blank_form(action, case, lookups)
    if "reply" in forms and not (posted and "reply" in posted):
        forms["reply"].body.data = reply_draft(category, case, agency, who)
    restrict_form = None
    if may_manage and case.restricted_at is None and case.destroyed_at is None:
        restrict_form = (posted or {}).get("restrict") or RestrictForm(
            prefix="restrict", formdata=None
        )
        restrict_form.version.data = case.version
    last_reply = next((e for e in reversed(events) if e.kind == "reply"), None)
    return render_template(
        "complaints/cases/case.html",
        actor=actor,
        case=case,
        lang_page=("cases.detail", {"case_id": case.id}),
        agency=agency,
        category=category,
        who=who,
        hidden=hidden,
        events=events,
        lines=lines,
        files=files,
        lookups=lookups,
        due=due_marker(app, db, case.agency_id, {category.id: category} if category else {})(case),
        forms=forms,
        restrict_form=restrict_form,
        destroyable=may_manage and retention.destroyable(case, records.today_for(app)),
        may_manage=may_manage,
        may_release=allowed(actor, HANDLE, case.agency_id) and case.destroyed_at is None,
        scanner=scanning.scanner_for(app),
        message=message,
        undelivered=0 if hidden else outbox.failed_about(db, notices.reference(case), READ),
        error=error,
        error_form=next(iter(posted or {}), None),
        transferred_in=transferred_in,
        transferred_in_lines=lines.get(transferred_in.id) if transferred_in else [],
        transferred_out=transferred_out,
        transferred_out_lines=lines.get(transferred_out.id) if transferred_out else [],
        last_reply=last_reply,
        placeholders=placeholder_list(),
        staff_names={u.id: u.display_name for u in lookups.staff.values()},
        name=local_name,
        local_time=clock.local_text,
    ), status
