"""Complaint cases in the staff console (``/staff/cases``): the handler's queue, the
case page with the actions its status allows (``case_actions.ACTIONS``), attachments,
the printable reply letter, restriction and destruction. Intake is in ``intake``.

Every view runs behind ``collector.access.sessions.staff_area``. Cases are read through
``collector.access.scoped`` (``cases.read``) and one case is fetched with ``get_scoped``
(404 for another agency's). Each action runs in one write transaction: the case
is fetched again inside it, the service (``collector.complaints.service``) checks
the state machine and the form's ``version`` (a stale form changes nothing), and
the complainant's notices are sent only after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import case as sql_case
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.permissions import allowed
from collector.access.permissions import require
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.complaints import attachments
from collector.complaints import complainant
from collector.complaints import labels
from collector.complaints import lifecycle
from collector.complaints import notices
from collector.complaints import records
from collector.complaints import retention
from collector.complaints.replies import letter_lines
from collector.complaints.service import CaseService
from collector.complaints.staff_forms import ACTION_FORMS
from collector.complaints.staff_forms import DestroyForm
from collector.complaints.staff_forms import RestrictForm
from collector.complaints.views.case_actions import ACTIONS
from collector.complaints.views.case_page import HANDLE
from collector.complaints.views.case_page import INTAKE
from collector.complaints.views.case_page import MANAGE
from collector.complaints.views.case_page import READ
from collector.complaints.views.case_page import DueMark
from collector.complaints.views.case_page import Lookups
from collector.complaints.views.case_page import case_page
from collector.complaints.views.case_page import due_marker
from collector.complaints.views.case_page import error_to_form
from collector.complaints.views.case_page import keep_for_retry
from collector.complaints.views.case_page import local_name
from collector.complaints.views.case_page import lookups_for
from collector.complaints.views.case_page import prepare_form
from collector.complaints.views.case_page import staff_actor
from collector.complaints.views.case_page import write_session
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import gettext
from collector.core.models import COMPLAINT_STATUSES
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintEvent
from collector.core.models import Unit
from collector.core.numbers import whole_number

bp = Blueprint("cases", __name__, url_prefix="/staff/cases", template_folder="../templates")
staff_area(bp)


PAGE_SIZE = 50


# -- reply templates -------------------------------------------------------------


# -- forms ------------------------------------------------------------------------


# -- the deadline as staff see it ---------------------------------------------------


# -- the queue ------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name, ""))


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows, from the address (unknown values fall back to defaults)."""

    who: str  # mine | unit | all
    status: str  # open | any | a status
    category_id: int | None
    unit_id: int | None
    overdue: bool
    restricted: bool  # only restricted cases (case managers)
    retention_ended: bool  # only cases whose retention has ended (case managers)
    page: int

    @classmethod
    def from_request(cls, actor: Actor, may_manage: bool) -> QueueFilter:
        default_scope = "mine" if actor.role == "case_handler" else "all"
        who = request.args.get("who", default_scope)
        status = request.args.get("status", "open")
        return cls(
            who=who if who in ("mine", "unit", "all") else default_scope,
            status=status if status in ("open", "any", *COMPLAINT_STATUSES) else "open",
            category_id=_int_arg("category"),
            unit_id=_int_arg("unit"),
            overdue=request.args.get("overdue") == "1",
            restricted=may_manage and request.args.get("restricted") == "1",
            retention_ended=may_manage and request.args.get("retention") == "1",
            page=max(1, min(_int_arg("page") or 1, 100_000)),
        )

    def conditions(self, actor: Actor, today: date, my_units: list[int]) -> list[Any]:
        """The ``WHERE`` of the queue (scoped to the actor's agencies by the caller)."""
        restricted = col(Complaint.restricted_at)
        found: list[Any] = [col(Complaint.destroyed_at).is_(None)]
        found.append(restricted.is_not(None) if self.restricted else restricted.is_(None))
        if self.who == "mine":  # my cases, and the agency's cases nobody has taken yet
            handler = col(Complaint.handler_id)
            found.append(or_(handler == actor.user_id, handler.is_(None)))
        elif self.who == "unit":
            found.append(col(Complaint.unit_id).in_(my_units or [-1]))
        open_status = col(Complaint.status).in_(lifecycle.OPEN)
        if self.status == "open":
            found.append(open_status)
        elif self.status != "any":
            found.append(col(Complaint.status) == self.status)
        if self.category_id is not None:
            found.append(col(Complaint.category_id) == self.category_id)
        if self.overdue:
            found += [open_status, col(Complaint.due_on) < today]
        if self.retention_ended:
            retain = col(Complaint.retain_until)
            found += [retain.is_not(None), retain <= today]
        return found

    def params(self) -> dict[str, Any]:
        """The filter as address parameters, for the page links."""
        values = {
            "who": self.who,
            "status": self.status,
            "category": self.category_id,
            "unit": self.unit_id if self.who == "unit" else None,
            "overdue": "1" if self.overdue else None,
            "restricted": "1" if self.restricted else None,
            "retention": "1" if self.retention_ended else None,
        }
        return {k: v for k, v in values.items() if v is not None}


