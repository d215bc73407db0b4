"""The citizen's complaint pages: filing a complaint (陳情) with attachments, and
following it without an account (case number and password, or the e-mailed link).

No page here is a staff page: nothing is read through ``collector.access.scoped``, and each
page shows one case only, the one the visitor proved they may see. That proof is
kept in the signed session cookie for ``COMPLAINT_FOLLOW_MINUTES`` (30): the case
id and an expiry, nothing else. The cookie is readable, so no secret goes into it: the
password and follow link shown once after filing wait in the database
(``collector.complaints.receipts``) under a random key the session holds. Attachments are served only to such a session and
only through a signed, short-lived URL naming both the file and the case, so a
guessed or leaked URL alone never serves a file. ``POST /complaints/end`` forgets
everything at once (a shared computer, a kiosk).

The blueprint is exempt from the global CSRF check (as the survey pages are) so
that the request body limit can be raised for attachments before the body is
read; every form here checks its own CSRF token (Flask-WTF) instead.
"""

from __future__ import annotations

import math
import secrets
import time
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from itsdangerous import BadData
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col
from werkzeug.exceptions import RequestEntityTooLarge

from collector.access.ratelimit import client_address
from collector.access.ratelimit import client_key
from collector.access.ratelimit import limit
from collector.access.security import csrf
from collector.complaints import attachments
from collector.complaints import complainant
from collector.complaints import labels
from collector.complaints import lifecycle
from collector.complaints import notices
from collector.complaints import receipts
from collector.complaints import records
from collector.complaints import throttles
from collector.complaints.forms import NOTICE_VERSION
from collector.complaints.forms import REPLY_CHANNELS
from collector.complaints.forms import ComplaintForm
from collector.complaints.forms import FollowForm
from collector.complaints.forms import SupplementForm
from collector.complaints.forms import privacy_notice
from collector.complaints.service import CaseService
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.i18n import LANGUAGE_NAMES
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.i18n import use_language
from collector.core.links import external_url
from collector.core.lookups import agency_by_code
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintEvent

bp = Blueprint("complaints_public", __name__, template_folder="../templates")
csrf.exempt(
    bp
)  # the body limit is raised for attachments first, then the form checks its own token

DEFAULTS: dict[str, Any] = {
    "COMPLAINT_ATTACHMENT_MAX_BYTES": attachments.DEFAULT_MAX_BYTES,
    "COMPLAINT_ATTACHMENTS_MAX": attachments.DEFAULT_MAX_FILES,
    "COMPLAINT_IMAGE_MAX_PIXELS": attachments.DEFAULT_MAX_PIXELS,
    "COMPLAINT_ATTACHMENT_DIR": None,
    # The virus scanner (collector.complaints.scanning): "clamd:///run/clamav/clamd.ctl" or
    # "clamd://host:3310"; None holds every upload for review instead.
    "ATTACHMENT_SCANNER": None,
    "ATTACHMENT_SCANNER_TIMEOUT": 30,
    "COMPLAINT_FOLLOW_MINUTES": 30,
}
"""Settings of these pages; ``instance/config.py``, the environment or the test config
override them (they are filled in only where unset)."""

FOLLOW_KEY = "complaint_follow"
FILED_KEY = "complaint_filed"
FILE_SALT = "complaint-attachment"
PASSWORD_ALPHABET = set(records.CASE_NUMBER_ALPHABET)


@bp.record_once
def _defaults(state: Any) -> None:
    for key, value in DEFAULTS.items():
        state.app.config.setdefault(key, value)
    attachments.configure(state.app)


# -- helpers ---------------------------------------------------------------------


def _language(switch: str | None = None) -> str:
    offered = current_app.config["LANGUAGES"]
    return use_language(pick_language(offered, switch or request.values.get("lang")))


def _languages() -> list[tuple[str, str]]:
    return [(lang, LANGUAGE_NAMES.get(lang, lang)) for lang in current_app.config["LANGUAGES"]]


def _now() -> float:
    return time.time()


def _follow_minutes() -> int:
    return int(current_app.config["COMPLAINT_FOLLOW_MINUTES"])


def _remember_case(case: Complaint) -> None:
    session[FOLLOW_KEY] = {"id": case.id, "until": int(_now()) + 60 * _follow_minutes()}


