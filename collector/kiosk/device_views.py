"""The tablet's side (``/kiosk``): pairing, the kiosk page, its service worker, and the
JSON endpoints its script calls.

The JSON endpoints authenticate the device by its credential cookie (HttpOnly, SameSite
Strict, path ``/kiosk``) and take no CSRF token, so a tablet left idle for days still
sends what it queued: a cross-site page can neither read nor send that cookie, and a
cross-site request cannot have the JSON content type without the browser's pre-flight,
which this app never grants. Every answer carries its idempotency key, so a resend is
stored once.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import send_from_directory
from flask import url_for
from jinja2.utils import htmlsafe_json_dumps
from werkzeug.wrappers import Response as BaseResponse

from collector.access.ratelimit import address_key
from collector.access.ratelimit import get_limiter
from collector.access.security import csrf
from collector.answers.records import Submission
from collector.answers.submission import IdempotencyConflict
from collector.answers.submission import InvalidSubmission
from collector.answers.submission import submit
from collector.core import clock
from collector.core.db import get_session
from collector.core.i18n import HTML_LANG
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.i18n import use_language
from collector.core.jsonbody import BadJson
from collector.core.jsonbody import parse_json
from collector.core.links import is_https
from collector.core.models import Agency
from collector.core.models import Unit
from collector.core.plugins import get_plugins
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.core.questionnaires import version_by_number
from collector.kiosk import service
from collector.kiosk import settings
from collector.kiosk.forms import PairForm
from collector.kiosk.models import Kiosk
from collector.kiosk.screens import page_data

STATIC = Path(__file__).parent / "static"
bp = Blueprint(
    "kiosk",
    __name__,
    url_prefix="/kiosk",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
csrf.exempt(bp)  # the pairing form checks its own token; the JSON endpoints are explained above

KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CLIENT_TIME_WINDOW = timedelta(days=90)
"""How old a queued answer's device time may be and still be kept as its time."""


@bp.record_once
def _defaults(state: Any) -> None:
    settings.init_app(state.app)


COMPRESSED_TYPES = frozenset({"text/html", "text/css", "text/javascript", "application/javascript"})


@bp.after_request
def _gzip(response: BaseResponse) -> BaseResponse:
    """gzip the kiosk's page, script, style sheet and service worker (a counter's network
    may be slow; the page carries every language at once). These bodies hold no secret
    (no CSRF token: the device's credential is an HttpOnly cookie) and echo nothing a
    visitor sent, so compressing them exposes nothing (BREACH needs both); the pairing
    page and the survey and complaint pages, which hold tokens, are left as they are."""
    if (
        response.status_code != 200
        or request.endpoint == "kiosk.pair"  # it holds a CSRF token and echoes the code
        or response.mimetype not in COMPRESSED_TYPES
        or not request.accept_encodings["gzip"]
        or "Content-Encoding" in response.headers
    ):
        return response
    response.direct_passthrough = False
    body = response.get_data()
    if len(body) < 1024:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if response.get_etag()[0]:
        response.set_etag(f"{response.get_etag()[0]}-gzip")
    return response


def _language() -> str:
    return use_language(pick_language(current_app.config["LANGUAGES"], request.args.get("lang")))


def _device() -> Kiosk | None:
    return service.device(get_session(), request)


@bp.route("/pair", methods=["GET", "POST"])
def pair() -> Any:
    """Enter (or arrive from the QR with) the code the console shows."""
    language = _language()
    form = PairForm()
    error = None
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:32]
    if request.method == "POST" and form.validate():
        limiter = get_limiter()
        limit = current_app.config["KIOSK_PAIRING_LIMIT"]
        if not limiter.hit(limit, "KIOSK_PAIRING", address_key()):
            error = translator(language).gettext(
                "Too many attempts. Please wait a while and try again."
            )
        else:
            paired = service.pair(current_app, form.code.data or "")
            if paired is not None:
                response = redirect(url_for("kiosk.start"), code=303)
                _set_credential(response, paired[1])
                return response
            error = translator(language).gettext(
                "That code is not valid or has expired. Ask for a new code in the console."
            )
    elif request.method == "POST":
        error = translator(language).gettext("The page timed out. Please try again.")
    page = render_template(
        "kiosk/pair.html", form=form, error=error, language=language, html_lang=HTML_LANG[language]
    )
    return page, 422 if error else 200


