"""Complaint settings in the staff console: the agency's policy and categories
(``/staff/cases/settings``, ``cases.manage``) and the working-day calendar
(``/staff/calendar``, ``calendar.manage``).

Every change is audited as a configuration change, in the transaction that makes
it. A change to the deadlines or to the calendar moves the due dates of the open
cases it touches, recomputed in the same transaction (``records.refresh_due``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col
from wtforms import BooleanField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import Regexp

from collector.access import audit
from collector.access.guard import unscoped
from collector.access.identity import current_actor
from collector.access.permissions import allowed
from collector.access.permissions import require
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.complaints import calendars
from collector.complaints import labels
from collector.complaints import lifecycle
from collector.complaints import records
from collector.complaints import scanning
from collector.complaints.replies import placeholder_list
from collector.complaints.staff_forms import StaffForm
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import gettext
from collector.core.models import DAY_KINDS
from collector.core.models import CalendarDay
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintPolicy
from collector.core.models import Unit
from collector.core.models import User
from collector.core.workdays import SpecialDay
from collector.core.workdays import WorkCalendar
from collector.core.workdays import taiwan_calendar

bp = Blueprint("case_settings", __name__, template_folder="../templates")
staff_area(bp)

MANAGE = "cases.manage"
CALENDAR = "calendar.manage"
CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


def _name(row: Any) -> str:
    if row is None:
        return "—"
    return row.name_en if current_language() == "en" else row.name_zh


def _own_agency(actor: Actor, action: str) -> int:
    """The agency the actor configures: its own (these pages never act on others)."""
    if actor.agency_id is None or not allowed(actor, action, actor.agency_id):
        abort(403)
    return actor.agency_id


def recompute_open_cases(
    app: Any, session: Session, agency_ids: list[int] | None, **where: Any
) -> int:
    """Recompute the due date of every open case of ``agency_ids`` (None: every agency);
    ``where`` narrows by column (``category_id=...``). Returns how many moved."""
    statement = select(Complaint).where(
        col(Complaint.status).in_(lifecycle.OPEN),
        col(Complaint.destroyed_at).is_(None),
    )
    if agency_ids is not None:
        statement = statement.where(col(Complaint.agency_id).in_(agency_ids))
    for column, value in where.items():
        statement = statement.where(getattr(Complaint, column) == value)
    moved = 0
    rows = session.execute(
        unscoped(statement, "recompute due dates after a deadline or calendar change")
    ).scalars()
    for case in list(rows):
        before = case.due_on
        records.refresh_due(app, session, case)
        if case.due_on != before:
            session.add(case)
            moved += 1
    session.flush()
    return moved


# -- policy and categories ---------------------------------------------------------------


class PolicyForm(StaffForm):
    deadline_days = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=365)])
    day_kind = SelectField(validators=[InputRequired()])
    due_soon_days = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=60)])
    accept_anonymous = BooleanField()
    followup = BooleanField()


def _day_kind_choices(blank: bool) -> list[tuple[str, str]]:
    options = [(k, str(labels.DAY_KINDS[k])) for k in DAY_KINDS]
    return ([("", gettext("The agency's rule"))] if blank else []) + options


def _policy_snapshot(policy: ComplaintPolicy) -> dict[str, Any]:
    return {
        "deadline_days": policy.deadline_days,
        "day_kind": policy.day_kind,
        "due_soon_days": policy.due_soon_days,
        "accept_anonymous": policy.accept_anonymous,
        "followup": policy.followup,
    }


def _save_policy(actor: Actor, agency_id: int, form: PolicyForm) -> int:
    """Store the agency's policy, audited, and move its open cases' due dates (how many)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    with _write_session() as wdb:
        statement = select(ComplaintPolicy).where(col(ComplaintPolicy.agency_id) == agency_id)
        row = wdb.execute(scoped(statement, MANAGE, actor)).scalar_one_or_none()
        row = row or ComplaintPolicy(agency_id=agency_id)
        before = _policy_snapshot(row)
        row.deadline_days = int(form.deadline_days.data or 30)
        row.day_kind = form.day_kind.data or "calendar"
        row.due_soon_days = int(form.due_soon_days.data or 0)
        row.accept_anonymous = bool(form.accept_anonymous.data)
        row.followup = bool(form.followup.data)
        wdb.add(row)
        wdb.flush()
        moved = recompute_open_cases(app, wdb, [agency_id])
        audit.record(
            wdb,
            "complaint.policy_changed",
            actor=actor,
            agency_id=agency_id,
            target=f"agency:{agency_id}",
            detail={"before": before, "after": _policy_snapshot(row), "moved": moved},
        )
        wdb.commit()
    return moved