def _followed_case(db: Session) -> Complaint | None:
    """The case this browser proved it may follow, while the proof lasts."""
    data = session.get(FOLLOW_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    if not isinstance(data.get("until"), int) or data["until"] < _now():
        session.pop(FOLLOW_KEY, None)
        return None
    case = db.get(Complaint, data["id"])
    if case is None or case.destroyed_at is not None:
        session.pop(FOLLOW_KEY, None)
        return None
    return case


def _name(row: Any, language: str) -> str:
    return row.name_en if language == "en" else row.name_zh


def _status_text(case: Complaint, language: str) -> str:
    return translator(language).render(labels.COMPLAINANT_STATUS[case.status])


def _event_text(event: ComplaintEvent, language: str) -> str:
    text = labels.COMPLAINANT_EVENT.get(event.kind, labels.COMPLAINANT_EVENT["other"])
    return translator(language).render(text)


def _categories(db: Session, agency: Agency) -> list[ComplaintCategory]:
    return list(
        db.execute(
            select(ComplaintCategory)
            .where(
                col(ComplaintCategory.agency_id) == agency.id,
                col(ComplaintCategory.active).is_(True),
            )
            .order_by(col(ComplaintCategory.code))
        ).scalars()
    )


def _complainant_files(db: Session, chain: list[Complaint]) -> list[ComplaintAttachment]:
    """Files the complainant sent on any case of the chain (never staff's own files)."""
    ids = [c.id for c in chain]
    return list(
        db.execute(
            select(ComplaintAttachment)
            .where(
                col(ComplaintAttachment.complaint_id).in_(ids),
                col(ComplaintAttachment.uploaded_by).is_(None),
            )
            .order_by(col(ComplaintAttachment.uploaded_at), col(ComplaintAttachment.id))
        ).scalars()
    )


def _file_signer(app: Flask) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.secret_key, salt=FILE_SALT)  # type: ignore[arg-type]  # config.load() always sets SECRET_KEY


def _file_url(case: Complaint, att: ComplaintAttachment) -> str:
    token = _file_signer(current_app).dumps({"a": att.id, "c": case.id})
    return url_for("complaints_public.download", token=token)


def _raise_body_limit(files: int | None = None) -> None:
    """Let this request carry attachments (the app's limit is for survey answers)."""
    request.max_content_length = attachments.request_limit(current_app, files)


def _posted_switch() -> str | None:
    """The language button a POST pressed, the body read under the attachment limit
    (raises ``RequestEntityTooLarge`` for a body over it)."""
    if request.method != "POST":
        return None
    _raise_body_limit()
    return request.form.get("_lang")


def _case_error(exc: lifecycle.CaseError, language: str) -> str:
    text = labels.PUBLIC_ERRORS.get(exc.key, labels.PUBLIC_ERROR)
    return translator(language).render(text)


def _too_large() -> tuple[str, int]:
    """The body was not read (so neither is ``lang`` in it): the page's own language."""
    offered = current_app.config["LANGUAGES"]
    language = use_language(pick_language(offered, request.args.get("lang")))
    lim = attachments.limits()
    return (
        render_template(
            "error.html",
            title=translator(language).gettext("The attachments are too large"),
            body=translator(language).gettext(
                "Each attachment may have at most %(max)s, and there may be at most %(count)s. The complaint was not sent: go back, make the files smaller or fewer and send again.",
                max=lim.max_size,
                count=lim.max_files,
            ),
        ),
        413,
    )


# -- filing ----------------------------------------------------------------------


@bp.route("/complaints/<agency_code>/new", methods=["GET", "POST"])
@limit("RATELIMIT_PUBLIC")
def new(agency_code: str) -> Any:
    db = get_session()
    agency = agency_by_code(db, agency_code)
    if agency is None:
        abort(404)
    try:
        switch = _posted_switch()
    except RequestEntityTooLarge:
        return _too_large()
    language = _language(switch)
    categories = _categories(db, agency)
    if not categories:
        return render_template(
            "complaints/public/unavailable.html",
            agency=agency,
            language=language,
            languages=_languages(),
        )
    form = ComplaintForm(categories=categories, language=language)
    if request.method == "GET":
        form.submission_token.data = secrets.token_urlsafe(24)
    notice = None
    errors: list[tuple[str, str]] = []
    status = 200
    if request.method == "POST" and not switch:
        filed = session.get(FILED_KEY)
        token = form.submission_token.data or ""
        if token and isinstance(filed, dict) and filed.get("token") == token:
            # The same page sent twice (a double click): the case exists already.
            return redirect(url_for("complaints_public.filed", lang=language), code=303)
        result = _file(agency, form, language)
        if isinstance(result, Complaint):
            return redirect(url_for("complaints_public.filed", lang=language), code=303)
        notice, errors, status = result
    policy = records.policy_for(db, agency.id)  # type: ignore[arg-type]  # a stored agency
    return (
        render_template(
            "complaints/public/new.html",
            agency=agency,
            form=form,
            language=language,
            languages=_languages(),
            errors=errors,
            notice=notice,
            notice_parts=privacy_notice(agency, language),
            notice_version=NOTICE_VERSION,
            accept_anonymous=policy.accept_anonymous,
            limits=attachments.limits(),
            accept=attachments.ACCEPT,
            reply_channels=REPLY_CHANNELS,
        ),
        status,
    )


