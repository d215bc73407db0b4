"""The citizen's survey pages: mobile-first, server-rendered, working without JavaScript."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from collector.campaigns import link_on_survey_page
from collector.db import get_session
from collector.forms import build_form_class, undecodable_fields
from collector.i18n import LANGUAGE_NAMES, localised, pick_language, translate, use_language
from collector.lookups import agency_by_code, public_agencies, unit_by_code
from collector.models import Agency, Unit, utcnow
from collector.plugins import get_plugins
from collector.questionnaires import PUBLIC_KINDS, current_version, definition_of
from collector.submission import IdempotencyConflict, InvalidSubmission, Submission, submit
from surveys import Questionnaire, compile_expression

bp = Blueprint("survey", __name__)

PUBLIC_CHANNELS = {"online", "qr"}


def _ui_language() -> str:
    return use_language(pick_language(current_app.config["LANGUAGES"], request.args.get("lang")))


@bp.get("/")
def index() -> str:
    language = _ui_language()
    plugins = get_plugins()
    db = get_session()
    citizen = [q for q in plugins.questionnaires.values() if q.kind in PUBLIC_KINDS]
    return render_template(
        "index.html",
        language=language,
        agencies=public_agencies(db),
        questionnaires=citizen,
    )


def _load(
    agency_code: str, slug: str, unit_code: str | None
) -> tuple[Agency, Unit | None, Any, Questionnaire]:
    db = get_session()
    agency = agency_by_code(db, agency_code)
    if agency is None:
        abort(404)
    unit = None
    if unit_code is not None:
        unit = unit_by_code(db, agency, unit_code)
        if unit is None:
            abort(404)
    version = current_version(current_app, db, slug)
    if version is None or definition_of(version).kind not in PUBLIC_KINDS:
        abort(404)
    return agency, unit, version, definition_of(version)


def _started(value: str | None) -> datetime | None:
    """When the form was first shown; ignored when implausible."""
    if not value:
        return None
    try:
        started = datetime.fromisoformat(value)
    except ValueError:
        return None
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    now = utcnow()
    if not now - timedelta(days=1) <= started <= now:
        return None
    return started


def _relevance(questionnaire: Questionnaire) -> dict[str, Any]:
    """Each conditional question's (and section's) condition tree, for the page script."""
    trees: dict[str, Any] = {}
    for section in questionnaire.sections:
        if section.relevant:
            trees[f"section:{section.key}"] = compile_expression(section.relevant).to_json()
        for question in section.questions:
            if question.relevant:
                trees[question.key] = compile_expression(question.relevant).to_json()
    return trees


@bp.route("/s/<agency_code>/<slug>", methods=["GET", "POST"])
@bp.route("/s/<agency_code>/<unit_code>/<slug>", methods=["GET", "POST"])
def answer(agency_code: str, slug: str, unit_code: str | None = None) -> Any:
    agency, unit, version, questionnaire = _load(agency_code, slug, unit_code)
    plugins = get_plugins()
    channel = request.args.get("ch", "online")
    if channel not in PUBLIC_CHANNELS:
        channel = "online"
    # A campaign is recorded only through its signed link's token (``?c=``, kept on
    # POST by the form's own URL), verified on every request: never from a plain id.
    link = None
    if "c" in request.args:
        # An answer posted after the campaign ended is kept, outside the campaign.
        link = link_on_survey_page(
            get_session(), request.args["c"], agency, unit, slug, request.method == "POST"
        )
        channel = "qr"
        if link is not None:
            version, questionnaire = link.version, definition_of(link.version)
    form, language, switch, answers = open_form(questionnaire)
    if request.method == "GET":
        form.started.data = utcnow().isoformat(timespec="seconds")

    errors: dict[str, str] = {}
    notice = None
    if request.method == "POST" and not switch:
        if not form.validate():
            # Only the CSRF token can fail here: keep the answers and ask again.
            notice = translate("session_expired", language)
        else:
            token = (form.submission_token.data or "")[:128] or None
            submission = Submission(
                questionnaire=version,
                agency=agency,
                unit=unit,
                channel=channel,
                language=language,
                answers=answers(),
                started_at=_started(form.started.data),
                idempotency_key=f"web:{token}" if token else None,
                campaign_id=link.campaign_id if link else None,
            )
            try:
                saved = submit(current_app, plugins, questionnaire, submission)
            except InvalidSubmission as exc:
                errors = show_errors(form, exc, language)
            except IdempotencyConflict:
                # The same page was submitted before with other answers: take this as new.
                form.submission_token.data = secrets.token_urlsafe(24)
                notice = translate("session_expired", language)
            else:
                session["receipt"] = {
                    "receipt": saved.receipt,
                    "slug": slug,
                    "agency": agency.code,
                    "language": language,
                }
                return redirect(url_for("survey.thanks"), code=303)
    return render_survey(questionnaire, version, form, agency, unit, language, errors, notice)


def open_form(questionnaire: Questionnaire) -> tuple[Any, str, bool, Callable[[], dict[str, Any]]]:
    """The survey form for this request, shared by every page that shows a questionnaire.

    Returns the form (a fresh submission token on GET), the language, whether this
    POST only switches language, and a function giving the posted raw answers
    (fields that arrived as invalid UTF-8 marked so that their types refuse them).
    """
    plugins = get_plugins()
    undecodable: set[str] = set()
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        undecodable = undecodable_fields(request.get_data(cache=True, parse_form_data=False))
    switch = request.form.get("_lang") if request.method == "POST" else None
    language = use_language(
        pick_language(questionnaire.languages, switch or request.values.get("lang"))
    )
    form = build_form_class(plugins, questionnaire, language)()
    if request.method == "GET":
        form.submission_token.data = secrets.token_urlsafe(24)
    multiple = {q.key for q in questionnaire.questions() if plugins.question_types[q.type].multiple}
    return (
        form,
        language,
        bool(switch),
        lambda: form.raw_answers(questionnaire, multiple, undecodable),
    )


def render_survey(
    questionnaire: Questionnaire,
    version: Any,
    form: Any,
    agency: Agency,
    unit: Unit | None,
    language: str,
    errors: dict[str, str],
    notice: str | None,
    template: str = "survey.html",
    **extra: Any,
) -> tuple[str, int]:
    """The survey page (422 while answers need attention); shared with the staff survey
    and the complaint follow-up, which pass their own template and additions."""
    return (
        render_template(
            template,
            questionnaire=questionnaire,
            version=version,
            form=form,
            agency=agency,
            unit=unit,
            language=language,
            languages=[(lang, LANGUAGE_NAMES.get(lang, lang)) for lang in questionnaire.languages],
            errors=errors,
            notice=notice,
            relevance=_relevance(questionnaire),
            form_keys={q.key for q in questionnaire.questions()},
            plugins=get_plugins(),
            notice_text=_privacy_notice(questionnaire, agency, language),
            **extra,
        ),
        422 if errors else 200,
    )


def show_errors(form: Any, exc: InvalidSubmission, language: str) -> dict[str, str]:
    """Each invalid answer's message in ``language``, also attached to its field."""
    errors = {key: err.text(language) for key, err in exc.errors.items()}
    for key, message in errors.items():
        if ("q_" + key) in form:
            form.question_field(key).errors = [message]
    return errors


def _privacy_notice(questionnaire: Questionnaire, agency: Agency, language: str) -> list[str]:
    name = agency.name_en if language == "en" else agency.name_zh
    notice = questionnaire.privacy_notice
    parts = [
        notice.controller,
        notice.purpose,
        notice.categories,
        notice.use,
        notice.rights,
        notice.optional_data,
    ]
    return [localised(p, language).replace("{agency}", name) for p in parts]


@bp.get("/thanks")
def thanks() -> Any:
    data = session.get("receipt")
    if not data:
        return redirect(url_for("survey.index"))
    plugins = get_plugins()
    questionnaire = plugins.questionnaires.items.get(data["slug"])
    language = use_language(data.get("language", "zh-Hant-TW"))
    return render_template(
        "thanks.html",
        receipt=data["receipt"],
        questionnaire=questionnaire,
        language=language,
        agency_code=data["agency"],
    )
