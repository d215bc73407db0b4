"""Complaint cases in the staff console (``/staff/cases``): the handler's queue,
intake of complaints received by phone, at the counter, by letter or e-mail, the
case page with the actions its status allows, attachments, the printable reply
letter, restriction and destruction.

Every view runs behind ``collector.access.sessions.staff_area``. Cases are read through
``collector.access.scoped`` (``cases.read``) and one case is fetched with ``get_scoped``
(404 for another agency's). Each action runs in one write transaction: the case
is fetched again inside it, the service (``collector.complaints.service``) checks
the state machine and the form's ``version`` (a stale form changes nothing), and
the complainant's notices are sent only after the commit.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import case as sql_case
from sqlalchemy import func, or_, select
from sqlmodel import Session
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from collector.access import audit
from collector.access.guard import unscoped
from collector.access.identity import current_actor
from collector.access.permissions import allowed, require
from collector.access.scoped import get_scoped, scoped
from collector.access.security import csrf
from collector.access.sessions import staff_area
from collector.complaints import (
    attachments,
    calendars,
    complainant,
    lifecycle,
    notices,
    records,
    retention,
)
from collector.complaints.deadlines import clock_state, days_left
from collector.complaints.service import CaseService
from collector.core import clock
from collector.core.db import get_engine, get_session, writing
from collector.core.forms import LocalisedForm
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language, translate
from collector.core.mail import Mail
from collector.core.models import (
    COMPLAINT_STATUSES,
    OUTCOMES,
    Agency,
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintPolicy,
    Unit,
    User,
)
from collector.core.numbers import whole_number

bp = Blueprint("cases", __name__, url_prefix="/staff/cases", template_folder="../templates")
staff_area(bp)

READ = "cases.read"
HANDLE = "cases.handle"
INTAKE = "cases.intake"
MANAGE = "cases.manage"

PAGE_SIZE = 50
INTAKE_CHANNELS = ("phone", "counter", "letter", "email")
ORAL_CHANNELS = ("phone", "counter")
INTAKE_DONE_KEY = "cases_intake_done"
INTAKE_DONE_KEEP = 20
"""The last intake forms saved in this session (form token -> case id): a form sent
twice records one case."""
CASE_LANGUAGES = ("zh-Hant-TW", "en")
HANDLER_ROLES = ("case_handler", "agency_admin")
PLACEHOLDERS = ("case_number", "name", "subject", "received_on", "agency")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def _policy(db: Session, agency_id: int, action: str) -> ComplaintPolicy:
    """The agency's complaint policy (the defaults when it has none), read scoped."""
    row = db.execute(
        scoped(select(ComplaintPolicy).where(ComplaintPolicy.agency_id == agency_id), action)
    ).scalar_one_or_none()
    return row if row is not None else ComplaintPolicy(agency_id=agency_id)


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None  # staff_area
    return actor


def _t(key: str, **params: Any) -> str:
    return translate(key, current_language(), **params)


def _name(row: Agency | Unit | ComplaintCategory | None) -> str:
    if row is None:
        return "—"
    return row.name_en if current_language() == "en" else row.name_zh


# -- reply templates -------------------------------------------------------------


def placeholder_list() -> str:
    """The placeholders as staff type them: ``{case_number} {name} ...``."""
    return " ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def fill_template(template: str, values: dict[str, str]) -> str:
    """The template with its placeholders (``{case_number}``, ``{name}``, ``{subject}``,
    ``{received_on}``, ``{agency}``) replaced by plain text.

    Only those five names are replaced, by a literal substitution: no attribute or
    index access, no format specification (``{name.__class__}`` or ``{name:>999999}``
    stay as typed), and an unknown ``{...}`` is left alone.
    """
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)


def _template_values(
    case: Complaint, agency: Agency | None, who: complainant.Identity | None
) -> dict[str, str]:
    english = case.language.startswith("en")
    name = who.name if who is not None and not who.withheld and who.name else None
    return {
        "case_number": case.case_number,
        "name": name or ("complainant" if english else "陳情人"),
        "subject": case.subject,
        "received_on": case.received_on.isoformat(),
        "agency": (agency.name_en if english else agency.name_zh) if agency else "",
    }


def reply_draft(
    category: ComplaintCategory | None,
    case: Complaint,
    agency: Agency | None,
    who: complainant.Identity | None,
) -> str:
    if category is None:
        return ""
    english = case.language.startswith("en")
    template = category.reply_template_en if english else category.reply_template_zh
    return fill_template(template or "", _template_values(case, agency, who))


# -- forms ------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(value: Any) -> Any:
    """Text without control characters (NUL, which PostgreSQL refuses, among them);
    tabs and line breaks stay."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


class StaffForm(LocalisedForm):
    """A staff form whose text fields drop control characters before validation and
    whose validation messages are in the interface language."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            if issubclass(unbound_field.field_class, StringField):  # TextAreaField too
                filters = unbound_field.kwargs.get("filters", ())
                options["filters"] = (strip_controls, *filters)
            return unbound_field.bind(form=form, **options)