def _form_refusal(
    form: ComplaintForm | SupplementForm, language: str
) -> tuple[str | None, list[tuple[str, str]], int] | None:
    """Why a posted complaint or supplement form is refused: (notice, errors, status); None
    when it is valid. An expired page keeps the text typed (files must be chosen again)."""
    if form.validate():
        return None
    if form.csrf_failed:
        notice = translator(language).gettext(
            "The page timed out. Please send again; your text is still here (choose attachments again)."
        )
        return notice, form.error_list(), 400
    return None, form.error_list(), 422


def _too_many_filings(language: str) -> tuple[str, list[tuple[str, str]], int]:
    return (
        translator(language).gettext(
            "Too many complaints were sent from here. Please try again later, or complain by phone or at the counter."
        ),
        [],
        429,
    )


def _file(
    agency: Agency, form: ComplaintForm, language: str
) -> Complaint | tuple[str | None, list[tuple[str, str]], int]:
    """File the complaint, or say why not: (notice, errors, status). Nothing is
    stored unless everything, attachments included, is acceptable."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    # The throttle first: a refused filing costs no decoding of its attachments. It is
    # counted (atomically) only once the complaint is acceptable, just before it is stored.
    if not throttles.may_file_soon(app, client_key()):
        return _too_many_filings(language)
    refused_form = _form_refusal(form, language)
    if refused_form is not None:
        return refused_form
    prepared, refused = attachments.prepare_all(form.attachments.data or [], 0, app)
    if refused:
        form.attachments.errors = [e.text(language) for e in refused]
        return None, form.error_list(), 422
    if not throttles.may_file(app, client_key()):
        return _too_many_filings(language)
    category = form.chosen_category
    assert category is not None
    stored: list[ComplaintAttachment] = []
    try:
        with Session(writing(get_engine(app)), expire_on_commit=False) as db:
            made = CaseService(app, db).new_case(
                agency=db.get(Agency, agency.id),  # type: ignore[arg-type]  # read above: it exists
                category=db.get(ComplaintCategory, category.id),  # type: ignore[arg-type]  # read above: it exists
                channel="online",
                language=language,
                **form.case_fields(),
            )
            stored = attachments.store(db, made.case, prepared, app=app)
            receipt = receipts.keep(
                db, made.case, made.password, made.link_token, _follow_minutes()
            )
            queued = notices.queue(db, app, throttles.acknowledgements(app, made.mails))
            db.commit()
    except lifecycle.CaseError as exc:
        attachments.delete_files(stored, app)
        return _case_error(exc, language), [], 422
    except BaseException:
        attachments.delete_files(stored, app)
        raise
    notices.deliver(app, queued)
    session[FILED_KEY] = {
        "id": made.case.id,
        "receipt": receipt,  # the password and link wait server-side (receipts)
        "token": form.submission_token.data or "",
        "until": int(_now()) + 60 * _follow_minutes(),
    }
    return made.case


@bp.get("/complaints/filed")
def filed() -> Any:
    """The confirmation: shown with the password and follow link once, then without."""
    language = _language()
    data: Any = session.get(FILED_KEY)  # a dict when fresh: checked just below
    db = get_session()
    case = None
    fresh = (
        isinstance(data, dict) and isinstance(data.get("until"), int) and data["until"] >= _now()
    )
    if fresh and isinstance(data.get("id"), int):
        case = db.get(Complaint, data["id"])
    if case is None:
        session.pop(FILED_KEY, None)
        return render_template(
            "complaints/public/gone.html",
            language=language,
            title=translator(language).gettext("This page has expired"),
            body=translator(language).gettext(
                "The confirmation is kept for a short while only. Follow your case with its number and password, or with the link in your email."
            ),
        )
    key = data.pop("receipt", None)
    session[FILED_KEY] = data  # the secrets are shown this once
    password = link_token = None
    if key is not None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
        with Session(writing(get_engine(app))) as wdb:
            shown = receipts.take(wdb, key, case.id)  # type: ignore[arg-type]  # a stored case
            wdb.commit()
        if shown is not None:
            password, link_token = shown
    agency = db.get(Agency, case.agency_id)
    category = db.get(ComplaintCategory, case.category_id)
    files = _complainant_files(db, [case])
    follow_link = (
        external_url(
            current_app._get_current_object(),  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
            "complaints_public.follow_link",
            token=link_token,
        )
        if link_token
        else None
    )
    return render_template(
        "complaints/public/filed.html",
        case=case,
        agency=agency,
        category=category,
        files=files,
        password=password,
        follow_link=follow_link,
        language=language,
        languages=_languages(),
        due_on=case.due_on.isoformat(),
        reply_channel=translator(language).render(labels.PUBLIC_REPLY_CHANNELS[case.reply_channel]),
    )


@bp.post("/complaints/end")
def end() -> Any:
    """Forget the confirmation and any case followed in this browser."""
    language = _language()
    form = FollowForm(language=language)  # only its CSRF token is used
    form.validate()
    if form.csrf_failed:
        abort(400)
    filed = session.pop(FILED_KEY, None)
    if isinstance(filed, dict) and filed.get("receipt"):
        with Session(writing(get_engine(current_app))) as wdb:
            receipts.forget(wdb, filed["receipt"])
            wdb.commit()
    session.pop(FOLLOW_KEY, None)
    return redirect(url_for("complaints_public.follow", lang=language, ended=1), code=303)


# -- following -------------------------------------------------------------------


def _find_followed(form: FollowForm, language: str) -> tuple[Complaint | None, str, int]:
    """The case the number and password prove, the try counted against the back-offs
    (``collector.complaints.throttles.follow_keys``); else why not (a notice and a status)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    text = translator(language)
    # The password alphabet is upper case: accept it typed in lower case.
    assert form.password.data is not None  # required, and the form was validated
    password = "".join(form.password.data.split()).upper()
    if set(password) - PASSWORD_ALPHABET:
        password = form.password.data
    proof = complainant.prove(
        app, get_session(), form.case_number.data or "", password, client_address(request)
    )
    if proof.retry_after:
        minutes = max(1, math.ceil(proof.retry_after / 60))
        notice = text.ngettext(
            "Too many wrong attempts. Please try again in %(num)s minute, or use the link in your email.",
            "Too many wrong attempts. Please try again in %(num)s minutes, or use the link in your email.",
            minutes,
        )
        return None, notice, 429
    if proof.case is None:
        return None, text.gettext("The case number or the password is incorrect."), 422
    return proof.case, "", 200


