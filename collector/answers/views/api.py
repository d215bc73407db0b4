"""The JSON API (``/api/v1``) that integrators use (kiosks have ``/kiosk/api``); see ``/api/openapi.json``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from collector.access.security import csrf
from collector.answers import fast_path as api_responses
from collector.answers.openapi import openapi_document
from collector.core.db import get_session
from collector.core.lookups import agency_by_code
from collector.core.lookups import public_agencies
from collector.core.offering import offered_by_agency
from collector.core.plugins import get_plugins
from collector.core.questionnaires import PUBLIC_KINDS
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of

bp = Blueprint("api", __name__, url_prefix="/api", template_folder="../templates")
csrf.exempt(bp)


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
    plugins = get_plugins()
    slugs: Iterable[str] = plugins.questionnaires
    if "agency" in request.args:  # only what that agency offers (collector.core.offering)
        agency = agency_by_code(db, request.args["agency"])
        slugs = offered_by_agency(db, plugins, [agency])[agency.id] if agency else []  # type: ignore[index]  # a stored agency: its id is set
    out = []
    for slug in sorted(slugs, key=list(plugins.questionnaires).index):
        version = current_version(current_app, db, slug)
        if version is None:
            continue
        q = definition_of(version)
        if q.kind not in PUBLIC_KINDS:
            continue
        lang = language if language in q.languages else None
        out.append(describe_questionnaire(q, version.version, lang))
    return jsonify({"questionnaires": out})


@bp.post("/v1/responses")
def create_response() -> Any:
    """Store one response (collector.answers.fast_path; usually answered before Flask routes)."""
    data = request.get_data(cache=False)
    if api_responses.cut_at_limit(request.environ, data, current_app.config["MAX_CONTENT_LENGTH"]):
        raise RequestEntityTooLarge()
    reply = api_responses.answer(
        current_app._get_current_object(),  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
        mimetype=request.mimetype,
        data=data,
        idempotency_key=request.headers.get("Idempotency-Key"),
        accept_language=request.headers.get("Accept-Language"),
        cookies=request.cookies,
    )
    response = jsonify(reply.body)
    response.status_code = reply.status
    response.headers.extend(reply.headers)
    return response