@bp.route("/staff/cases/settings", methods=["GET", "POST"])
def settings() -> Any:
    actor = require(MANAGE, any_agency=True)
    agency_id = _own_agency(actor, MANAGE)
    db = get_session()
    policy = db.execute(
        scoped(select(ComplaintPolicy).where(col(ComplaintPolicy.agency_id) == agency_id), MANAGE)
    ).scalar_one_or_none() or ComplaintPolicy(agency_id=agency_id)
    form = PolicyForm(obj=policy if request.method == "GET" else None)
    form.day_kind.choices = _day_kind_choices(blank=False)
    if request.method == "POST" and form.validate():
        moved = _save_policy(actor, agency_id, form)
        return redirect(url_for("case_settings.settings", saved=1, moved=moved), code=303)
    status = 422 if request.method == "POST" else 200
    categories = list(
        db.execute(
            scoped(
                select(ComplaintCategory)
                .where(col(ComplaintCategory.agency_id) == agency_id)
                .order_by(col(ComplaintCategory.code)),
                MANAGE,
            )
        ).scalars()
    )
    return render_template(
        "complaints/cases/settings.html",
        actor=current_actor(),
        form=form,
        policy=policy,
        categories=categories,
        saved=request.args.get("saved") == "1",
        moved=request.args.get("moved", ""),
        name=_name,
        may_calendar=allowed(actor, CALENDAR, agency_id),
        scanner=scanning.scanner_for(),
    ), status


class CategoryForm(StaffForm):
    code = StringField(validators=[InputRequired(), Length(max=32), Regexp(CODE_PATTERN)])
    name_zh = StringField(validators=[InputRequired(), Length(max=100)])
    name_en = StringField(validators=[InputRequired(), Length(max=100)])
    deadline_days = IntegerField(validators=[Optional(), NumberRange(min=1, max=365)])
    day_kind = SelectField(default="")
    unit = SelectField(default="")
    handler = SelectField(default="")
    retention_class = SelectField(validators=[InputRequired()])
    reply_template_zh = TextAreaField(validators=[Optional(), Length(max=20000)])
    reply_template_en = TextAreaField(validators=[Optional(), Length(max=20000)])
    active = BooleanField(default=True)


def _category_form(agency_id: int, category: ComplaintCategory | None) -> CategoryForm:
    db = get_session()
    form = CategoryForm(obj=category if request.method == "GET" and category else None)
    units = db.execute(
        scoped(
            select(Unit).where(col(Unit.agency_id) == agency_id).order_by(col(Unit.code)), MANAGE
        )
    ).scalars()
    handlers = db.execute(
        scoped(
            select(User)
            .where(
                col(User.agency_id) == agency_id,
                col(User.active).is_(True),
                col(User.role).in_(("case_handler", "agency_admin")),
            )
            .order_by(col(User.email)),
            MANAGE,
        )
    ).scalars()
    form.day_kind.choices = _day_kind_choices(blank=True)
    form.unit.choices = [("", gettext("(none)"))] + [
        (str(u.id), f"{_name(u)} ({u.code})") for u in units
    ]
    form.handler.choices = [("", gettext("(none)"))] + [
        (str(u.id), f"{u.display_name} <{u.email}>") for u in handlers
    ]
    classes: dict[str, int | None] = current_app.config["COMPLAINT_RETENTION_YEARS"]
    form.retention_class.choices = [
        (
            name,
            gettext("%(name)s (%(years)s years)", name=name, years=years)
            if years
            else gettext("%(name)s (kept permanently)", name=name),
        )
        for name, years in classes.items()
    ]
    if request.method == "GET":
        if category is not None:
            form.day_kind.data = category.day_kind or ""
            form.unit.data = str(category.unit_id) if category.unit_id else ""
            form.handler.data = str(category.handler_id) if category.handler_id else ""
        else:
            form.retention_class.data = "standard" if "standard" in classes else next(iter(classes))
    if category is not None:
        form.code.data = category.code  # fixed after creation (cases and reports use it)
    return form