def _my_units(db: Session, actor: Actor, chosen: int | None, units: dict[int, Unit]) -> list[int]:
    """The unit chosen, else "my unit": the units of my cases that are still open."""
    if chosen is not None and chosen in units:
        return [chosen]
    statement = (
        select(col(Complaint.unit_id))
        .where(
            col(Complaint.handler_id) == actor.user_id,
            col(Complaint.unit_id).is_not(None),
            col(Complaint.status).in_(lifecycle.OPEN),
        )
        .distinct()
    )
    return [u for u in db.execute(scoped(statement, READ)).scalars() if u is not None]


def _due_marks(
    app: Any, db: Session, rows: list[Complaint], categories: dict[int, ComplaintCategory]
) -> dict[int, DueMark]:
    """Each case's deadline mark, on its own agency's calendar and policy."""
    markers: dict[int, Callable[[Complaint], DueMark]] = {}
    marks: dict[int, DueMark] = {}
    for row in rows:
        if row.agency_id not in markers:
            markers[row.agency_id] = due_marker(app, db, row.agency_id, categories)
        marks[row.id] = markers[row.agency_id](row)  # type: ignore[index]  # stored rows: their ids are set
    return marks


@bp.get("")
def queue() -> Any:
    actor = require(READ, any_agency=True)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    db = get_session()
    may_manage = allowed(actor, MANAGE, actor.agency_id)
    shown = QueueFilter.from_request(actor, may_manage)
    lookups = lookups_for(actor.agency_id) if actor.agency_id is not None else Lookups({}, {}, {})
    my_units = _my_units(db, actor, shown.unit_id, lookups.units) if shown.who == "unit" else []
    conditions = shown.conditions(actor, records.today_for(app), my_units)
    total = db.execute(
        scoped(select(func.count()).select_from(Complaint).where(*conditions), READ)
    ).scalar_one()
    open_first = sql_case((col(Complaint.status).in_(lifecycle.OPEN), 0), else_=1)
    ordered = (
        select(Complaint)
        .where(*conditions)
        .order_by(open_first, col(Complaint.due_on), col(Complaint.id))
        .limit(PAGE_SIZE)
        .offset((shown.page - 1) * PAGE_SIZE)
    )
    rows = list(db.execute(scoped(ordered, READ)).scalars())
    every_category = select(ComplaintCategory).order_by(col(ComplaintCategory.code))
    categories = {c.id: c for c in db.execute(scoped(every_category, READ)).scalars()}
    return render_template(
        "complaints/cases/queue.html",
        actor=actor,
        rows=rows,
        marks=_due_marks(app, db, rows, categories),
        categories=categories,
        units=lookups.units,
        handlers=lookups.staff,
        total=total,
        page=shown.page,
        pages=max(1, -(-total // PAGE_SIZE)),
        params=shown.params(),
        who=shown.who,
        status=shown.status,
        category_id=shown.category_id,
        unit_id=shown.unit_id,
        overdue=shown.overdue,
        restricted=shown.restricted,
        retention_ended=shown.retention_ended,
        statuses=COMPLAINT_STATUSES,
        may_manage=may_manage,
        may_intake=allowed(actor, INTAKE, actor.agency_id),
        name=local_name,
    )


# -- one case ------------------------------------------------------------------------------


@bp.get("/<int:case_id>")
def detail(case_id: int) -> Any:
    case = get_scoped(get_session(), Complaint, case_id, READ)
    done = request.args.get("done", "")
    message = str(labels.DONE[done]) if done in (*ACTION_FORMS, "restrict", "release") else None
    return case_page(case, message=message)


@bp.post("/<int:case_id>/act")
def act(case_id: int) -> Any:
    """Every action of the case page: ``action`` names it, its form is prefixed by it."""
    case = get_scoped(get_session(), Complaint, case_id, HANDLE)
    actor = staff_actor()
    action = request.form.get("action", "")
    if action not in ACTION_FORMS:
        abort(400)
    form = ACTION_FORMS[action](prefix=action)
    prepare_form(form, action, case, lookups_for(case.agency_id))
    if not form.validate():
        return case_page(case, posted={action: form}, status=422)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    try:
        with write_session() as wdb:
            fresh = get_scoped(wdb, Complaint, case_id, HANDLE)
            lifecycle.check_version(fresh, form.version.data)
            if fresh.restricted_at is not None or fresh.destroyed_at is not None:
                raise lifecycle.CaseError("case_action_not_allowed", "restricted")
            service = CaseService(app, wdb, actor)
            mails = ACTIONS[action](service, fresh, form, form.version.data)
            queued = notices.queue(wdb, app, mails)
            wdb.commit()
    except lifecycle.StaleCase as exc:
        get_session().expire_all()
        case = get_scoped(get_session(), Complaint, case_id, READ)
        posted = {action: keep_for_retry(form, case)}
        return case_page(case, posted=posted, error=str(labels.CASE_ERRORS[exc.key]), status=409)
    except lifecycle.CaseError as exc:
        get_session().expire_all()
        case = get_scoped(get_session(), Complaint, case_id, READ)
        error = error_to_form(form, exc.key)
        return case_page(case, posted={action: form}, error=error, status=422)
    notices.deliver(app, queued)
    return redirect(url_for("cases.detail", case_id=case_id, done=action) + "#history", code=303)


# -- attachments and letters ---------------------------------------------------------------


def _case_file(case_id: int, att_id: int, action: str) -> tuple[Complaint, ComplaintAttachment]:
    """The case and one of its files, for ``action``; 404 for a file of another case, of a
    destroyed case, or of a restricted one (except for case managers)."""
    db = get_session()
    case = get_scoped(db, Complaint, case_id, action)
    att = get_scoped(db, ComplaintAttachment, att_id, action)
    if att.complaint_id != case.id or case.destroyed_at is not None:
        abort(404)
    if case.restricted_at is not None and not allowed(staff_actor(), MANAGE, case.agency_id):
        abort(404)
    return case, att


@bp.get("/<int:case_id>/attachments/<int:att_id>")
def attachment(case_id: int, att_id: int) -> Any:
    case, att = _case_file(case_id, att_id, READ)
    if not attachments.servable(att):
        return render_template(
            "error.html",
            title=gettext("This file is held for review"),
            body=gettext(
                "No virus scanner has checked this file, so it is not served. A case handler can release it on the case page once it has been checked another way."
            ),
        ), 409
    audit.log(
        "complaint.attachment_viewed",
        agency_id=case.agency_id,
        target=f"complaint:{case.id}",
        detail={"attachment": att.id, "filename": att.filename},
    )
    return attachments.send_attachment(att)


@bp.post("/<int:case_id>/attachments/<int:att_id>/release")
def release_attachment(case_id: int, att_id: int) -> Any:
    """Serve a file that no scanner checked: a handler's decision, audited. The form names
    the file's SHA-256, so a bare POST releases nothing."""
    _, att = _case_file(case_id, att_id, HANDLE)
    if request.form.get("sha256") != att.sha256:
        abort(400)
    with write_session() as wdb:
        attachments.release(
            wdb, get_scoped(wdb, ComplaintAttachment, att_id, HANDLE), staff_actor()
        )
        wdb.commit()
    return redirect(url_for("cases.detail", case_id=case_id, done="release") + "#files", code=303)


@bp.get("/<int:case_id>/letter")
def letter(case_id: int) -> Any:
    """The reply as a letter to print (no script; the page's print styles hide the rest)."""
    db = get_session()
    case = get_scoped(db, Complaint, case_id, READ)
    actor = staff_actor()
    if case.destroyed_at is not None or (
        case.restricted_at is not None and not allowed(actor, MANAGE, case.agency_id)
    ):
        abort(404)
    reply = db.execute(
        scoped(
            select(ComplaintEvent)
            .where(col(ComplaintEvent.complaint_id) == case.id, col(ComplaintEvent.kind) == "reply")
            .order_by(col(ComplaintEvent.id).desc())
            .limit(1),
            READ,
        )
    ).scalar_one_or_none()
    agency = db.execute(
        scoped(select(Agency).where(col(Agency.id) == case.agency_id), READ)
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
        letter=letter_lines(case, reply, english),
    )


# -- retention -------------------------------------------------------------------------------


@bp.post("/<int:case_id>/restrict")
def restrict(case_id: int) -> Any:
    """A deletion request: the case stays (an official record) but leaves every list."""
    case = get_scoped(get_session(), Complaint, case_id, MANAGE)
    actor = staff_actor()
    form = RestrictForm(prefix="restrict")
    if not form.validate():
        return case_page(case, posted={"restrict": form}, status=422)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    try:
        with write_session() as wdb:
            fresh = get_scoped(wdb, Complaint, case_id, MANAGE)
            lifecycle.check_version(fresh, form.version.data)
            CaseService(app, wdb, actor).restrict(fresh, reason=form.reason.data or "")
            wdb.commit()
    except lifecycle.StaleCase as exc:
        get_session().expire_all()
        case = get_scoped(get_session(), Complaint, case_id, READ)
        posted = {"restrict": keep_for_retry(form, case)}
        return case_page(case, posted=posted, error=str(labels.CASE_ERRORS[exc.key]), status=409)
    except lifecycle.CaseError as exc:
        error = error_to_form(form, exc.key)
        return case_page(case, posted={"restrict": form}, error=error, status=422)
    return redirect(url_for("cases.detail", case_id=case_id, done="restrict"), code=303)


@bp.route("/<int:case_id>/destroy", methods=["GET", "POST"])
def destroy(case_id: int) -> Any:
    """Approved destruction after the retention period: a separate, confirmed step."""
    case = get_scoped(get_session(), Complaint, case_id, MANAGE)
    actor = staff_actor()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    form = DestroyForm(prefix="destroy")
    if request.method == "GET":
        form.version.data = case.version
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            if records.normalise_case_number(form.confirm_number.data or "") != case.case_number:
                error_to_form(form, "cs_confirm_number")
            else:
                try:
                    with write_session() as wdb:
                        fresh = get_scoped(wdb, Complaint, case_id, MANAGE)
                        lifecycle.check_version(fresh, form.version.data)
                        names = CaseService(app, wdb, actor).destroy(
                            fresh, reason=form.reason.data or ""
                        )
                        wdb.commit()
                except lifecycle.StaleCase as exc:
                    form.confirm_number.errors = [
                        *form.confirm_number.errors,
                        str(labels.CASE_ERRORS[exc.key]),
                    ]
                except lifecycle.CaseError as exc:
                    message = error_to_form(form, exc.key)
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
