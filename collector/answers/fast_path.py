"""``POST /api/v1/responses``: the submission contract, and a lean way in for it.

Integrators send every answer through this one endpoint (the counter kiosks have their
own, ``/kiosk/api/responses``), so it is the hot path of the whole application. The
channel ``kiosk`` is taken only from a registered device (the ``submission_device``
hook): anyone else claiming it is refused, so kiosk answers always name their device. :func:`answer` is the contract (what is checked,
what is stored, what comes back, see ``/api/openapi.json``) as a function of the
request's parts; it needs an application context but no request context.

Two ways reach it: the Flask view (``collector.answers.views.api.create_response``), and
:class:`SubmissionEndpoint`, a WSGI middleware in front of Flask that answers this
one route without Flask's per-request machinery (request context, URL routing,
session, signals). It does itself what that machinery would have done for this
route: the rate limit, the body-size limit, the security headers, the JSON error
bodies. It steps aside, leaving the request to Flask, whenever the app has request
hooks or signal receivers it does not know (a plugin's ``before_request``, say),
so that nothing registered for every request is ever skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from typing import Any

from flask import Flask
from flask import signals
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.http import parse_cookie

from collector.access.ratelimit import client_key
from collector.access.ratelimit import client_key_for
from collector.access.ratelimit import get_limiter
from collector.access.ratelimit import rules_for
from collector.access.security import headers_for
from collector.answers.records import Submission
from collector.answers.submission import IdempotencyConflict
from collector.answers.submission import InvalidSubmission
from collector.answers.submission import submit
from collector.core import clock
from collector.core.db import get_session
from collector.core.db import is_outage
from collector.core.errors import UNAVAILABLE
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.jsonbody import BadJson
from collector.core.jsonbody import parse_json
from collector.core.lookups import cached_agency_by_code
from collector.core.lookups import cached_unit_by_code
from collector.core.models import CHANNELS
from collector.core.numbers import INT_MAX
from collector.core.numbers import stored_int
from collector.core.offering import cached_is_offered
from collector.core.plugins import get_plugins
from collector.core.questionnaires import PUBLIC_KINDS
from collector.core.questionnaires import cached_current_version
from collector.core.questionnaires import cached_version_by_number
from collector.core.questionnaires import definition_of

log = logging.getLogger(__name__)

PATH = "/api/v1/responses"
ENDPOINT = "api.create_response"
MAX_KEY_LENGTH = 128
DEVICE_CHANNELS = frozenset({"kiosk"})
"""Channels a submission may claim only with a registered device's credential."""
FIELDS = frozenset(
    {"questionnaire", "version", "agency", "unit", "channel", "language", "answers", "started_at"}
)


