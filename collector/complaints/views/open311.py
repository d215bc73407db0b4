"""An Open311 GeoReport v2 facade over the complaint cases (``/open311/v2``).

Mapping (docs/complaints-followup.md): a jurisdiction is an agency (its code),
a service is one of its active complaint categories (``service_code`` = the
category's code), a service request is a case (``service_request_id`` = the case
number), ``expected_datetime`` is the statutory due date, ``status`` is open
while the case is being handled and closed after the reply, and
``status_notes`` say what last happened, from the public history. GET answers
never carry a complainant's personal data: no description, address,
coordinates, media or contact detail is returned, only the case's category,
dates and status. Errors are the spec's array of ``{code, description}``.

``OPEN311_API_KEYS`` (a list) makes ``api_key`` required for POST when it is
not empty; otherwise keys are ignored.
"""

from __future__ import annotations

import hmac
import xml.etree.ElementTree as ET
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from typing import overload

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from sqlmodel import col
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import TooManyRequests

from collector.access.ratelimit import client_key
from collector.access.ratelimit import limit
from collector.access.security import csrf
from collector.answers.forms import undecodable_fields
from collector.complaints import labels
from collector.complaints import lifecycle
from collector.complaints import records
from collector.complaints import throttles
from collector.complaints.intake import IntakeError
from collector.complaints.intake import TooManyFilings
from collector.complaints.intake import file_complaint
from collector.core import clock
from collector.core.db import get_session
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.links import public_base
from collector.core.lookups import agency_by_code
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintEvent

bp = Blueprint("open311", __name__, url_prefix="/open311/v2", template_folder="../templates")
csrf.exempt(bp)

FORMAT = "<any(json, xml):fmt>"
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00Z"
"""When this facade's behaviour last changed (discovery's ``changeset``)."""
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
MAX_IDS = 100


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# -- output ------------------------------------------------------------------------


def _fmt() -> str:
    return "xml" if request.path.endswith(".xml") else "json"


def _xml_element(tag: str, value: Any, item_tags: dict[str, str]) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_xml_element(key, child, item_tags))
    elif isinstance(value, list):
        for child in value:
            element.append(_xml_element(item_tags.get(tag, "item"), child, item_tags))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def _answer(root: str, data: Any, status: int = 200) -> Response:
    if _fmt() == "xml":
        body = ET.tostring(_xml_element(root, data, ITEM_TAGS), encoding="unicode")
        response = Response(
            '<?xml version="1.0" encoding="utf-8"?>\n' + body,
            status=status,
            content_type="text/xml; charset=utf-8",
        )
    else:
        response = jsonify(data)
        response.status_code = status
    return response


def _error(status: int, description: str) -> Response:
    return _answer("errors", [{"code": status, "description": description}], status)


def _refuse_nul(values: Any) -> None:
    """NUL (``%00``) in a parameter: PostgreSQL cannot compare text holding it."""
    for name, value in values.items(multi=True):
        if "\x00" in value:
            raise Open311Error(400, f"{name[:40]}: contains a NUL character")


@bp.before_request
def _refuse_nul_in_query() -> None:
    _refuse_nul(request.args)


@bp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error) -> Response:
    return _error(exc.status, exc.description)


@bp.errorhandler(HTTPException)
@bp.errorhandler(429)  # before the app's own handler for 429 (collector.access.ratelimit)
def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    messages = {
        404: "not found",
        405: "method not allowed",
        413: "the request is too large",
        429: "too many requests; try again later",
        503: "the service is unavailable for a moment; try again later",
    }
    response = _error(status, messages.get(status, "bad request"))
    retry = getattr(exc, "retry_after", None)
    if status in (429, 503) and isinstance(retry, int):
        response.headers["Retry-After"] = str(retry)
    return response


# -- helpers -----------------------------------------------------------------------


def _language() -> str:
    return pick_language(["zh-Hant-TW", "en"], request.args.get("lang"))


def _agency() -> Agency:
    code = request.values.get("jurisdiction_id", "")
    if not code:
        raise Open311Error(400, "jurisdiction_id is required (an agency code)")
    agency = agency_by_code(get_session(), code[:40])
    if agency is None:
        raise Open311Error(404, "no such jurisdiction_id")
    return agency


@overload
def _iso(moment: datetime) -> str: ...
@overload
def _iso(moment: datetime | None) -> str | None: ...
def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return clock.local(moment).replace(microsecond=0).isoformat()


def _due(day: date) -> str:
    return datetime.combine(day, time(23, 59, 59), tzinfo=clock.zone()).isoformat()


def _name(row: Any, language: str) -> str:
    return row.name_en if language == "en" else row.name_zh


def _token(case_id: int) -> str:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="open311-token")
    return str(serializer.dumps(case_id))