def _set_credential(response: BaseResponse, credential: str) -> None:
    response.set_cookie(
        service.COOKIE,
        credential,
        max_age=10 * 365 * 24 * 3600,  # the device keeps it until revoked
        path=service.COOKIE_PATH,
        secure=is_https(current_app) or request.is_secure,
        httponly=True,
        samesite="Strict",
    )


@bp.get("/")
def start() -> Any:
    """The kiosk page: every screen, in every language, drawn by ``kiosk.js``."""
    kiosk = _device()
    if kiosk is None:
        return redirect(url_for("kiosk.pair"))
    db = get_session()
    plugins = get_plugins()
    version = current_version(current_app, db, kiosk.questionnaire)
    if version is None:
        return render_template("error.html", title="404", body=""), 404
    questionnaire = definition_of(version)
    configured = current_app.config["LANGUAGES"]
    languages = [lang for lang in configured if lang in questionnaire.languages] or [
        questionnaire.languages[0]
    ]
    agency = db.get(Agency, kiosk.agency_id)
    unit = db.get(Unit, kiosk.unit_id)
    data = page_data(plugins, questionnaire, languages)
    data |= {
        "version": settings.APP_VERSION,
        "questionnaire": questionnaire.slug,
        "questionnaireVersion": version.version,
        "kiosk": kiosk.name,
        "agency": {lang: (agency.name_en if lang == "en" else agency.name_zh) for lang in languages}
        if agency
        else {},
        "unit": {lang: (unit.name_en if lang == "en" else unit.name_zh) for lang in languages}
        if unit
        else {},
        # The agency's and unit's names are Chinese except in English: say so to screen readers.
        "placeLang": {
            lang: HTML_LANG["en" if lang == "en" else "zh-Hant-TW"] for lang in languages
        },
        "idleSeconds": _seconds("KIOSK_IDLE_SECONDS"),
        "warningSeconds": _seconds("KIOSK_WARNING_SECONDS"),
        "thanksSeconds": _seconds("KIOSK_THANKS_SECONDS"),
        "urls": {
            "responses": url_for("kiosk.responses"),
            "contact": url_for("kiosk.contact"),
            "leave": url_for("kiosk.leave"),
            "worker": url_for("kiosk.worker"),
            "pair": url_for("kiosk.pair"),
        },
    }
    language = use_language(languages[0])
    return render_template(
        "kiosk/kiosk.html",
        data=data,
        # UTF-8, not \\u escapes: Thai, Vietnamese and Chinese text at half the bytes.
        data_json=htmlsafe_json_dumps(data, dumps=json.dumps, ensure_ascii=False),
        language=language,
        html_lang=HTML_LANG.get(language, language),
    )


def _seconds(key: str) -> float:
    return float(current_app.config[key])