@dataclass
class Reply:
    """What the endpoint answers: a status, a JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: list[tuple[str, str]] = field(default_factory=list)


def problem(status: int, message: str, **extra: Any) -> Reply:
    return Reply(status, {"error": message, **extra})


def _field_errors(errors: dict[str, str]) -> Reply:
    return Reply(422, {"error": "invalid submission", "errors": errors})


def is_json(mimetype: str) -> bool:
    """As Flask's ``Request.is_json``: ``application/json`` or ``application/*+json``."""
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def answer(
    app: Flask,
    *,
    mimetype: str,
    data: bytes,
    idempotency_key: str | None,
    accept_language: str | None,
    cookies: Mapping[str, str] | None = None,
) -> Reply:
    """Store one response; nothing is stored unless everything in it is valid."""
    if not is_json(mimetype):
        return problem(415, "send the response as application/json")
    try:
        body = parse_json(data, app.json.loads)
    except BadJson as exc:
        return problem(400, str(exc))
    if not isinstance(body, dict):
        return problem(400, "the body is not a JSON object (or not valid UTF-8 JSON)")
    key = idempotency_key
    if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH and key.isprintable()):
        return problem(400, f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters")
    submission = _read(app, body, key, dict(cookies or {}))
    if isinstance(submission, Reply):
        return submission
    version = submission.questionnaire
    try:
        saved = submit(app, get_plugins(app), definition_of(version), submission)
    except InvalidSubmission as exc:
        # Integrators read English first.
        language = pick_language(["en", "zh-Hant-TW"], None, accept_language or "")
        return _field_errors({k: e.text(language) for k, e in exc.errors.items()})
    except IdempotencyConflict:
        return problem(
            422, "this Idempotency-Key was already used with a different body", errors={}
        )
    reply = Reply(
        201,
        {
            "receipt": saved.receipt,
            "questionnaire": version.slug,
            "version": version.version,
            "submitted_at": saved.submitted_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        },
    )
    if saved.replayed:
        reply.headers.append(("Idempotent-Replayed", "true"))
    return reply


def cut_at_limit(environ: dict[str, Any], data: bytes, limit: int | None) -> bool:
    """True when a body sent without a length (chunked) went on past ``limit``.

    Werkzeug reads such a body up to MAX_CONTENT_LENGTH and stops there without a
    word; one more byte on the raw input tells a body cut short from one that ended
    at the limit, so that the client hears "too large" instead of "not JSON".
    """
    return (
        limit is not None
        and len(data) >= limit
        and not environ.get("CONTENT_LENGTH")
        and bool(environ.get("wsgi.input_terminated"))
        and bool(environ["wsgi.input"].read(1))
    )


def _read(
    app: Flask, body: dict[str, Any], key: str | None, cookies: dict[str, str]
) -> Submission | Reply:
    """The body's fields checked and looked up (cached: no query unless something is new)."""
    errors: dict[str, str] = {}
    for name in body:
        if name not in FIELDS:
            errors[str(name)[:64]] = "unknown field"
    slug = body.get("questionnaire")
    version = None
    if not isinstance(slug, str):
        errors["questionnaire"] = "required: the questionnaire's slug"
    else:
        number = body.get("version")
        if number is None:
            version = cached_current_version(app, get_session, slug)
        elif stored_int(number, low=1) is None:
            errors["version"] = f"a whole number from 1 to {INT_MAX}"
        else:
            version = cached_version_by_number(app, get_session, slug, number)
        if version is None and "version" not in errors:
            errors["questionnaire"] = "no such questionnaire or version"
        elif version is not None and definition_of(version).kind not in PUBLIC_KINDS:
            errors["questionnaire"] = "this questionnaire is not open to public submissions"
    agency_code = body.get("agency")
    agency = (
        cached_agency_by_code(app, get_session, agency_code)
        if isinstance(agency_code, str)
        else None
    )
    if agency is None:
        errors["agency"] = "no such agency"
    elif version is not None and not cached_is_offered(
        app, get_plugins(app), get_session, agency, version.slug
    ):
        errors["questionnaire"] = "this questionnaire is not offered at this agency"
    unit = None
    unit_code = body.get("unit")
    if unit_code is not None:
        unit = (
            cached_unit_by_code(app, get_session, agency, unit_code)
            if agency and isinstance(unit_code, str)
            else None
        )
        if unit is None:
            errors["unit"] = "no such unit in this agency"
    channel = body.get("channel", "online")
    device = None
    if channel not in CHANNELS:
        errors["channel"] = f"must be one of {list(CHANNELS)}"
    elif channel in DEVICE_CHANNELS and agency is not None:
        device = get_plugins(app).hook.submission_device(
            channel=channel, agency_id=agency.id, cookies=cookies
        )
        if device is None:
            errors["channel"] = (
                f"{channel!r} is taken only from a registered device of this agency"
                " (its credential); kiosks send their answers through /kiosk/api/responses"
            )
    answers = body.get("answers")
    if not isinstance(answers, dict):
        errors["answers"] = "required: an object of question key to answer"
    started = body.get("started_at")
    started_at = None
    if started is not None:
        try:
            started_at = clock.parse_time(str(started))  # no offset given: read as UTC
            if started_at > clock.now():
                raise ValueError
        except ValueError:
            errors["started_at"] = "an ISO 8601 time in the past, from 1900 on"
    if errors:
        return _field_errors(errors)
    assert version is not None and agency is not None and isinstance(answers, dict)
    languages = definition_of(version).languages
    language = body.get("language", languages[0])
    if language not in languages:
        return _field_errors({"language": f"must be one of {languages}"})
    return Submission(
        questionnaire=version,
        agency=agency,
        unit=unit,
        channel=channel,
        language=language,
        answers=answers,
        started_at=started_at,
        idempotency_key=f"api:{key}" if key else None,
        kiosk_id=device,
    )


# --------------------------------------------------------------------------------------
# The lean way in.

# What Flask would run for this route that the middleware does itself, by name.
KNOWN_BEFORE = {"flask_wtf.csrf.csrf_protect", "collector.access.ratelimit._check"}
KNOWN_AFTER = {"collector.access.security._headers"}
# The one rate limit this route has (collector.access.ratelimit.PUBLIC_ENDPOINTS).
PUBLIC_RULE = ("RATELIMIT_PUBLIC", ("POST",), client_key)
SIGNALS = (
    signals.request_started,
    signals.request_finished,
    signals.got_request_exception,
    signals.request_tearing_down,
)


def _names(funcs: Iterable[Callable[..., Any]]) -> set[str]:
    return {f"{f.__module__}.{f.__name__}" for f in funcs}


class SubmissionEndpoint:
    """Answers ``POST /api/v1/responses`` in front of Flask; everything else passes on.

    Installed by :func:`init_app` as ``app.wsgi_app``, so a proxy fix or other
    middleware wrapped around it later still sees every request first.
    """

    def __init__(self, app: Flask, wrapped: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wrapped = wrapped
        self._checked_state: Any = None
        self._known = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if (
            environ.get("REQUEST_METHOD") != "POST"
            or environ.get("PATH_INFO") != PATH
            or not self.app.config["API_FAST_PATH"]
            or not self._only_known_hooks()
        ):
            return self.wrapped(environ, start_response)
        reply = self._handle(environ)
        payload = self._encode(reply.body)
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            *reply.headers,
            *headers_for(ENDPOINT, self.app),
        ]
        start_response(_status_line(reply.status), headers)
        return [payload]

    def _encode(self, body: dict[str, Any]) -> bytes:
        """The JSON bytes Flask's ``jsonify`` would send (compact unless debugging)."""
        provider = self.app.json
        compact = getattr(provider, "compact", None)
        if compact or (compact is None and not self.app.debug):
            text = provider.dumps(body, separators=(",", ":"))
        else:
            text = provider.dumps(body, indent=2)
        return (text + "\n").encode("utf-8")

    def _only_known_hooks(self) -> bool:
        """True when Flask would run nothing for this route that :meth:`_handle` does not.

        Worked out again whenever a registry changed (compared by its contents).
        """
        app = self.app
        registries = (
            app.before_request_funcs,
            app.after_request_funcs,
            app.teardown_request_funcs,
            app.url_value_preprocessors,
            app.url_default_functions,
        )
        state = (
            tuple(tuple(r.get(None, ())) + tuple(r.get("api", ())) for r in registries),
            app.view_functions.get(ENDPOINT),  # its limits hang on the view function
            tuple(bool(signal.receivers) for signal in SIGNALS),
        )
        if state != self._checked_state:
            self._checked_state, self._known = state, self._check(app)
        return self._known

    @staticmethod
    def _check(app: Flask) -> bool:
        if _names(app.before_request_funcs.get(None, ())) - KNOWN_BEFORE:
            return False
        if _names(app.after_request_funcs.get(None, ())) - KNOWN_AFTER:
            return False
        others = (
            app.teardown_request_funcs,
            app.url_value_preprocessors,
            app.url_default_functions,
        )
        if any(r.get(None) for r in others):
            return False
        if any(r.get("api") for r in (app.before_request_funcs, app.after_request_funcs, *others)):
            return False
        return rules_for(app, ENDPOINT) == [PUBLIC_RULE] and not any(s.receivers for s in SIGNALS)

    def _handle(self, environ: dict[str, Any]) -> Reply:
        app = self.app
        with app.app_context():
            try:
                limited = self._rate_limited(environ)
                if limited is not None:
                    return limited
                return answer(
                    app,
                    mimetype=environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower(),
                    data=self._body(environ),
                    idempotency_key=environ.get("HTTP_IDEMPOTENCY_KEY"),
                    accept_language=environ.get("HTTP_ACCEPT_LANGUAGE"),
                    cookies=parse_cookie(environ.get("HTTP_COOKIE")),
                )
            except RequestEntityTooLarge:
                return problem(413, "the request body is too large")
            except Exception as exc:
                if is_outage(exc):
                    log.error(
                        "database unavailable on POST %s: %s", PATH, getattr(exc, "orig", exc)
                    )
                    retry = str(app.config["RETRY_AFTER_SECONDS"])
                    return Reply(503, {"error": UNAVAILABLE}, [("Retry-After", retry)])
                propagate = app.config["PROPAGATE_EXCEPTIONS"]
                if propagate or (propagate is None and (app.testing or app.debug)):
                    raise
                log.exception("Exception on %s [POST]", PATH)
                return Reply(
                    500, {"error": translator("en").gettext("Something went wrong on our side")}
                )

    def _body(self, environ: dict[str, Any]) -> bytes:
        """The request body, no longer than MAX_CONTENT_LENGTH (else RequestEntityTooLarge)."""
        length = environ.get("CONTENT_LENGTH", "")
        limit = self.app.config["MAX_CONTENT_LENGTH"]
        if not (length.isascii() and length.isdigit()):
            # No (or an odd) length, e.g. chunked: werkzeug reads it within the limit.
            data = self.app.request_class(environ).get_data(cache=False)
            if cut_at_limit(environ, data, limit):
                raise RequestEntityTooLarge()
            return data
        if limit is not None and int(length) > limit:
            raise RequestEntityTooLarge()
        return environ["wsgi.input"].read(int(length)) if int(length) else b""

    def _rate_limited(self, environ: dict[str, Any]) -> Reply | None:
        """The public rate limit, as ``collector.access.ratelimit`` applies it to this route."""
        limiter = get_limiter(self.app)
        if not limiter.enabled:
            return None
        config_key = PUBLIC_RULE[0]
        value = self.app.config[config_key]
        identity = client_key_for(self.app, self.app.request_class(environ))
        if limiter.hit(value, config_key, identity):
            return None
        retry = limiter.retry_after(value, config_key, identity)
        return Reply(
            429, {"error": "too many requests; try again later"}, [("Retry-After", str(retry))]
        )


def _status_line(status: int) -> str:
    return f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN').upper()}"


def init_app(app: Flask) -> None:
    app.wsgi_app = SubmissionEndpoint(app, app.wsgi_app)  # type: ignore[method-assign]  # WSGI middleware, as Flask documents it