@bp.route("/complaints/follow", methods=["GET", "POST"])
@limit("RATELIMIT_PUBLIC")
def follow() -> Any:
    language = _language(request.form.get("_lang") if request.method == "POST" else None)
    text = translator(language)
    form = FollowForm(language=language)
    notice = None
    if request.args.get("ended"):
        notice = text.gettext("The page has been cleared.")
    elif request.args.get("expired"):
        notice = text.gettext(
            "Your view of the case timed out. Please enter the case number and password again."
        )
    status = 200
    errors: list[tuple[str, str]] = []
    if request.method == "POST" and not request.form.get("_lang"):
        if form.validate():
            case, notice, status = _find_followed(form, language)
            if case is not None:
                _remember_case(case)
                return redirect(url_for("complaints_public.case_page", lang=language), 303)
        elif form.csrf_failed:
            notice, status = (
                text.gettext(
                    "The page timed out. Please enter the case number and password again."
                ),
                400,
            )
        else:
            errors, status = form.error_list(), 422
        form.password.data = ""
    page = render_template(
        "complaints/public/follow.html",
        form=form,
        language=language,
        languages=_languages(),
        notice=notice,
        errors=errors,
    )
    return page, status


@bp.get("/complaints/follow/<token>")
@limit("RATELIMIT_PUBLIC", methods=("GET",))
def follow_link(token: str) -> Any:
    """The e-mailed link: proves the case like the password does, then the case page."""
    language = _language()
    case = complainant.find_by_link(get_session(), token)
    if case is None:
        return render_template(
            "complaints/public/gone.html",
            language=language,
            title=translator(language).gettext("This follow link is not valid"),
            body=translator(language).gettext(
                "The link may be incomplete or no longer valid. Check that you copied all of it, or use the case number and password."
            ),
        )
    _remember_case(case)
    return redirect(url_for("complaints_public.case_page", lang=language), code=303)