@bp.get("/sw.js")
def worker() -> Response:
    """The service worker, served under ``/kiosk/`` so that it controls the kiosk's pages."""
    response = send_from_directory(STATIC, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _refuse(status: int, error: str) -> tuple[Response, int]:
    return jsonify({"error": error}), status


def _body() -> dict[str, Any] | None:
    if request.mimetype != "application/json":
        return None
    try:
        body = parse_json(request.get_data(cache=False), current_app.json.loads)
    except BadJson:
        return None
    return body if isinstance(body, dict) else None


def _reported(kiosk: Kiosk) -> None:
    """Note the device's contact, with the queue length and version its headers report."""
    queue = request.headers.get("X-Kiosk-Queue", "")
    assert kiosk.id is not None
    service.record_contact(
        current_app,
        kiosk.id,
        int(queue) if queue.isdigit() and len(queue) < 8 else None,
        request.headers.get("X-Kiosk-Version", "")[:32] or None,
    )


@bp.post("/api/contact")
def contact() -> Any:
    """The device's heartbeat: it is alive, with this many answers waiting."""
    kiosk = _device()
    if kiosk is None:
        return _refuse(401, "not a paired kiosk")
    _reported(kiosk)
    return "", 204


@bp.post("/api/leave")
def leave() -> Any:
    """Check the staff PIN that leaves kiosk mode (limited per device)."""
    kiosk = _device()
    if kiosk is None:
        return _refuse(401, "not a paired kiosk")
    body = _body()
    pin = body.get("pin") if body else None
    if not isinstance(pin, str) or len(pin) > 64:
        return _refuse(400, "pin missing")
    limit = current_app.config["KIOSK_PIN_LIMIT"]
    if not get_limiter().hit(limit, "KIOSK_PIN", f"kiosk:{kiosk.id}"):
        return _refuse(429, "too many attempts")
    if not service.leave(current_app, kiosk, pin):
        return _refuse(403, "wrong pin")
    return "", 204


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return service.aware(moment)


@bp.post("/api/responses")
def responses() -> Any:
    """One queued answer from the device: stored once per idempotency key."""
    kiosk = _device()
    if kiosk is None:
        return _refuse(401, "not a paired kiosk")
    assert kiosk.id is not None
    limit = current_app.config["KIOSK_RESPONSES_LIMIT"]
    if not get_limiter().hit(limit, "KIOSK_RESPONSES", f"kiosk:{kiosk.id}"):
        return _refuse(429, "too many answers from this kiosk")
    body = _body()
    if body is None:
        return _refuse(400, "the body must be a JSON object")
    key, answers = body.get("key"), body.get("answers")
    if not isinstance(key, str) or not KEY.match(key) or not isinstance(answers, dict):
        return _refuse(400, "key and answers are required")
    started, sent = _moment(body.get("started_at")), _moment(body.get("submitted_at"))
    if started is None or sent is None:
        return _refuse(400, "started_at and submitted_at are required")
    if (sent - started).total_seconds() < float(current_app.config["KIOSK_MIN_SECONDS"]):
        return _refuse(422, "too_fast")
    db = get_session()
    number = body.get("version")
    version = (
        version_by_number(db, kiosk.questionnaire, number)
        if isinstance(number, int) and not isinstance(number, bool)
        else None
    )
    if version is None:
        return _refuse(422, "unknown questionnaire version")
    questionnaire = definition_of(version)
    language = body.get("language")
    if language not in questionnaire.languages:
        language = questionnaire.languages[0]
    now = clock.utcnow()  # the device's clock is a real one: compare with the real time
    agency, unit = db.get(Agency, kiosk.agency_id), db.get(Unit, kiosk.unit_id)
    assert agency is not None and version.id is not None
    kept_time = sent if now - CLIENT_TIME_WINDOW <= sent <= now + timedelta(days=1) else None
    # The campaign of the day the answer was given (a queued answer may arrive days later).
    day = clock.local_date(kept_time or now)
    campaign_id = service.campaign_for(db, kiosk, version.id, day)
    submission = Submission(
        questionnaire=version,
        agency=agency,
        unit=unit,
        channel="kiosk",
        language=language,
        answers=answers,
        started_at=started
        if now - CLIENT_TIME_WINDOW <= started <= now + timedelta(days=1)
        else None,
        idempotency_key=f"kiosk:{kiosk.id}:{key}",
        kiosk_id=kiosk.id,
        client_submitted_at=kept_time,
        campaign_id=campaign_id,
    )
    try:
        saved = submit(current_app, get_plugins(), questionnaire, submission)
    except IdempotencyConflict:
        return _refuse(409, "this key was used for other answers")
    except InvalidSubmission as exc:
        return jsonify({"error": "invalid", "fields": sorted(exc.errors)}), 422
    _reported(kiosk)
    return jsonify(
        {"receipt": saved.receipt, "replayed": saved.replayed}
    ), 200 if saved.replayed else 201