def _category_snapshot(row: ComplaintCategory) -> dict[str, Any]:
    return {
        "code": row.code,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "deadline_days": row.deadline_days,
        "day_kind": row.day_kind,
        "unit_id": row.unit_id,
        "handler_id": row.handler_id,
        "retention_class": row.retention_class,
        "reply_template_zh": row.reply_template_zh,
        "reply_template_en": row.reply_template_en,
        "active": row.active,
    }


def _category_page(actor: Actor, category: ComplaintCategory | None) -> Any:
    agency_id = category.agency_id if category is not None else _own_agency(actor, MANAGE)
    form = _category_form(agency_id, category)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
            try:
                with _write_session() as wdb:
                    if category is None:
                        row = ComplaintCategory(
                            agency_id=agency_id,
                            code=form.code.data,  # type: ignore[arg-type]  # InputRequired, and the form is valid
                            name_zh="",
                            name_en="",
                        )
                        before: dict[str, Any] | None = None
                    else:
                        row = get_scoped(wdb, ComplaintCategory, category.id, MANAGE)
                        before = _category_snapshot(row)
                    row.name_zh = (form.name_zh.data or "").strip()
                    row.name_en = (form.name_en.data or "").strip()
                    row.deadline_days = form.deadline_days.data
                    row.day_kind = form.day_kind.data or None
                    row.unit_id = int(form.unit.data) if form.unit.data else None
                    row.handler_id = int(form.handler.data) if form.handler.data else None
                    row.retention_class = form.retention_class.data or "standard"
                    row.reply_template_zh = form.reply_template_zh.data or ""
                    row.reply_template_en = form.reply_template_en.data or ""
                    row.active = bool(form.active.data)
                    wdb.add(row)
                    wdb.flush()
                    moved = 0
                    if category is not None:
                        moved = recompute_open_cases(app, wdb, [agency_id], category_id=row.id)
                    audit.record(
                        wdb,
                        "complaint.category_created"
                        if category is None
                        else "complaint.category_changed",
                        actor=actor,
                        agency_id=agency_id,
                        target=f"complaint_category:{row.id}",
                        detail={"before": before, "after": _category_snapshot(row), "moved": moved},
                    )
                    wdb.commit()
            except IntegrityError:
                form.code.errors = [*form.code.errors, gettext("The agency already has this code.")]
            else:
                return redirect(url_for("case_settings.settings", saved=1, moved=moved), code=303)
    return render_template(
        "complaints/cases/category.html",
        actor=actor,
        form=form,
        category=category,
        placeholders=placeholder_list(),
    ), status


@bp.route("/staff/cases/settings/categories/new", methods=["GET", "POST"])
def category_new() -> Any:
    actor = require(MANAGE, any_agency=True)
    return _category_page(actor, None)


@bp.route("/staff/cases/settings/categories/<int:category_id>", methods=["GET", "POST"])
def category_edit(category_id: int) -> Any:
    category = get_scoped(get_session(), ComplaintCategory, category_id, MANAGE)
    actor = current_actor()
    assert actor is not None
    return _category_page(actor, category)


