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
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import case as sql_case
from sqlalchemy import func, or_, select

from collector.access import audit
from collector.access.permissions import allowed, require
from collector.access.scoped import get_scoped, scoped
from collector.access.sessions import staff_area
from collector.complaints import (
    attachments,
    complainant,
    labels,
    lifecycle,
    notices,
    records,
    retention,
)
from collector.complaints.replies import letter_lines
from collector.complaints.service import CaseService
from collector.complaints.staff_forms import ACTION_FORMS, DestroyForm, RestrictForm
from collector.complaints.views.case_actions import ACTIONS
from collector.complaints.views.case_page import (
    HANDLE,
    INTAKE,
    MANAGE,
    READ,
    DueMark,
    Lookups,
    case_page,
    due_marker,
    error_to_form,
    local_name,
    lookups_for,
    prepare_form,
    staff_actor,
    write_session,
)
from collector.core.db import get_session
from collector.core.i18n import gettext
from collector.core.models import (
    COMPLAINT_STATUSES,
    Agency,
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintEvent,
)
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

    lookups = lookups_for(actor.agency_id) if actor.agency_id is not None else Lookups({}, {}, {})
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
            markers[row.agency_id] = due_marker(app, db, row.agency_id, categories)
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
        name=local_name,
    )


# -- intake ------------------------------------------------------------------------------


# -- one case ------------------------------------------------------------------------------


@bp.get("/<int:case_id>")
def detail(case_id: int) -> Any:
    case = get_scoped(get_session(), Complaint, case_id, READ)
    done = request.args.get("done", "")
    message = str(labels.DONE[done]) if done in (*ACTION_FORMS, "restrict") else None
    if request.args.get("unsent") == "1":
        unsent = gettext("The notice could not be sent: tell the complainant another way.")
        message = f"{message or ''} {unsent}".strip()
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
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with write_session() as wdb:
            fresh = get_scoped(wdb, Complaint, case_id, HANDLE)
            lifecycle.check_version(fresh, form.version.data)
            if fresh.restricted_at is not None or fresh.destroyed_at is not None:
                raise lifecycle.CaseError("case_action_not_allowed", "restricted")
            service = CaseService(app, wdb, actor)
            mails = ACTIONS[action](service, fresh, form, form.version.data)
            wdb.commit()
    except lifecycle.StaleCase as exc:
        get_session().expire_all()
        case = get_scoped(get_session(), Complaint, case_id, READ)
        return case_page(case, message=str(labels.CASE_ERRORS[exc.key]), status=409)
    except lifecycle.CaseError as exc:
        get_session().expire_all()
        case = get_scoped(get_session(), Complaint, case_id, READ)
        message = error_to_form(form, exc.key)
        form.version.data = case.version if message is None else form.version.data
        return case_page(case, posted={action: form}, message=message, status=422)
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
    if case.restricted_at is not None and not allowed(staff_actor(), MANAGE, case.agency_id):
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
    actor = staff_actor()
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
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with write_session() as wdb:
            fresh = get_scoped(wdb, Complaint, case_id, MANAGE)
            lifecycle.check_version(fresh, form.version.data)
            CaseService(app, wdb, actor).restrict(fresh, reason=form.reason.data or "")
            wdb.commit()
    except lifecycle.StaleCase as exc:
        get_session().expire_all()
        return case_page(
            get_scoped(get_session(), Complaint, case_id, READ),
            message=str(labels.CASE_ERRORS[exc.key]),
            status=409,
        )
    except lifecycle.CaseError as exc:
        message = error_to_form(form, exc.key)
        return case_page(case, posted={"restrict": form}, message=message, status=422)
    return redirect(url_for("cases.detail", case_id=case_id, done="restrict"), code=303)


@bp.route("/<int:case_id>/destroy", methods=["GET", "POST"])
def destroy(case_id: int) -> Any:
    """Approved destruction after the retention period: a separate, confirmed step."""
    case = get_scoped(get_session(), Complaint, case_id, MANAGE)
    actor = staff_actor()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
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
