"""The JSON API (``/api/v1``) that integrators and the kiosk use; see ``/api/openapi.json``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from collector.db import get_session
from collector.i18n import pick_language
from collector.lookups import cached_agency_by_code, cached_unit_by_code, public_agencies
from collector.models import CHANNELS, utcnow
from collector.openapi import openapi_document
from collector.plugins import get_plugins
from collector.questionnaires import (
    PUBLIC_KINDS,
    cached_current_version,
    cached_version_by_number,
    current_version,
    definition_of,
)
from collector.ratelimit import address_key, limit
from collector.security import csrf
from collector.submission import IdempotencyConflict, InvalidSubmission, Submission, submit

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

MAX_KEY_LENGTH = 128


def problem(status: int, message: str, **extra: Any) -> Any:
    body = {"error": message, **extra}
    return jsonify(body), status


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document(current_app))


@bp.get("/v1/agencies")
def agencies() -> Any:
    return jsonify(
        {
            "agencies": [
                {
                    "code": agency.code,
                    "name": {"zh-Hant-TW": agency.name_zh, "en": agency.name_en},
                    "units": [
                        {"code": u.code, "name": {"zh-Hant-TW": u.name_zh, "en": u.name_en}}
                        for u in units
                    ],
                }
                for agency, units in public_agencies(get_session())
            ]
        }
    )


def describe_questionnaire(q: Any, version: int, language: str | None = None) -> dict[str, Any]:
    """A questionnaire as the API lists it: enough for a client to render and submit."""
    plugins = get_plugins()
    langs = [language] if language else q.languages

    def text(value: Any) -> Any:
        if value is None:
            return None
        return {lang: q.text(value, lang) for lang in langs}

    questions = []
    for section in q.sections:
        for question in section.questions:
            qtype = plugins.question_type(q, question.key)
            options_by_lang = {lang: qtype.options(lang) for lang in langs}
            first = options_by_lang[langs[0]]
            low, high = qtype.bounds()
            questions.append(
                {
                    "key": question.key,
                    "type": question.type,
                    "section": section.key,
                    "label": text(question.label),
                    "hint": text(question.hint),
                    "required": question.required,
                    "choices": (
                        [
                            {
                                "value": value,
                                "label": {
                                    lang: dict(options_by_lang[lang])[value] for lang in langs
                                },
                            }
                            for value, _ in first
                        ]
                        if first is not None
                        else None
                    ),
                    "min": low,
                    "max": high,
                    "max_length": question.max_length,
                    "relevant": question.relevant,
                    "constraint": question.constraint,
                    "schema": qtype.json_schema(),
                }
            )
    return {
        "slug": q.slug,
        "version": version,
        "kind": q.kind,
        "title": text(q.title),
        "languages": q.languages,
        "questions": questions,
    }


@bp.get("/v1/questionnaires")
def questionnaires() -> Any:
    db = get_session()
    language = request.args.get("lang")
    out = []
    for slug in get_plugins().questionnaires:
        version = current_version(current_app, db, slug)
        if version is None:
            continue
        q = definition_of(version)
        if q.kind not in PUBLIC_KINDS:
            continue
        lang = language if language in q.languages else None
        out.append(describe_questionnaire(q, version.version, lang))
    return jsonify({"questionnaires": out})


def _field_errors(errors: dict[str, str]) -> Any:
    return jsonify({"error": "invalid submission", "errors": errors}), 422


@bp.post("/v1/responses")
def create_response() -> Any:
    """Store one response. Nothing is stored unless everything in it is valid."""
    if not request.is_json:
        return problem(415, "send the response as application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "the body is not a JSON object (or not valid UTF-8 JSON)")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH and key.isprintable()):
        return problem(400, f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters")
    language = pick_language(["en", "zh-Hant-TW"], None)  # integrators read English first

    errors: dict[str, str] = {}
    allowed = {
        "questionnaire",
        "version",
        "agency",
        "unit",
        "channel",
        "language",
        "answers",
        "started_at",
    }
    for name in body:
        if name not in allowed:
            errors[str(name)[:64]] = "unknown field"
    # Cached lookups (collector.lookups, collector.questionnaires): a session is only
    # opened, by calling get_session, when something is not cached yet.
    slug = body.get("questionnaire")
    version = None
    if not isinstance(slug, str):
        errors["questionnaire"] = "required: the questionnaire's slug"
    else:
        number = body.get("version")
        if number is None:
            version = cached_current_version(current_app, get_session, slug)
        elif isinstance(number, int) and not isinstance(number, bool):
            version = cached_version_by_number(current_app, get_session, slug, number)
        if version is None:
            errors["questionnaire"] = "no such questionnaire or version"
        elif definition_of(version).kind not in PUBLIC_KINDS:
            errors["questionnaire"] = "this questionnaire is not open to public submissions"
    agency_code = body.get("agency")
    agency = (
        cached_agency_by_code(current_app, get_session, agency_code)
        if isinstance(agency_code, str)
        else None
    )
    if agency is None:
        errors["agency"] = "no such agency"
    unit = None
    unit_code = body.get("unit")
    if unit_code is not None:
        unit = (
            cached_unit_by_code(current_app, get_session, agency, unit_code)
            if agency and isinstance(unit_code, str)
            else None
        )
        if unit is None:
            errors["unit"] = "no such unit in this agency"
    channel = body.get("channel", "online")
    if channel not in CHANNELS:
        errors["channel"] = f"must be one of {list(CHANNELS)}"
    answers = body.get("answers")
    if not isinstance(answers, dict):
        errors["answers"] = "required: an object of question key to answer"
    started = body.get("started_at")
    started_at = None
    if started is not None:
        try:
            started_at = datetime.fromisoformat(str(started))
            if started_at.tzinfo is None:
                started_at = started_at.replace(tzinfo=UTC)  # no offset given: read as UTC
            if started_at > utcnow():
                raise ValueError
        except ValueError:
            errors["started_at"] = "an ISO 8601 time in the past"
    if errors:
        return _field_errors(errors)

    assert version is not None and agency is not None and isinstance(answers, dict)
    questionnaire = definition_of(version)
    resp_language = body.get("language", questionnaire.languages[0])
    if resp_language not in questionnaire.languages:
        return _field_errors({"language": f"must be one of {questionnaire.languages}"})
    submission = Submission(
        questionnaire=version,
        agency=agency,
        unit=unit,
        channel=channel,
        language=resp_language,
        answers=answers,
        started_at=started_at,
        idempotency_key=f"api:{key}" if key else None,
    )
    try:
        saved = submit(current_app, get_plugins(), questionnaire, submission)
    except InvalidSubmission as exc:
        return _field_errors({k: e.text(language) for k, e in exc.errors.items()})
    except IdempotencyConflict:
        return problem(
            422, "this Idempotency-Key was already used with a different body", errors={}
        )
    response = jsonify(
        {
            "receipt": saved.receipt,
            "questionnaire": version.slug,
            "version": version.version,
            "submitted_at": saved.submitted_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }
    )
    response.status_code = 201
    if saved.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.post("/v1/complaints")
@limit("RATELIMIT_PUBLIC")
def create_complaint() -> Any:
    """File a complaint for an agency (collector.views.complaint_api)."""
    from collector.views.complaint_api import create

    return create()


@bp.get("/v1/complaints/<case_number>")
@limit("RATELIMIT_LOGIN", ("GET",), key=address_key)
def show_complaint(case_number: str) -> Any:
    """Where a case stands, for its complainant (the password in X-Case-Password)."""
    from collector.views.complaint_api import show

    return show(case_number)
