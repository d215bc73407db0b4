"""Intake of complaints received by phone, at the counter, by letter or by e-mail
(``/staff/cases/new``): an oral complaint is read back to the complainant and
confirmed before it is saved, and a form sent twice records one case."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
    session,
)
from sqlalchemy import select

from collector.access import audit
from collector.access.permissions import allowed, require
from collector.access.scoped import scoped
from collector.access.security import csrf
from collector.access.sessions import staff_area
from collector.complaints import (
    attachments,
    labels,
    lifecycle,
    notices,
)
from collector.complaints.service import CaseService
from collector.complaints.staff_forms import IntakeForm
from collector.complaints.views.case_page import (
    INTAKE,
    READ,
    complaint_policy,
    local_name,
    write_session,
)
from collector.core.db import get_session
from collector.core.i18n import current_language, gettext
from collector.core.models import (
    Agency,
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
)

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
@csrf.exempt  # the form checks its token itself, after raising the body limit
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
    form.channel.choices = [(c, str(labels.CHANNELS[c])) for c in INTAKE_CHANNELS]
    form.category.choices = [(str(c.id), f"{local_name(c)} ({c.code})") for c in categories]
    form.language.choices = [(code, str(labels.LANGUAGES[code])) for code in CASE_LANGUAGES]
    form.reply_channel.choices = [
        (c, str(labels.REPLY_CHANNELS[c])) for c in ("email", "letter", "phone", "none")
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
    policy = complaint_policy(policy_db, actor.agency_id, INTAKE)
    errors = False
    if form.anonymous.data and not policy.accept_anonymous:
        form.anonymous.errors = [
            *form.anonymous.errors,
            gettext("This agency does not accept anonymous complaints."),
        ]
        errors = True
    if not form.anonymous.data:
        if form.reply_channel.data == "email" and not form.email.data:
            form.email.errors = [
                *form.email.errors,
                gettext("A reply by e-mail needs an e-mail address."),
            ]
            errors = True
        if form.reply_channel.data == "letter" and not form.address.data:
            form.address.errors = [
                *form.address.errors,
                gettext("A reply by letter needs an address."),
            ]
            errors = True
        if form.reply_channel.data == "phone" and not form.phone.data:
            form.phone.errors = [
                *form.phone.errors,
                gettext("A reply by phone needs a phone number."),
            ]
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
            form.read_back_confirmed.errors = [
                gettext(
                    "A complaint by phone or at the counter must be read back to the complainant and confirmed before it is saved."
                )
            ]
        form.read_back_of.data = fingerprint
        form.read_back_confirmed.data = False
        category = next((c for c in categories if str(c.id) == form.category.data), None)
        return render_template(
            "complaints/cases/intake.html",
            actor=actor,
            form=form,
            read_back=True,
            category_name=local_name(category),
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
        with write_session() as wdb:
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
        field.errors = [*field.errors, str(labels.CASE_ERRORS[exc.key])]
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