@bp.route("/complaints/follow/case", methods=["GET", "POST"])
def case_page() -> Any:
    """The followed case: status, due date, public history; a supplement when asked."""
    db = get_session()
    origin = _followed_case(db)
    try:
        switch = _posted_switch()
    except RequestEntityTooLarge:
        return _too_large()
    language = _language(switch)
    if origin is None:
        return redirect(url_for("complaints_public.follow", lang=language, expired=1), code=303)
    _remember_case(origin)  # the time limit counts from the last page shown, not the first
    current = records.current_case(db, origin)
    form = SupplementForm(language=language)
    notice = None
    errors: list[tuple[str, str]] = []
    status = 200
    if request.method == "POST" and not switch:
        if current.status != "awaiting_supplement":
            notice, status = (
                translator(language).gettext("The case does not need a supplement now."),
                409,
            )
        else:
            outcome = _supplement(db, origin, current, form, language)
            if outcome is None:
                return redirect(
                    url_for("complaints_public.case_page", lang=language, sent=1), code=303
                )
            notice, errors, status = outcome
    if request.args.get("sent") and notice is None:
        notice = translator(language).gettext("Your supplement has been received.")
    return _followed_page(db, origin, current, form, language, notice, errors), status


def _followed_page(
    db: Session,
    origin: Complaint,
    current: Complaint,
    form: SupplementForm,
    language: str,
    notice: str | None,
    errors: list[tuple[str, str]],
) -> str:
    """The followed case's page: where it stands, its public history and files."""
    files = _complainant_files(db, records.chain_of(db, origin))
    events = records.public_events(db, origin)
    return render_template(
        "complaints/public/case.html",
        case=origin,
        current=current,
        agency=db.get(Agency, current.agency_id),
        origin_agency=db.get(Agency, origin.agency_id),
        category=db.get(ComplaintCategory, origin.category_id),
        status_text=_status_text(current, language),
        open=current.status in lifecycle.OPEN,
        awaiting=current.status == "awaiting_supplement",
        events=[(e, _event_text(e, language), clock.local_text(e.at)) for e in events],
        files=[(f, _file_url(origin, f) if attachments.servable(f) else None) for f in files],
        form=form,
        notice=notice,
        errors=errors,
        language=language,
        languages=_languages(),
        limits=attachments.limits(),
        accept=attachments.ACCEPT,
        files_left=max(0, attachments.limits().max_files - len(files)),
        minutes=_follow_minutes(),
    )


def _supplement(
    db: Session, origin: Complaint, current: Complaint, form: SupplementForm, language: str
) -> tuple[str | None, list[tuple[str, str]], int] | None:
    """Record the supplement (text and files) on the case being handled; None when done."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    refused_form = _form_refusal(form, language)
    if refused_form is not None:
        return refused_form
    already = len(_complainant_files(db, records.chain_of(db, origin)))
    prepared, refused = attachments.prepare_all(form.attachments.data or [], already, app)
    if refused:
        form.attachments.errors = [e.text(language) for e in refused]
        return None, form.error_list(), 422
    stored: list[ComplaintAttachment] = []
    try:
        with Session(writing(get_engine(app)), expire_on_commit=False) as write:
            case = write.get(Complaint, current.id)
            assert case is not None
            mails = CaseService(app, write).add_supplement(case, form.text.data)
            stored = attachments.store(write, case, prepared, app=app)
            queued = notices.queue(write, app, mails)
            write.commit()
    except lifecycle.CaseError as exc:
        attachments.delete_files(stored, app)
        return _case_error(exc, language), [], 409
    except BaseException:
        attachments.delete_files(stored, app)
        raise
    notices.deliver(app, queued)
    return None


@bp.get("/complaints/follow/file/<token>")
def download(token: str) -> Any:
    """A file of the followed case: the signed URL must name the case this browser
    follows, and the file must be one the complainant sent on that case's chain."""
    language = _language()
    db = get_session()
    origin = _followed_case(db)
    try:
        data = _file_signer(current_app).loads(token, max_age=60 * _follow_minutes())
        att_id, case_id = int(data["a"]), int(data["c"])
    except (BadData, KeyError, TypeError, ValueError):
        origin = None
    if origin is None or origin.id != case_id:  # type: ignore[possibly-undefined]  # set unless the token failed, and then origin is None
        return (
            render_template(
                "complaints/public/gone.html",
                language=language,
                title=translator(language).gettext("This download link has expired"),
                body=translator(language).gettext(
                    "Attachments can be downloaded only for a while after you open the case. Open the case again, then download."
                ),
            ),
            410,
        )
    att = db.get(ComplaintAttachment, att_id)  # type: ignore[possibly-undefined]  # set: origin is not None
    chain_ids = {c.id for c in records.chain_of(db, origin)}
    if att is None or att.complaint_id not in chain_ids or att.uploaded_by is not None:
        abort(404)
    return attachments.send_attachment(att)