# -- the working-day calendar -----------------------------------------------------------------


class DayForm(StaffForm):
    day = DateField(validators=[InputRequired()])
    working = SelectField(validators=[InputRequired()])
    name_zh = StringField(validators=[InputRequired(), Length(max=100)])
    name_en = StringField(validators=[InputRequired(), Length(max=100)])


def _national(actor: Actor) -> bool:
    """A system administrator edits the national calendar; an agency its own days."""
    return actor.agency_id is None and allowed(actor, CALENDAR, None)


def _base_calendar(actor: Actor, db: Session) -> WorkCalendar:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    if actor.agency_id is not None:
        return calendars.calendar_for(app, db, actor.agency_id)
    # The national calendar as every agency gets it (calendars.calendar_for), without an
    # agency's own days: the bundled data, the fallback years, the edited national days.
    base = taiwan_calendar()
    extra = frozenset(range(max(base.years) + 1, max(base.years) + 1 + calendars.FALLBACK_YEARS))
    calendar = WorkCalendar(
        name=base.name,
        years=base.years | extra,
        days=base.days,
        provisional_years=base.provisional_years | extra,
    )
    days = [
        SpecialDay(
            day=r.day,
            kind="workday" if r.working else "holiday",
            name_zh=r.name_zh,
            name_en=r.name_en,
        )
        for r in _national_rows(db)
        if r.day.year in calendar.years
    ]
    return calendar.merged(days) if days else calendar


def _national_rows(db: Session) -> list[CalendarDay]:
    return list(
        db.execute(
            unscoped(
                select(CalendarDay)
                .where(col(CalendarDay.agency_id).is_(None))
                .order_by(col(CalendarDay.day)),
                "the national calendar's edited days (public information)",
            )
        ).scalars()
    )


def _edited_rows(actor: Actor, db: Session) -> list[CalendarDay]:
    """The rows this actor edits: national ones (system) or the agency's own."""
    if _national(actor):
        return _national_rows(db)
    return list(
        db.execute(
            scoped(
                select(CalendarDay)
                .where(col(CalendarDay.agency_id) == actor.agency_id)
                .order_by(col(CalendarDay.day)),
                CALENDAR,
            )
        ).scalars()
    )


def _agencies_to_recompute(actor: Actor) -> list[int] | None:
    """A national change moves every agency's due dates; an agency's, its own."""
    return None if _national(actor) else [actor.agency_id]  # type: ignore[list-item]  # not national: the view's _own_agency() saw its agency


def _shown_year(base: WorkCalendar, today: date) -> int:
    """The year asked for (``?year=``) when the calendar covers it, else this year, else
    the last year covered."""
    arg = request.args.get("year", "")
    wanted = int(arg) if arg.isascii() and arg.isdigit() and len(arg) == 4 else 0
    if wanted in base.years:
        return wanted
    return today.year if today.year in base.years else max(base.years)


def _add_day(actor: Actor, db: Session, form: DayForm, base: WorkCalendar) -> Any:
    """Store the posted day (and move the open cases' due dates); a redirect, or None
    with the problem on the form."""
    day: date = form.day.data  # type: ignore[assignment]  # InputRequired, and the form is valid
    years = sorted(base.years)
    taken = gettext("This day is already edited: remove it first.")
    if day.year not in base.years:
        message = gettext(
            "The date must be in %(first)s to %(last)s.", first=years[0], last=years[-1]
        )
        form.day.errors = [*form.day.errors, message]
        return None
    if any(r.day == day for r in _edited_rows(actor, db)):
        form.day.errors = [*form.day.errors, taken]
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    agency_id = None if _national(actor) else actor.agency_id
    try:
        with _write_session() as wdb:
            row = CalendarDay(
                agency_id=agency_id,
                day=day,
                working=form.working.data == "1",
                name_zh=(form.name_zh.data or "").strip(),
                name_en=(form.name_en.data or "").strip(),
            )
            wdb.add(row)
            wdb.flush()
            moved = recompute_open_cases(app, wdb, _agencies_to_recompute(actor))
            detail = {"day": day.isoformat(), "working": row.working, "moved": moved}
            audit.record(
                wdb,
                "calendar.day_added",
                actor=actor,
                agency_id=agency_id,
                target=f"calendar_day:{row.id}",
                detail={**detail, "name_zh": row.name_zh, "name_en": row.name_en},
            )
            wdb.commit()
    except IntegrityError:
        form.day.errors = [*form.day.errors, taken]
        return None
    return redirect(url_for("case_settings.calendar", year=day.year, moved=moved), code=303)