class VersionedForm(StaffForm):
    """Every action's form carries the case's version (optimistic concurrency)."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


def _reason(required: bool = True) -> TextAreaField:
    checks = [InputRequired()] if required else [Optional()]
    return TextAreaField(validators=[*checks, Length(max=2000)])


class AssignForm(VersionedForm):
    unit = SelectField(default="")
    handler = SelectField(default="")
    reason = _reason(required=False)


class StartForm(VersionedForm):
    pass


class DeclineForm(VersionedForm):
    ground = SelectField(validators=[InputRequired()])
    reason = _reason()


class ReasonForm(VersionedForm):
    reason = _reason()


class TextForm(VersionedForm):
    text = TextAreaField(validators=[InputRequired(), Length(max=20000)])


class ExtendForm(VersionedForm):
    days = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=365)])
    reason = _reason()


class TransferUnitForm(VersionedForm):
    unit = SelectField(validators=[InputRequired()])
    reason = _reason()


class TransferAgencyForm(VersionedForm):
    category = SelectField(validators=[InputRequired()])
    reason = _reason()


class ReplyForm(VersionedForm):
    body = TextAreaField(validators=[InputRequired(), Length(max=20000)])


class CloseForm(VersionedForm):
    outcome = SelectField(validators=[InputRequired()])
    reason = _reason(required=False)


class MergeForm(VersionedForm):
    into = StringField(validators=[InputRequired(), Length(max=40)])
    reason = _reason()


class RestrictForm(VersionedForm):
    reason = _reason()


class DestroyForm(VersionedForm):
    confirm_number = StringField(validators=[InputRequired(), Length(max=40)])
    reason = _reason()


ACTION_FORMS: dict[str, type[VersionedForm]] = {
    "assign": AssignForm,
    "start": StartForm,
    "decline": DeclineForm,
    "request_supplement": ReasonForm,
    "supplement_received": TextForm,
    "extend": ExtendForm,
    "transfer_unit": TransferUnitForm,
    "transfer_agency": TransferAgencyForm,
    "reply": ReplyForm,
    "close": CloseForm,
    "reopen": ReasonForm,
    "merge": MergeForm,
    "note": TextForm,
}
"""The case page's action forms, keyed by ``lifecycle.TRANSITIONS`` action (also the prefix)."""

ERROR_FIELDS = {
    "case_reason_required": "reason",
    "case_bad_extension": "days",
    "case_bad_unit": "unit",
    "case_assign_nobody": "unit",
    "case_bad_handler": "handler",
    "case_bad_ground": "ground",
    "case_bad_outcome": "outcome",
    "case_bad_merge": "into",
    "cs_merge_not_found": "into",
    "case_reply_required": "body",
    "case_note_required": "text",
    "case_supplement_required": "text",
    "case_bad_category": "category",
    "case_same_agency": "category",
    "case_not_destroyable": "confirm_number",
    "cs_confirm_number": "confirm_number",
}
"""Which field shows a ``CaseError`` (by key); others are shown above the forms."""


@dataclass
class Lookups:
    """Names for the case page: the agency's units and handlers, every agency."""

    units: dict[int, Unit]
    handlers: dict[int, User]
    staff: dict[int, User]

    def unit_choices(self, blank: bool) -> list[tuple[str, str]]:
        options = [(str(u.id), f"{_name(u)} ({u.code})") for u in self.units.values()]
        return ([("", _t("cs_none"))] if blank else []) + options

    def handler_choices(self) -> list[tuple[str, str]]:
        options = [
            (str(u.id), f"{u.display_name} <{u.email}>") for u in self.handlers.values() if u.active
        ]
        return [("", _t("cs_none")), *options]


def _lookups(agency_id: int) -> Lookups:
    db = get_session()
    units = db.execute(
        scoped(select(Unit).where(Unit.agency_id == agency_id).order_by(Unit.code), READ)  # type: ignore[arg-type]
    ).scalars()
    staff = list(
        db.execute(
            scoped(select(User).where(User.agency_id == agency_id).order_by(User.email), READ)  # type: ignore[arg-type]
        ).scalars()
    )
    return Lookups(
        units={u.id: u for u in units},  # type: ignore[misc]
        handlers={u.id: u for u in staff if u.role in HANDLER_ROLES},  # type: ignore[misc]
        staff={u.id: u for u in staff},  # type: ignore[misc]
    )


def _transfer_choices(own_agency_id: int) -> dict[str, list[tuple[str, str]]]:
    """Active categories of every other agency on this deployment, grouped by agency.

    Names of agencies and categories are not personal data; a handler must see
    where a case can go even though it cannot see anything else of that agency.
    """
    db = get_session()
    rows = db.execute(
        unscoped(
            select(ComplaintCategory, Agency)
            .join(Agency, Agency.id == ComplaintCategory.agency_id)  # type: ignore[arg-type]
            .where(
                ComplaintCategory.agency_id != own_agency_id,
                ComplaintCategory.active.is_(True),  # type: ignore[attr-defined]
            )
            .order_by(Agency.code, ComplaintCategory.code),
            "transfer destinations: names of other agencies' complaint categories",
        )
    ).all()
    groups: dict[str, list[tuple[str, str]]] = {}
    for category, agency in rows:
        label = f"{_name(agency)} ({agency.code})"
        groups.setdefault(label, []).append(
            (str(category.id), f"{_name(category)} ({category.code})")
        )
    return groups


def _prepare(form: VersionedForm, action: str, case: Complaint, lookups: Lookups) -> None:
    """Choices, and on first display the defaults, of one action form."""
    if isinstance(form, AssignForm):
        form.unit.choices = lookups.unit_choices(blank=True)
        form.handler.choices = lookups.handler_choices()
    elif isinstance(form, TransferUnitForm):
        form.unit.choices = [
            c for c in lookups.unit_choices(blank=False) if c[0] != str(case.unit_id)
        ]
    elif isinstance(form, DeclineForm):
        form.ground.choices = [(g, _t(f"cs_ground_{g}")) for g in lifecycle.DECLINE_GROUNDS]
    elif isinstance(form, CloseForm):
        form.outcome.choices = [(o, _t(f"cs_outcome_{o}")) for o in OUTCOMES]
    elif isinstance(form, TransferAgencyForm):
        form.category.choices = _transfer_choices(case.agency_id)  # type: ignore[assignment]