def _case_id_of(token: str) -> int | None:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="open311-token")
    if len(token) > 200:
        return None
    try:
        value = serializer.loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def _parse_time(value: str, name: str) -> datetime:
    try:
        # No offset: local (Taiwan) time.
        return clock.parse_time(value.strip().replace("Z", "+00:00"), clock.zone())
    except ValueError:
        raise Open311Error(
            400, f"{name} must be a W3C (ISO 8601) date and time from 1900 to 9998"
        ) from None


def _visible(agency: Agency) -> Any:
    return select(Complaint).where(
        col(Complaint.agency_id) == agency.id,
        col(Complaint.restricted_at).is_(None),
        col(Complaint.destroyed_at).is_(None),
    )


def _describe(cases: list[Complaint], language: str) -> list[dict[str, Any]]:
    """Service requests as GET shows them: no personal data, no free text."""
    if not cases:
        return []
    db = get_session()
    ids = [c.id for c in cases]
    categories = {
        c.id: c
        for c in db.execute(
            select(ComplaintCategory).where(
                col(ComplaintCategory.id).in_({c.category_id for c in cases})
            )
        ).scalars()
    }
    agency = db.get(Agency, cases[0].agency_id)
    last: dict[int, ComplaintEvent] = {}
    for event in db.execute(
        select(ComplaintEvent)
        .where(
            col(ComplaintEvent.complaint_id).in_(ids),
            col(ComplaintEvent.public).is_(True),
        )
        .order_by(col(ComplaintEvent.id))
    ).scalars():
        last[event.complaint_id] = event
    out = []
    for case in cases:
        category = categories.get(case.category_id)
        event = last.get(case.id)  # type: ignore[arg-type]  # stored cases: their ids are set
        notes = None
        if event is not None:
            known = labels.OPEN311_EVENT.get(event.kind)
            label = translator(language).render(known) if known is not None else event.kind
            notes = f"{label} ({_iso(event.at)[:10]})" if event.at is not None else label
        out.append(
            {
                "service_request_id": case.case_number,
                "status": "open" if case.status in lifecycle.OPEN else "closed",
                "status_notes": notes,
                "service_name": _name(category, language) if category else None,
                "service_code": category.code if category else None,
                "agency_responsible": _name(agency, language) if agency else None,
                "service_notice": None,
                "requested_datetime": _iso(case.received_at),
                "updated_datetime": _iso(event.at if event else case.received_at),
                "expected_datetime": _due(case.due_on),
            }
        )
    return out


# -- endpoints ---------------------------------------------------------------------


@bp.get(f"/discovery.{FORMAT}")
def discovery(fmt: str) -> Response:
    base = public_base(current_app._get_current_object())  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    changeset = CHANGESET
    return _answer(
        "discovery",
        {
            "changeset": changeset,
            "contact": current_app.config.get("OPEN311_CONTACT") or "",
            "key_service": current_app.config.get("OPEN311_KEY_SERVICE") or "",
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": f"{base}/open311/v2",
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },
    )


@bp.get(f"/services.{FORMAT}")
@limit("RATELIMIT_PUBLIC", ("GET",))
def services(fmt: str) -> Response:
    agency = _agency()
    language = _language()
    rows = (
        get_session()
        .execute(
            select(ComplaintCategory)
            .where(
                col(ComplaintCategory.agency_id) == agency.id,
                col(ComplaintCategory.active).is_(True),
            )
            .order_by(col(ComplaintCategory.code))
        )
        .scalars()
    )
    return _answer(
        "services",
        [
            {
                "service_code": row.code,
                "service_name": _name(row, language),
                "description": _name(row, "en" if language != "en" else "zh-Hant-TW"),
                "metadata": False,
                "type": "realtime",
                "keywords": "",
                "group": "",
            }
            for row in rows
        ],
    )


def _check_key() -> str:
    """Who files: the API key when keys are required (403 without a valid one), else the
    client's address; each has its own filing limit (``collector.complaints.throttles``)."""
    keys = current_app.config.get("OPEN311_API_KEYS") or []
    if not keys:
        return client_key()
    given = request.values.get("api_key", "")
    if not any(hmac.compare_digest(given.encode(), str(k).encode()) for k in keys):
        raise Open311Error(403, "a valid api_key is required")
    return throttles.api_key_client(given)