@bp.route("/staff/calendar", methods=["GET", "POST"])
def calendar() -> Any:
    actor = require(CALENDAR, any_agency=True)
    if not _national(actor):
        _own_agency(actor, CALENDAR)
    db = get_session()
    base = _base_calendar(actor, db)
    year = _shown_year(base, records.today_for(current_app._get_current_object()))  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    form = DayForm()
    form.working.choices = [("0", gettext("Day off")), ("1", gettext("Working day (make-up)"))]
    status = 200
    if request.method == "POST":
        status = 422
        added = _add_day(actor, db, form, base) if form.validate() else None
        if added is not None:
            return added
    edited = {r.day: r for r in _edited_rows(actor, db)}
    national = {r.day: r for r in _national_rows(db)} if not _national(actor) else {}
    only_rows = [
        r for r in edited.values() if r.day.year == year and base.special_day(r.day) is None
    ]
    return render_template(
        "complaints/cases/calendar.html",
        actor=actor,
        form=form,
        year=year,
        years=sorted(base.years),
        provisional=year in base.provisional_years,
        days=[d for d in base if d.day.year == year],
        edited=edited,
        national=national,
        only_rows=only_rows,
        is_national=_national(actor),
        days_off=len(base.days_off(year)),
        moved=request.args.get("moved", ""),
        language=current_language(),
    ), status


@bp.post("/staff/calendar/days/<int:day_id>/delete")
def calendar_delete(day_id: int) -> Any:
    row = get_scoped(get_session(), CalendarDay, day_id, CALENDAR)
    actor = current_actor()
    assert actor is not None
    if request.form.get("day") != row.day.isoformat():
        abort(400)  # the form names the day it removes: a bare POST removes nothing
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    with _write_session() as wdb:
        fresh = get_scoped(wdb, CalendarDay, day_id, CALENDAR)
        detail = {
            "day": fresh.day.isoformat(),
            "working": fresh.working,
            "name_zh": fresh.name_zh,
            "name_en": fresh.name_en,
        }
        agency_id = fresh.agency_id
        wdb.delete(fresh)
        wdb.flush()
        moved = recompute_open_cases(app, wdb, None if agency_id is None else [agency_id])
        audit.record(
            wdb,
            "calendar.day_removed",
            actor=actor,
            agency_id=agency_id,
            target=f"calendar_day:{day_id}",
            detail={**detail, "moved": moved},
        )
        wdb.commit()
    return redirect(url_for("case_settings.calendar", year=row.day.year, moved=moved), code=303)


@bp.post("/staff/calendar/recompute")
def calendar_recompute() -> Any:
    """Recompute the due dates of the open cases this actor's calendar governs."""
    actor = require(CALENDAR, any_agency=True)
    if not _national(actor):
        _own_agency(actor, CALENDAR)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    with _write_session() as wdb:
        moved = recompute_open_cases(app, wdb, _agencies_to_recompute(actor))
        audit.record(
            wdb,
            "complaint.due_dates_recomputed",
            actor=actor,
            agency_id=actor.agency_id,
            target="calendar",
            detail={"moved": moved},
        )
        wdb.commit()
    return redirect(url_for("case_settings.calendar", moved=moved), code=303)