def _blank_form(action: str, case: Complaint, lookups: Lookups) -> VersionedForm:
    form = ACTION_FORMS[action](prefix=action, formdata=None)
    form.version.data = case.version
    _prepare(form, action, case, lookups)
    if isinstance(form, AssignForm):
        form.unit.data = str(case.unit_id) if case.unit_id else ""
        form.handler.data = str(case.handler_id) if case.handler_id else ""
    return form


def _error_to_form(form: FlaskForm, key: str) -> str | None:
    """Put a CaseError's message on its field; return it when no field shows it."""
    message = _t(key)
    field = getattr(form, ERROR_FIELDS.get(key, ""), None)
    if field is not None:
        field.errors = [*field.errors, message]
        return None
    return message


# -- the deadline as staff see it ---------------------------------------------------


@dataclass(frozen=True)
class DueMark:
    state: str  # ClockState value, or "" for a case whose clock does not run
    days: int | None
    working: bool = False  # days counted in working days (the deadline's kind)


def _due_marker(
    app: Any, db: Session, agency_id: int, categories: dict[int, ComplaintCategory]
) -> Callable[[Complaint], DueMark]:
    """A function giving a case its clock state on the agency's calendar and policy,
    and the days left in the kind of days its deadline counts."""
    today = records.today_for(app)
    calendar = calendars.calendar_for(app, db, agency_id)
    policy = _policy(db, agency_id, READ)

    def mark(case: Complaint) -> DueMark:
        if case.status not in lifecycle.OPEN or case.destroyed_at is not None:
            return DueMark("", None)
        category = categories.get(case.category_id)
        kind = (category.day_kind if category is not None else None) or policy.day_kind
        working = kind == "working"
        try:
            state = clock_state(
                case.due_on,
                today,
                calendar,
                due_soon_within=policy.due_soon_days,
                paused=case.status == "awaiting_supplement",
            )
            left = days_left(case.due_on, today, calendar, "working" if working else "calendar")
        except LookupError:  # a date beyond the calendar's data: show the date alone
            return DueMark("", None)
        return DueMark(state.value, left, working)

    return mark


# -- the queue ------------------------------------------------------------------------


def _rows_of(db: Session, model: Any, case: Complaint) -> list[Any]:
    """A case's events or attachments, oldest first, read scoped."""
    statement = select(model).where(model.complaint_id == case.id).order_by(model.id)
    return list(db.execute(scoped(statement, READ)).scalars())


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name, ""))