def _create() -> Response:
    undecodable: set[str] = set()
    if request.mimetype == "application/x-www-form-urlencoded":
        undecodable = undecodable_fields(request.get_data(cache=True, parse_form_data=False))
    _refuse_nul(request.form)
    client = _check_key()
    agency = _agency()
    form = request.form
    if undecodable:
        raise Open311Error(400, f"{sorted(undecodable)[0][:40]}: not valid UTF-8")
    lat, long_ = form.get("lat", ""), form.get("long", "")
    address = form.get("address_string", "")
    if not ((lat and long_) or address):
        raise Open311Error(400, "give a location: lat and long, or address_string")
    description = form.get("description", "")
    if not description.strip():
        raise Open311Error(400, "description: required")
    media = form.get("media_url", "").strip()
    if media:
        if len(media) > 500 or not media.startswith(("https://", "http://")):
            raise Open311Error(400, "media_url must be an http(s) URL of at most 500 characters")
        description = f"{description}\n\nmedia_url: {media}"
    name = " ".join(p for p in (form.get("first_name", ""), form.get("last_name", "")) if p)
    language = pick_language(["zh-Hant-TW", "en"], None)
    fields = {
        "description": description,
        "name": name,
        "email": form.get("email") or None,
        "phone": form.get("phone") or None,
        "location": address or None,
        "latitude": lat or None,
        "longitude": long_ or None,
    }
    try:
        filed = file_complaint(
            current_app._get_current_object(),  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
            get_session(),
            agency_code=agency.code,
            category_code=form.get("service_code", ""),
            fields=fields,
            channel="open311",
            language=language,
            client=client,
        )
    except TooManyFilings:
        wait = throttles.filing_wait(current_app._get_current_object(), client)  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
        raise TooManyRequests(retry_after=wait) from None
    except IntakeError as exc:
        names = {
            "category": "service_code",
            "latitude": "lat",
            "longitude": "long",
            "location": "address_string",
            "name": "first_name/last_name",
        }
        message = "; ".join(f"{names.get(k, k)}: {v}" for k, v in exc.errors.items())
        raise Open311Error(400, message) from None
    except lifecycle.CaseError as exc:
        raise Open311Error(400, str(exc)) from None
    notice = translator(language).gettext("Received; due by %(due)s.", due=filed.due_on.isoformat())
    return _answer(
        "service_requests",
        [
            {
                "service_request_id": filed.case_number,
                "service_notice": notice,
                "account_id": None,
                "token": _token(filed.token_case_id),
            }
        ],
        201,
    )


@bp.route(f"/requests.{FORMAT}", methods=["GET", "POST"])
@limit("RATELIMIT_PUBLIC", ("GET", "POST"))
def requests_(fmt: str) -> Response:
    if request.method == "POST":
        return _create()
    agency = _agency()
    language = _language()
    statement = _visible(agency)
    ids_raw = request.args.get("service_request_id", "")
    if ids_raw:
        ids = [i.strip().upper() for i in ids_raw.split(",") if i.strip()]
        if len(ids) > MAX_IDS or any(len(i) > 20 for i in ids):
            raise Open311Error(400, f"at most {MAX_IDS} service_request_id values")
        statement = statement.where(col(Complaint.case_number).in_(ids))
    else:
        code = request.args.get("service_code", "")
        if code:
            statement = statement.join(
                ComplaintCategory, col(ComplaintCategory.id) == Complaint.category_id
            ).where(col(ComplaintCategory.code) == code[:32])
        end = request.args.get("end_date")
        start = request.args.get("start_date")
        end_at = (
            _parse_time(end, "end_date")
            if end
            else records.now_for(current_app._get_current_object())  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
        )
        start_at = (
            _parse_time(start, "start_date") if start else end_at - timedelta(days=DEFAULT_DAYS)
        )
        statement = statement.where(
            col(Complaint.received_at) >= start_at,
            col(Complaint.received_at) <= end_at,
        )
        status = request.args.get("status", "")
        if status:
            wanted = {s.strip() for s in status.split(",")}
            if not wanted <= {"open", "closed"}:
                raise Open311Error(400, "status must be open, closed or both")
            if wanted == {"open"}:
                statement = statement.where(col(Complaint.status).in_(sorted(lifecycle.OPEN)))
            elif wanted == {"closed"}:
                statement = statement.where(col(Complaint.status).not_in(sorted(lifecycle.OPEN)))
    statement = statement.order_by(col(Complaint.received_at).desc()).limit(MAX_RESULTS)
    cases = list(get_session().execute(statement).scalars())
    return _answer("service_requests", _describe(cases, language))


@bp.get(f"/requests/<service_request_id>.{FORMAT}")
@limit("RATELIMIT_PUBLIC", ("GET",))
def request_one(service_request_id: str, fmt: str) -> Response:
    agency = _agency()
    number = records.normalise_case_number(service_request_id)
    case = (
        get_session()
        .execute(_visible(agency).where(Complaint.case_number == number))
        .scalar_one_or_none()
    )
    if case is None:
        raise Open311Error(404, "no such service request in this jurisdiction")
    return _answer("service_requests", _describe([case], _language()))


@bp.get(f"/tokens/<request_token>.{FORMAT}")
@limit("RATELIMIT_PUBLIC", ("GET",))
def token(request_token: str, fmt: str) -> Response:
    agency = _agency()
    case_id = _case_id_of(request_token)
    case = (
        get_session().execute(_visible(agency).where(Complaint.id == case_id)).scalar_one_or_none()
        if case_id is not None
        else None
    )
    if case is None:
        raise Open311Error(404, "no such token in this jurisdiction")
    return _answer(
        "service_requests",
        [{"service_request_id": case.case_number, "token": request_token}],
    )
