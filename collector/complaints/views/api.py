"""The complaint endpoints of the JSON API: ``POST /api/v1/complaints`` files a complaint, ``GET /api/v1/complaints/<number>``
with the ``X-Case-Password`` header tells its complainant where it stands.

Both answer 429 with ``Retry-After`` past a limit: filings per client, and wrong
passwords, which back off per case as on the follow page
(``collector.complaints.throttles``).
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request
from werkzeug.exceptions import TooManyRequests

from collector.access.ratelimit import address_key
from collector.access.ratelimit import client_address
from collector.access.ratelimit import client_key
from collector.access.ratelimit import limit
from collector.access.security import csrf
from collector.complaints import complainant
from collector.complaints import lifecycle
from collector.complaints import records
from collector.complaints import throttles
from collector.complaints.intake import IntakeError
from collector.complaints.intake import TooManyFilings
from collector.complaints.intake import file_complaint
from collector.core.db import get_session
from collector.core.jsonbody import BadJson
from collector.core.jsonbody import parse_json
from collector.core.models import Agency

FIELDS = {
    "agency",
    "category",
    "subject",
    "description",
    "language",
    "name",
    "email",
    "phone",
    "address",
    "location",
    "latitude",
    "longitude",
    "anonymous",
    "confidential",
    "reply_channel",
}
LANGUAGES = ("zh-Hant-TW", "en")
NOT_FOUND = "no case with this number and password"

bp = Blueprint("complaint_api", __name__, url_prefix="/api/v1/complaints")
csrf.exempt(bp)


def _problem(status: int, message: str, **extra: Any) -> Any:
    return jsonify({"error": message, **extra}), status


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@bp.post("")
@limit("RATELIMIT_PUBLIC")
def create() -> Any:
    """File a complaint for an agency."""
    if not request.is_json:
        return _problem(415, "send the complaint as application/json")
    try:
        body = parse_json(request.get_data(cache=False), current_app.json.loads)
    except BadJson as exc:
        return _problem(400, str(exc))
    if not isinstance(body, dict):
        return _problem(400, "the body is not a JSON object (or not valid UTF-8 JSON)")
    errors = {str(k)[:64]: "unknown field" for k in body if k not in FIELDS}
    language = body.get("language", "zh-Hant-TW")
    if language not in LANGUAGES:
        errors["language"] = f"must be one of {list(LANGUAGES)}"
    if errors:
        return _problem(422, "invalid complaint", errors=errors)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    fields = {k: v for k, v in body.items() if k not in ("agency", "category", "language")}
    try:
        filed = file_complaint(
            app,
            get_session(),
            agency_code=body.get("agency"),
            category_code=body.get("category"),
            fields=fields,
            channel="api",
            language=language,
            client=client_key(),
        )
    except IntakeError as exc:
        return _problem(422, "invalid complaint", errors=exc.errors)
    except TooManyFilings:
        raise TooManyRequests(retry_after=throttles.filing_wait(app, client_key())) from None
    except lifecycle.CaseError as exc:
        return _problem(422, "invalid complaint", errors={"description": str(exc)})
    response = jsonify(
        {
            "case_number": filed.case_number,
            "password": filed.password,
            "follow_url": filed.follow_url,
            "due_on": filed.due_on.isoformat(),
            "status": filed.status,
        }
    )
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<case_number>")
@limit("RATELIMIT_LOGIN", ("GET",), key=address_key)
def show(case_number: str) -> Any:
    """Where a case stands, for its complainant (the password in X-Case-Password)."""
    password = request.headers.get("X-Case-Password")
    if not password:
        return _problem(400, "send the case's password in the X-Case-Password header")
    if len(password) > 100 or len(case_number) > 40:
        return _problem(404, NOT_FOUND)
    db = get_session()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    proof = complainant.prove(app, db, case_number, password, client_address(request))
    if proof.retry_after:
        raise TooManyRequests(retry_after=proof.retry_after)
    case = proof.case
    if case is None:
        return _problem(404, NOT_FOUND)
    current = records.current_case(db, case)
    agency = db.get(Agency, current.agency_id)
    history = [
        {
            "at": _iso(event.at),
            "event": event.kind,
            "reason": event.reason or None,
            "text": event.body or None,
        }
        for event in records.public_events(db, case)
    ]
    return jsonify(
        {
            "case_number": case.case_number,
            "current_case_number": current.case_number,
            "agency": agency.code if agency else None,
            "status": current.status,
            "received_on": case.received_on.isoformat(),
            "due_on": current.due_on.isoformat() if current.status in lifecycle.OPEN else None,
            "history": history,
        }
    )