@bp.get("")
def queue() -> Any:
    actor = require(READ, any_agency=True)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = get_session()
    may_manage = allowed(actor, MANAGE, actor.agency_id)
    today = records.today_for(app)
    default_scope = "mine" if actor.role == "case_handler" else "all"
    who = request.args.get("who", default_scope)
    if who not in ("mine", "unit", "all"):
        who = default_scope
    status = request.args.get("status", "open")
    if status not in ("open", "any", *COMPLAINT_STATUSES):
        status = "open"
    category_id = _int_arg("category")
    unit_id = _int_arg("unit")
    overdue = request.args.get("overdue") == "1"
    restricted = may_manage and request.args.get("restricted") == "1"
    retention_ended = may_manage and request.args.get("retention") == "1"
    page = max(1, min(_int_arg("page") or 1, 100_000))

    lookups = _lookups(actor.agency_id) if actor.agency_id is not None else Lookups({}, {}, {})
    units = lookups.units
    my_units: list[int] = []
    if who == "unit":
        if unit_id is not None and unit_id in units:
            my_units = [unit_id]
        else:
            # "My unit": the units of the cases assigned to me that are still open.
            my_units = [
                u
                for u in db.execute(
                    scoped(
                        select(Complaint.unit_id)
                        .where(
                            Complaint.handler_id == actor.user_id,
                            Complaint.unit_id.is_not(None),  # type: ignore[union-attr]
                            Complaint.status.in_(lifecycle.OPEN),  # type: ignore[attr-defined]
                        )
                        .distinct(),
                        READ,
                    )
                ).scalars()
                if u is not None
            ]

    conditions: list[Any] = [Complaint.destroyed_at.is_(None)]  # type: ignore[union-attr]
    if restricted:
        conditions.append(Complaint.restricted_at.is_not(None))  # type: ignore[union-attr]
    else:
        conditions.append(Complaint.restricted_at.is_(None))  # type: ignore[union-attr]
    if who == "mine":  # my cases, and the agency's cases nobody has taken yet
        conditions.append(
            or_(Complaint.handler_id == actor.user_id, Complaint.handler_id.is_(None))  # type: ignore[union-attr]
        )
    elif who == "unit":
        conditions.append(Complaint.unit_id.in_(my_units or [-1]))  # type: ignore[union-attr]
    if status == "open":
        conditions.append(Complaint.status.in_(lifecycle.OPEN))  # type: ignore[attr-defined]
    elif status != "any":
        conditions.append(Complaint.status == status)
    if category_id is not None:
        conditions.append(Complaint.category_id == category_id)
    if overdue:
        conditions.append(Complaint.status.in_(lifecycle.OPEN))  # type: ignore[attr-defined]
        conditions.append(Complaint.due_on < today)
    if retention_ended:
        conditions.append(Complaint.retain_until.is_not(None))  # type: ignore[union-attr]
        conditions.append(Complaint.retain_until <= today)  # type: ignore[operator]

    total = db.execute(
        scoped(select(func.count()).select_from(Complaint).where(*conditions), READ)
    ).scalar_one()
    open_first = sql_case((Complaint.status.in_(lifecycle.OPEN), 0), else_=1)  # type: ignore[attr-defined]
    rows = list(
        db.execute(
            scoped(
                select(Complaint)
                .where(*conditions)
                .order_by(open_first, Complaint.due_on, Complaint.id)  # type: ignore[arg-type]
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE),
                READ,
            )
        ).scalars()
    )
    categories = {
        c.id: c
        for c in db.execute(
            scoped(select(ComplaintCategory).order_by(ComplaintCategory.code), READ)  # type: ignore[arg-type]
        ).scalars()
    }
    marks: dict[int, DueMark] = {}
    markers: dict[int, Callable[[Complaint], DueMark]] = {}
    for row in rows:
        if row.agency_id not in markers:
            markers[row.agency_id] = _due_marker(app, db, row.agency_id, categories)
        marks[row.id] = markers[row.agency_id](row)  # type: ignore[index]
    pages = max(1, -(-total // PAGE_SIZE))
    params = {
        k: v
        for k, v in {
            "who": who,
            "status": status,
            "category": category_id,
            "unit": unit_id if who == "unit" else None,
            "overdue": "1" if overdue else None,
            "restricted": "1" if restricted else None,
            "retention": "1" if retention_ended else None,
        }.items()
        if v is not None
    }
    return render_template(
        "complaints/cases/queue.html",
        actor=actor,
        rows=rows,
        marks=marks,
        categories=categories,
        units=units,
        handlers=lookups.staff,
        total=total,
        page=page,
        pages=pages,
        params=params,
        who=who,
        status=status,
        category_id=category_id,
        unit_id=unit_id,
        overdue=overdue,
        restricted=restricted,
        retention_ended=retention_ended,
        statuses=COMPLAINT_STATUSES,
        may_manage=may_manage,
        may_intake=allowed(actor, INTAKE, actor.agency_id),
        name=_name,
    )


# -- intake ------------------------------------------------------------------------------


class IntakeForm(StaffForm):
    channel = SelectField(validators=[InputRequired()])
    category = SelectField(validators=[InputRequired()])
    language = SelectField(default="zh-Hant-TW", validators=[InputRequired()])
    subject = StringField(validators=[InputRequired(), Length(max=200)])
    description = TextAreaField(validators=[InputRequired(), Length(max=20000)])
    location = StringField(validators=[Optional(), Length(max=300)])
    anonymous = BooleanField()
    confidential = BooleanField()
    name = StringField(validators=[Optional(), Length(max=100)])
    email = EmailField(validators=[Optional(), Length(max=254)])
    phone = StringField(validators=[Optional(), Length(max=40)])
    address = StringField(validators=[Optional(), Length(max=300)])
    reply_channel = SelectField(default="email", validators=[InputRequired()])
    read_back_of = StringField(widget=HiddenInput(), validators=[Optional(), Length(max=64)])
    intake_token = StringField(
        widget=HiddenInput(), validators=[InputRequired(), Length(min=16, max=64)]
    )
    read_back_confirmed = BooleanField()
    attachments = MultipleFileField()


def _intake_fingerprint(form: IntakeForm) -> str:
    """What was read back: a change after the read-back needs a new read-back."""
    content = [
        form.channel.data,
        form.category.data,
        form.subject.data,
        form.description.data,
        form.location.data,
        form.name.data,
        form.email.data,
        form.phone.data,
        form.address.data,
        form.reply_channel.data,
        bool(form.anonymous.data),
        bool(form.confidential.data),
    ]
    text = json.dumps([("" if v is None else v) for v in content], ensure_ascii=False)
    key = str(current_app.config["SECRET_KEY"])
    return hashlib.sha256(f"{key}\x00read-back\x00{text}".encode()).hexdigest()


def _intake_categories(agency_id: int) -> list[ComplaintCategory]:
    statement = (
        select(ComplaintCategory)
        .where(
            ComplaintCategory.agency_id == agency_id,
            ComplaintCategory.active.is_(True),  # type: ignore[attr-defined]
        )
        .order_by(ComplaintCategory.code)
    )
    return list(get_session().execute(scoped(statement, INTAKE)).scalars())


def _limits() -> dict[str, Any]:
    lim = attachments.limits()
    return {"accept": attachments.ACCEPT, "max_files": lim.max_files, "max_size": lim.max_size}


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    actor = require(INTAKE, any_agency=True)
    if actor.agency_id is None or not allowed(actor, INTAKE, actor.agency_id):
        abort(403)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if request.method == "POST":
        # A letter or an e-mail may come with files: this form may carry them (the app's
        # limit is for survey answers). The form checks its own CSRF token (the global
        # check, which would read the body first, is off for this view).
        request.max_content_length = attachments.request_limit(app)
    categories = _intake_categories(actor.agency_id)
    form = IntakeForm()
    form.channel.choices = [(c, _t(f"cs_channel_{c}")) for c in INTAKE_CHANNELS]
    form.category.choices = [(str(c.id), f"{_name(c)} ({c.code})") for c in categories]
    form.language.choices = [(code, _t(f"cs_language_{code}")) for code in CASE_LANGUAGES]
    form.reply_channel.choices = [
        (c, _t(f"cs_reply_{c}")) for c in ("email", "letter", "phone", "none")
    ]
    if request.method == "GET":
        form.intake_token.data = secrets.token_hex(16)
        return render_template(
            "complaints/cases/intake.html", actor=actor, form=form, read_back=False, **_limits()
        )
    if not form.validate():
        status = 400 if form.csrf_token.errors else 422
        return render_template(
            "complaints/cases/intake.html",
            actor=actor,
            form=form,
            read_back=False,
            expired=bool(form.csrf_token.errors),
            **_limits(),
        ), status
    policy_db = get_session()
    policy = _policy(policy_db, actor.agency_id, INTAKE)
    errors = False
    if form.anonymous.data and not policy.accept_anonymous:
        form.anonymous.errors = [*form.anonymous.errors, _t("cs_anonymous_refused")]
        errors = True
    if not form.anonymous.data:
        if form.reply_channel.data == "email" and not form.email.data:
            form.email.errors = [*form.email.errors, _t("cs_email_needed")]
            errors = True
        if form.reply_channel.data == "letter" and not form.address.data:
            form.address.errors = [*form.address.errors, _t("cs_address_needed")]
            errors = True
        if form.reply_channel.data == "phone" and not form.phone.data:
            form.phone.errors = [*form.phone.errors, _t("cs_phone_needed")]
            errors = True
    if errors:
        return render_template(
            "complaints/cases/intake.html", actor=actor, form=form, read_back=False, **_limits()
        ), 422
    oral = form.channel.data in ORAL_CHANNELS
    fingerprint = _intake_fingerprint(form)
    if oral and (form.read_back_of.data != fingerprint or not form.read_back_confirmed.data):
        # Show the complaint back as a script; saving needs the confirmation box ticked
        # on this exact content.
        if form.read_back_of.data == fingerprint and not form.read_back_confirmed.data:
            form.read_back_confirmed.errors = [_t("case_read_back_required")]
        form.read_back_of.data = fingerprint
        form.read_back_confirmed.data = False
        category = next((c for c in categories if str(c.id) == form.category.data), None)
        return render_template(
            "complaints/cases/intake.html",
            actor=actor,
            form=form,
            read_back=True,
            category_name=_name(category),
            **_limits(),
        ), (422 if form.read_back_confirmed.errors else 200)
    done = session.get(INTAKE_DONE_KEY) or {}
    if isinstance(done, dict) and form.intake_token.data in done:
        # The same form sent again (a reload, a double click): the case exists already.
        earlier = (
            get_session()
            .execute(
                scoped(
                    select(Complaint).where(Complaint.id == done[form.intake_token.data]), INTAKE
                )
            )
            .scalar_one_or_none()
        )
        if earlier is not None:
            return render_template(
                "complaints/cases/created.html",
                actor=actor,
                case=earlier,
                password=None,
                notice_sent=False,
                may_read=allowed(actor, READ, earlier.agency_id),
            )
    prepared, refused = attachments.prepare_all(form.attachments.data or [], 0, app)
    if refused:
        form.attachments.errors = [e.text(current_language()) for e in refused]
        return render_template(
            "complaints/cases/intake.html", actor=actor, form=form, read_back=False, **_limits()
        ), 422
    stored: list[ComplaintAttachment] = []
    try:
        with _write_session() as wdb:
            agency = wdb.execute(
                scoped(select(Agency).where(Agency.id == actor.agency_id), INTAKE, actor)
            ).scalar_one()
            category = wdb.execute(
                scoped(
                    select(ComplaintCategory).where(
                        ComplaintCategory.id == int(form.category.data or 0)
                    ),
                    INTAKE,
                    actor,
                )
            ).scalar_one_or_none()
            if category is None:
                raise lifecycle.CaseError("case_bad_category", "no such category")
            filed = CaseService(app, wdb, actor).new_case(
                agency=agency,
                category=category,
                subject=form.subject.data or "",
                description=form.description.data or "",
                channel=form.channel.data or "",
                language=form.language.data or "zh-Hant-TW",
                location=form.location.data,
                anonymous=bool(form.anonymous.data),
                confidential=bool(form.confidential.data),
                name=form.name.data,
                email=form.email.data,
                phone=form.phone.data,
                address=form.address.data,
                reply_channel=form.reply_channel.data or "email",
                read_back_confirmed=True if oral else None,
            )
            stored = attachments.store(
                wdb, filed.case, prepared, uploaded_by=actor.user_id, app=app
            )
            audit.record(
                wdb,
                "complaint.intake",
                actor=actor,
                agency_id=agency.id,
                target=f"complaint:{filed.case.id}",
                detail={
                    "channel": filed.case.channel,
                    "case_number": filed.case.case_number,
                    "attachments": len(stored),
                },
            )
            wdb.commit()
    except lifecycle.CaseError as exc:
        attachments.delete_files(stored, app)
        field = {
            "case_bad_category": form.category,
            "case_content_required": form.description,
            "case_read_back_required": form.read_back_confirmed,
        }.get(exc.key, form.subject)
        field.errors = [*field.errors, _t(exc.key)]
        return render_template(
            "complaints/cases/intake.html", actor=actor, form=form, read_back=False, **_limits()
        ), 422
    except BaseException:
        attachments.delete_files(stored, app)
        raise
    remembered = (
        dict(list(done.items())[-(INTAKE_DONE_KEEP - 1) :]) if isinstance(done, dict) else {}
    )
    remembered[form.intake_token.data or ""] = filed.case.id
    session[INTAKE_DONE_KEY] = remembered
    sent = notices.send_notices(app, filed.mails)
    return render_template(
        "complaints/cases/created.html",
        actor=actor,
        case=filed.case,
        password=filed.password,
        notice_sent=sent and bool(filed.mails),
        may_read=allowed(actor, READ, filed.case.agency_id),
    )


csrf.exempt(new)  # the form checks its token itself, after raising the body limit


# -- one case ------------------------------------------------------------------------------


def _available(case: Complaint, actor: Actor) -> list[str]:
    """The actions the case's status allows, in the page's order."""
    if (
        case.destroyed_at is not None
        or case.restricted_at is not None
        or not allowed(actor, HANDLE, case.agency_id)
    ):
        return []
    return [a for a in ACTION_FORMS if case.status in lifecycle.TRANSITIONS[a][0]]


def _event_lines(
    event: ComplaintEvent, lookups: Lookups, agency_names: dict[str, str]
) -> list[str]:
    """The event's details as short sentences (the template escapes them)."""
    try:
        detail = json.loads(event.detail or "{}")
    except ValueError:
        detail = {}
    if not isinstance(detail, dict):
        return []
    lines: list[str] = []

    def unit_name(value: Any) -> str:
        unit = lookups.units.get(value) if isinstance(value, int) else None
        return _name(unit) if unit else "—"

    def staff_name(value: Any) -> str:
        user = lookups.staff.get(value) if isinstance(value, int) else None
        return user.display_name if user else "—"

    kind = event.kind
    if kind == "received":
        if detail.get("channel"):
            lines.append(_t("cs_detail_channel", channel=_t(f"cs_channel_{detail['channel']}")))
        if detail.get("anonymous"):
            lines.append(_t("cs_anonymous"))
        if detail.get("confidential"):
            lines.append(_t("cs_confidential"))
    elif kind == "assign":
        lines.append(
            _t(
                "cs_detail_assign",
                unit=unit_name(detail.get("unit_id")),
                handler=staff_name(detail.get("handler_id")),
            )
        )
    elif kind == "transfer_unit":
        lines.append(
            _t(
                "cs_detail_transfer_unit",
                old=unit_name(detail.get("from_unit_id")),
                new=unit_name(detail.get("unit_id")),
            )
        )
    elif kind == "decline" and detail.get("ground") in lifecycle.DECLINE_GROUNDS:
        lines.append(_t(f"cs_ground_{detail['ground']}"))
    elif kind == "extend":
        lines.append(
            _t(
                "cs_detail_extend",
                days=str(detail.get("days", "")),
                old=str(detail.get("old_due_on", "")),
                new=str(detail.get("new_due_on", "")),
            )
        )
    elif kind == "transfer_agency":
        code = str(detail.get("agency_code", ""))
        lines.append(_t("cs_detail_transfer_agency", agency=agency_names.get(code, code)))
    elif kind == "transferred_in":
        code = str(detail.get("from_agency_code", ""))
        lines.append(
            _t(
                "cs_transferred_in",
                agency=agency_names.get(code, code),
                number=str(detail.get("from_case_number", "")),
            )
        )
    elif kind == "close" and detail.get("outcome") in OUTCOMES:
        lines.append(_t(f"cs_outcome_{detail['outcome']}"))
    elif kind == "merge":
        lines.append(_t("cs_detail_merged_into", number=str(detail.get("into_case_number", ""))))
    elif kind == "merged_in":
        lines.append(_t("cs_detail_merged_in", number=str(detail.get("case_number", ""))))
    elif kind == "reply" and detail.get("channel"):
        lines.append(_t("cs_detail_reply_channel", channel=_t(f"cs_reply_{detail['channel']}")))
    return lines


def _agency_names() -> dict[str, str]:
    """Every agency's name by code: public information (``/api/v1/agencies``), needed to
    say where a case went or came from."""
    rows = (
        get_session()
        .execute(unscoped(select(Agency), "agency names for a case's transfer history"))
        .scalars()
    )
    return {a.code: _name(a) for a in rows}


def _case_page(
    case: Complaint,
    *,
    posted: dict[str, VersionedForm] | None = None,
    message: str | None = None,
    status: int = 200,
) -> Any:
    actor = _actor()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = get_session()
    may_manage = allowed(actor, MANAGE, case.agency_id)
    hidden = case.destroyed_at is not None or (case.restricted_at is not None and not may_manage)
    lookups = _lookups(case.agency_id)
    agency = db.execute(
        scoped(select(Agency).where(Agency.id == case.agency_id), READ)
    ).scalar_one()
    category = db.execute(
        scoped(select(ComplaintCategory).where(ComplaintCategory.id == case.category_id), READ)
    ).scalar_one_or_none()
    who = None if hidden else complainant.identity(db, case, actor)
    events = [] if hidden else _rows_of(db, ComplaintEvent, case)
    files = [] if hidden else _rows_of(db, ComplaintAttachment, case)
    names = _agency_names()
    lines = {e.id: _event_lines(e, lookups, names) for e in events}
    transferred_in = next((e for e in events if e.kind == "transferred_in"), None)
    transferred_out = next((e for e in reversed(events) if e.kind == "transfer_agency"), None)
    forms: dict[str, VersionedForm] = {}
    for action in _available(case, actor):
        if posted and action in posted:
            forms[action] = posted[action]
        else:
            forms[action] = _blank_form(action, case, lookups)
    if "reply" in forms and not (posted and "reply" in posted):
        forms["reply"].body.data = reply_draft(category, case, agency, who)  # type: ignore[attr-defined]
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
        due=_due_marker(app, db, case.agency_id, {category.id: category} if category else {})(case),
        forms=forms,
        restrict_form=restrict_form,
        destroyable=may_manage and retention.destroyable(case, records.today_for(app)),
        may_manage=may_manage,
        message=message,
        transferred_in=transferred_in,
        transferred_in_lines=lines.get(transferred_in.id) if transferred_in else [],
        transferred_out=transferred_out,
        transferred_out_lines=lines.get(transferred_out.id) if transferred_out else [],
        last_reply=last_reply,
        placeholders=placeholder_list(),
        staff_names={u.id: u.display_name for u in lookups.staff.values()},
        name=_name,
        local_time=clock.local_text,
    ), status


@bp.get("/<int:case_id>")
def detail(case_id: int) -> Any:
    case = get_scoped(get_session(), Complaint, case_id, READ)
    done = request.args.get("done", "")
    message = _t(f"cs_done_{done}") if done in (*ACTION_FORMS, "restrict") else None
    if request.args.get("unsent") == "1":
        message = f"{message or ''} {_t('cs_notice_not_sent')}".strip()
    return _case_page(case, message=message)


def _run(
    action: str, form: VersionedForm, wdb: Session, case: Complaint, actor: Actor
) -> list[Mail]:
    """One action on ``case`` (fetched in ``wdb``'s write transaction)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    version = form.version.data
    f: Any = form
    if action == "assign":
        return CaseService(app, wdb, actor).assign(
            case,
            unit_id=int(f.unit.data) if f.unit.data else None,
            handler_id=int(f.handler.data) if f.handler.data else None,
            reason=f.reason.data or "",
            expected_version=version,
        )
    if action == "start":
        return CaseService(app, wdb, actor).start(case, expected_version=version)
    if action == "decline":
        return CaseService(app, wdb, actor).decline(
            case, ground=f.ground.data, reason=f.reason.data, expected_version=version
        )
    if action == "request_supplement":
        return CaseService(app, wdb, actor).request_supplement(
            case, reason=f.reason.data, expected_version=version
        )
    if action == "supplement_received":
        return CaseService(app, wdb, actor).resume(case, text=f.text.data, expected_version=version)
    if action == "extend":
        return CaseService(app, wdb, actor).extend(
            case, days=f.days.data, reason=f.reason.data, expected_version=version
        )
    if action == "transfer_unit":
        return CaseService(app, wdb, actor).transfer_to_unit(
            case, unit_id=int(f.unit.data), reason=f.reason.data, expected_version=version
        )
    if action == "transfer_agency":
        category = wdb.execute(
            unscoped(
                select(ComplaintCategory).where(ComplaintCategory.id == int(f.category.data)),
                "the receiving agency's category of a transfer",
            )
        ).scalar_one_or_none()
        agency = (
            wdb.execute(
                unscoped(
                    select(Agency).where(Agency.id == category.agency_id),
                    "the receiving agency of a transfer",
                )
            ).scalar_one_or_none()
            if category is not None
            else None
        )
        if category is None or agency is None:
            raise lifecycle.CaseError("case_bad_category", "no such category")
        _copy, mails = CaseService(app, wdb, actor).transfer_to_agency(
            case, agency=agency, category=category, reason=f.reason.data, expected_version=version
        )
        return mails
    if action == "reply":
        return CaseService(app, wdb, actor).reply(case, body=f.body.data, expected_version=version)
    if action == "close":
        return CaseService(app, wdb, actor).close(
            case, outcome=f.outcome.data, reason=f.reason.data or "", expected_version=version
        )
    if action == "reopen":
        return CaseService(app, wdb, actor).reopen(
            case, reason=f.reason.data, expected_version=version
        )
    if action == "merge":
        number = records.normalise_case_number(f.into.data or "")
        into = wdb.execute(
            scoped(select(Complaint).where(Complaint.case_number == number), HANDLE, actor)
        ).scalar_one_or_none()
        if into is None or into.destroyed_at is not None:
            raise lifecycle.CaseError("cs_merge_not_found", "no such case in this agency")
        return CaseService(app, wdb, actor).merge(
            case, into=into, reason=f.reason.data, expected_version=version
        )
    if action == "note":
        return CaseService(app, wdb, actor).note(case, text=f.text.data, expected_version=version)
    raise AssertionError(action)


@bp.post("/<int:case_id>/act")
def act(case_id: int) -> Any:
    """Every action of the case page: ``action`` names it, its form is prefixed by it."""
    case = get_scoped(get_session(), Complaint, case_id, HANDLE)
    actor = _actor()
    action = request.form.get("action", "")
    if action not in ACTION_FORMS:
        abort(400)
    form = ACTION_FORMS[action](prefix=action)
    _prepare(form, action, case, _lookups(case.agency_id))
    if not form.validate():
        return _case_page(case, posted={action: form}, status=422)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with _write_session() as wdb:
            fresh = get_scoped(wdb, Complaint, case_id, HANDLE)
            lifecycle.check_version(fresh, form.version.data)
            if fresh.restricted_at is not None or fresh.destroyed_at is not None:
                raise lifecycle.CaseError("case_action_not_allowed", "restricted")
            mails = _run(action, form, wdb, fresh, actor)
            wdb.commit()
    except lifecycle.StaleCase as exc:
        get_session().expire_all()
        case = get_scoped(get_session(), Complaint, case_id, READ)
        return _case_page(case, message=_t(exc.key), status=409)
    except lifecycle.CaseError as exc:
        get_session().expire_all()
        case = get_scoped(get_session(), Complaint, case_id, READ)
        message = _error_to_form(form, exc.key)
        form.version.data = case.version if message is None else form.version.data
        return _case_page(case, posted={action: form}, message=message, status=422)
    sent = notices.send_notices(app, mails)
    query: dict[str, str] = {"done": action}
    if not sent:
        query["unsent"] = "1"
    return redirect(url_for("cases.detail", case_id=case_id, **query) + "#history", code=303)


# -- attachments and letters ---------------------------------------------------------------


@bp.get("/<int:case_id>/attachments/<int:att_id>")
def attachment(case_id: int, att_id: int) -> Any:
    db = get_session()
    case = get_scoped(db, Complaint, case_id, READ)
    att = get_scoped(db, ComplaintAttachment, att_id, READ)
    if att.complaint_id != case.id or case.destroyed_at is not None:
        abort(404)
    if case.restricted_at is not None and not allowed(_actor(), MANAGE, case.agency_id):
        abort(404)
    audit.log(
        "complaint.attachment_viewed",
        agency_id=case.agency_id,
        target=f"complaint:{case.id}",
        detail={"attachment": att.id, "filename": att.filename},
    )
    return attachments.send_attachment(att)


@bp.get("/<int:case_id>/letter")
def letter(case_id: int) -> Any:
    """The reply as a letter to print (no script; the page's print styles hide the rest)."""
    db = get_session()
    case = get_scoped(db, Complaint, case_id, READ)
    actor = _actor()
    if case.destroyed_at is not None or (
        case.restricted_at is not None and not allowed(actor, MANAGE, case.agency_id)
    ):
        abort(404)
    reply = db.execute(
        scoped(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == case.id, ComplaintEvent.kind == "reply")
            .order_by(ComplaintEvent.id.desc())  # type: ignore[union-attr]
            .limit(1),
            READ,
        )
    ).scalar_one_or_none()
    agency = db.execute(
        scoped(select(Agency).where(Agency.id == case.agency_id), READ)
    ).scalar_one()
    who = complainant.identity(db, case, actor) if reply is not None else None
    english = case.language.startswith("en")
    return render_template(
        "complaints/cases/letter.html",
        actor=actor,
        case=case,
        agency=agency,
        reply=reply,
        who=who,
        english=english,
        letter_lang="en" if english else "zh-Hant-TW",
        dated=clock.local_date(reply.at).isoformat() if reply is not None else "",
    )


# -- retention -------------------------------------------------------------------------------


@bp.post("/<int:case_id>/restrict")
def restrict(case_id: int) -> Any:
    """A deletion request: the case stays (an official record) but leaves every list."""
    case = get_scoped(get_session(), Complaint, case_id, MANAGE)
    actor = _actor()
    form = RestrictForm(prefix="restrict")
    if not form.validate():
        return _case_page(case, posted={"restrict": form}, status=422)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with _write_session() as wdb:
            fresh = get_scoped(wdb, Complaint, case_id, MANAGE)
            lifecycle.check_version(fresh, form.version.data)
            CaseService(app, wdb, actor).restrict(fresh, reason=form.reason.data or "")
            wdb.commit()
    except lifecycle.StaleCase as exc:
        get_session().expire_all()
        return _case_page(
            get_scoped(get_session(), Complaint, case_id, READ), message=_t(exc.key), status=409
        )
    except lifecycle.CaseError as exc:
        message = _error_to_form(form, exc.key)
        return _case_page(case, posted={"restrict": form}, message=message, status=422)
    return redirect(url_for("cases.detail", case_id=case_id, done="restrict"), code=303)


@bp.route("/<int:case_id>/destroy", methods=["GET", "POST"])
def destroy(case_id: int) -> Any:
    """Approved destruction after the retention period: a separate, confirmed step."""
    case = get_scoped(get_session(), Complaint, case_id, MANAGE)
    actor = _actor()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    form = DestroyForm(prefix="destroy")
    if request.method == "GET":
        form.version.data = case.version
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            if records.normalise_case_number(form.confirm_number.data or "") != case.case_number:
                _error_to_form(form, "cs_confirm_number")
            else:
                try:
                    with _write_session() as wdb:
                        fresh = get_scoped(wdb, Complaint, case_id, MANAGE)
                        lifecycle.check_version(fresh, form.version.data)
                        names = CaseService(app, wdb, actor).destroy(
                            fresh, reason=form.reason.data or ""
                        )
                        wdb.commit()
                except lifecycle.StaleCase as exc:
                    form.confirm_number.errors = [*form.confirm_number.errors, _t(exc.key)]
                except lifecycle.CaseError as exc:
                    message = _error_to_form(form, exc.key)
                    if message:
                        form.confirm_number.errors = [*form.confirm_number.errors, message]
                else:
                    # The rows are gone with the commit; now the files.
                    attachments.delete_files(names, app)
                    return redirect(url_for("cases.detail", case_id=case_id), code=303)
    return render_template(
        "complaints/cases/destroy.html",
        actor=actor,
        case=case,
        form=form,
        destroyable=retention.destroyable(case, records.today_for(app)),
    ), status
