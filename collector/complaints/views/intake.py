"""Intake of complaints received by phone, at the counter, by letter or by e-mail
(``/staff/cases/new``): an oral complaint is read back to the complainant and
confirmed before it is saved, and a form sent twice records one case."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask import session
from sqlalchemy import select
from sqlmodel import col

from collector.access import audit
from collector.access.permissions import allowed
from collector.access.permissions import require
from collector.access.scoped import scoped
from collector.access.security import csrf
from collector.access.sessions import staff_area
from collector.complaints import attachments
from collector.complaints import labels
from collector.complaints import lifecycle
from collector.complaints import notices
from collector.complaints.service import CaseService
from collector.complaints.service import NewCase
from collector.complaints.staff_forms import IntakeForm
from collector.complaints.views.case_page import INTAKE
from collector.complaints.views.case_page import READ
from collector.complaints.views.case_page import complaint_policy
from collector.complaints.views.case_page import local_name
from collector.complaints.views.case_page import write_session
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import gettext
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintPolicy

bp = Blueprint("case_intake", __name__, url_prefix="/staff/cases", template_folder="../templates")
staff_area(bp)

INTAKE_CHANNELS = ("phone", "counter", "letter", "email")


ORAL_CHANNELS = ("phone", "counter")


INTAKE_DONE_KEY = "cases_intake_done"


INTAKE_DONE_KEEP = 20
"""The last intake forms saved in this session (form token -> case id): a form sent
twice records one case."""


CASE_LANGUAGES = ("zh-Hant-TW", "en")


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
            col(ComplaintCategory.agency_id) == agency_id,
            col(ComplaintCategory.active).is_(True),
        )
        .order_by(col(ComplaintCategory.code))
    )
    return list(get_session().execute(scoped(statement, INTAKE)).scalars())


def _limits() -> dict[str, Any]:
    lim = attachments.limits()
    return {"accept": attachments.ACCEPT, "max_files": lim.max_files, "max_size": lim.max_size}


def _form(categories: list[ComplaintCategory]) -> IntakeForm:
    form = IntakeForm()
    form.channel.choices = [(c, str(labels.CHANNELS[c])) for c in INTAKE_CHANNELS]
    form.category.choices = [(str(c.id), f"{local_name(c)} ({c.code})") for c in categories]
    form.language.choices = [(code, str(labels.LANGUAGES[code])) for code in CASE_LANGUAGES]
    form.reply_channel.choices = [
        (c, str(labels.REPLY_CHANNELS[c])) for c in ("email", "letter", "phone", "none")
    ]
    return form


def _page(actor: Actor, form: IntakeForm, status: int = 200, **extra: Any) -> Any:
    extra.setdefault("read_back", False)
    page = render_template("complaints/cases/intake.html", actor=actor, form=form, **extra)
    return page, status


def _add_error(field: Any, message: str) -> None:
    field.errors = [*field.errors, message]


def _contact_problems(form: IntakeForm, policy: ComplaintPolicy) -> bool:
    """Mark what the agency's policy and the chosen reply channel require; True if any."""
    problems = False
    if form.anonymous.data and not policy.accept_anonymous:
        _add_error(form.anonymous, gettext("This agency does not accept anonymous complaints."))
        problems = True
    if form.anonymous.data:
        return problems
    needs = {
        "email": (form.email, gettext("A reply by e-mail needs an e-mail address.")),
        "letter": (form.address, gettext("A reply by letter needs an address.")),
        "phone": (form.phone, gettext("A reply by phone needs a phone number.")),
    }
    field, message = needs.get(form.reply_channel.data or "", (None, ""))
    if field is not None and not field.data:
        _add_error(field, message)
        problems = True
    return problems


def _read_back(actor: Actor, form: IntakeForm, categories: list[ComplaintCategory]) -> Any:
    """The complaint shown back as a script, unless this exact content was read back and
    confirmed (None: go on and save it)."""
    fingerprint = _intake_fingerprint(form)
    if form.read_back_of.data == fingerprint and form.read_back_confirmed.data:
        return None
    if form.read_back_of.data == fingerprint:
        form.read_back_confirmed.errors = [
            gettext(
                "A complaint by phone or at the counter must be read back to the complainant and confirmed before it is saved."
            )
        ]
    form.read_back_of.data = fingerprint
    form.read_back_confirmed.data = False
    category = next((c for c in categories if str(c.id) == form.category.data), None)
    status = 422 if form.read_back_confirmed.errors else 200
    return _page(actor, form, status, read_back=True, category_name=local_name(category))


def _created(actor: Actor, case: Complaint, password: str | None, notice_sent: bool) -> Any:
    return render_template(
        "complaints/cases/created.html",
        actor=actor,
        case=case,
        password=password,
        notice_sent=notice_sent,
        may_read=allowed(actor, READ, case.agency_id),
    )


def _saved_before(token: str) -> Complaint | None:
    """The case this form (by its token) already recorded: a reload or a double click."""
    done = session.get(INTAKE_DONE_KEY) or {}
    if not isinstance(done, dict) or token not in done:
        return None
    statement = select(Complaint).where(Complaint.id == done[token])
    return get_session().execute(scoped(statement, INTAKE)).scalar_one_or_none()


def _remember(token: str, case_id: int) -> None:
    done = session.get(INTAKE_DONE_KEY) or {}
    kept = dict(list(done.items())[-(INTAKE_DONE_KEEP - 1) :]) if isinstance(done, dict) else {}
    kept[token] = case_id
    session[INTAKE_DONE_KEY] = kept


def _record(
    app: Any, actor: Actor, form: IntakeForm, prepared: list[Any], stored: list[Any]
) -> tuple[NewCase, list[int]]:
    """Store the case, its attachments (appended to ``stored``), the audit event and the
    acknowledgement to send (the ids of its mail jobs, queued after the commit)."""
    with write_session() as wdb:
        agency = wdb.execute(
            scoped(select(Agency).where(col(Agency.id) == actor.agency_id), INTAKE, actor)
        ).scalar_one()
        chosen = select(ComplaintCategory).where(
            col(ComplaintCategory.id) == int(form.category.data or 0)
        )
        category = wdb.execute(scoped(chosen, INTAKE, actor)).scalar_one_or_none()
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
            read_back_confirmed=True if form.channel.data in ORAL_CHANNELS else None,
        )
        stored += attachments.store(wdb, filed.case, prepared, uploaded_by=actor.user_id, app=app)
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
        queued = notices.queue(wdb, app, filed.mails)
        wdb.commit()
    return filed, queued


ERROR_FIELD = {
    "case_bad_category": "category",
    "case_content_required": "description",
    "case_read_back_required": "read_back_confirmed",
}
"""Which intake field shows a case error (others: the subject)."""


@bp.route("/new", methods=["GET", "POST"])
@csrf.exempt  # type: ignore[untyped-decorator]  # flask_wtf is untyped; the form checks its token itself, after raising the body limit
def new() -> Any:
    actor = require(INTAKE, any_agency=True)
    if actor.agency_id is None or not allowed(actor, INTAKE, actor.agency_id):
        abort(403)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    if request.method == "POST":
        # A letter or an e-mail may come with files: this form may carry them (the app's
        # limit is for survey answers). The form checks its own CSRF token (the global
        # check, which would read the body first, is off for this view).
        request.max_content_length = attachments.request_limit(app)
    categories = _intake_categories(actor.agency_id)
    form = _form(categories)
    if request.method == "GET":
        form.intake_token.data = secrets.token_hex(16)
        return _page(actor, form, **_limits())
    if not form.validate():
        expired = bool(form.csrf_token.errors)
        return _page(actor, form, 400 if expired else 422, expired=expired, **_limits())
    if _contact_problems(form, complaint_policy(get_session(), actor.agency_id, INTAKE)):
        return _page(actor, form, 422, **_limits())
    if form.channel.data in ORAL_CHANNELS:
        script = _read_back(actor, form, categories)
        if script is not None:
            return script
    earlier = _saved_before(form.intake_token.data or "")
    if earlier is not None:
        return _created(actor, earlier, None, False)
    prepared, refused = attachments.prepare_all(form.attachments.data or [], 0, app)
    if refused:
        form.attachments.errors = [e.text(current_language()) for e in refused]
        return _page(actor, form, 422, **_limits())
    stored: list[ComplaintAttachment] = []
    try:
        filed, queued = _record(app, actor, form, prepared, stored)
    except lifecycle.CaseError as exc:
        attachments.delete_files(stored, app)
        _add_error(
            getattr(form, ERROR_FIELD.get(exc.key, "subject")), str(labels.CASE_ERRORS[exc.key])
        )
        return _page(actor, form, 422, **_limits())
    except BaseException:
        attachments.delete_files(stored, app)
        raise
    _remember(form.intake_token.data or "", filed.case.id)  # type: ignore[arg-type]  # stored: the case has its id
    notices.deliver(app, queued)
    return _created(actor, filed.case, filed.password, bool(queued))
