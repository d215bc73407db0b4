"""The citizen's survey pages: mobile-first, server-rendered, working without JavaScript."""

from __future__ import annotations

import secrets
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from sqlalchemy import select
from sqlmodel import col

from collector.access.security import csrf
from collector.answers.submission import IdempotencyConflict
from collector.answers.submission import InvalidSubmission
from collector.answers.submission import submit
from collector.answers.survey_page import SurveyPage
from collector.answers.survey_page import timed_out
from collector.campaigns.service import link_on_survey_page
from collector.core import clock
from collector.core.db import get_session
from collector.core.i18n import LANGUAGE_NAMES
from collector.core.i18n import agency_name
from collector.core.i18n import pick_language
from collector.core.i18n import use_language
from collector.core.lookups import agency_by_code
from collector.core.lookups import public_agencies
from collector.core.lookups import unit_by_code
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.core.offering import is_offered
from collector.core.offering import offered_by_agency
from collector.core.plugins import get_plugins
from collector.core.questionnaires import PUBLIC_KINDS
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from surveys import Questionnaire

bp = Blueprint("survey", __name__, template_folder="../templates")
csrf.exempt(bp)  # the survey form checks its own token, keeping answers

PUBLIC_CHANNELS = {"online", "qr"}


def _ui_language() -> str:
    return use_language(pick_language(current_app.config["LANGUAGES"], request.args.get("lang")))


@bp.get("/")
def index() -> str:
    language = _ui_language()
    plugins = get_plugins()
    db = get_session()
    citizen = [q for q in plugins.questionnaires.values() if q.kind in PUBLIC_KINDS]
    agencies = public_agencies(db)
    offered = offered_by_agency(db, plugins, [agency for agency, _units in agencies])
    return render_template(
        "answers/index.html",
        language=language,
        languages=[(code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"]],
        agencies=[
            {
                "agency": agency,
                "units": units,
                "questionnaires": [q for q in citizen if q.slug in offered[agency.id]],  # type: ignore[index]  # stored agencies: their ids are set
            }
            for agency, units in agencies
        ],
    )


def _not_offered(agency: Agency, unit: Unit | None, questionnaire: Questionnaire) -> Any:
    """The clear 404 of a survey address whose agency does not offer the questionnaire."""
    language = _ui_language()
    plugins = get_plugins()
    slugs = offered_by_agency(get_session(), plugins, [agency])[agency.id]  # type: ignore[index]  # a stored agency: its id is set
    offered = [
        (q.slug, q.text(q.title, language))
        for q in plugins.questionnaires.values()
        if q.kind in PUBLIC_KINDS and q.slug in slugs
    ]
    page = render_template(
        "answers/not_offered.html",
        language=language,
        agency=agency,
        unit=unit,
        agency_label=agency_name(agency, language),
        survey_title=questionnaire.text(questionnaire.title, language),
        offered=offered,
    )
    return page, 404


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
    version = current_version(current_app, db, slug, agency.id)
    if version is None or definition_of(version).kind not in PUBLIC_KINDS:
        abort(404)
    return agency, unit, version, definition_of(version)


def _posted_version(version: QuestionnaireVersion) -> QuestionnaireVersion:
    """The version the posted page was shown under (its hidden ``questionnaire_version``).

    A page opened before the questionnaire changed submits under the version it
    showed, so its answers are checked and stored against the questions the person
    saw, never dropped for not matching the new ones. Only a version of the same
    questionnaire counts; anything else is the current version.
    """
    if request.method != "POST":
        return version
    # Keep the raw body for the page's check of undecodable answers (survey_page):
    # parsing the form first would consume it.
    request.get_data(cache=True, parse_form_data=False)
    posted = request.form.get("questionnaire_version", "")
    if not posted.isdigit() or int(posted) == version.id:
        return version
    older = (
        get_session()
        .execute(select(QuestionnaireVersion).where(col(QuestionnaireVersion.id) == int(posted)))
        .scalar_one_or_none()
    )
    if (
        older is None
        or older.slug != version.slug
        or older.owner_agency_id != version.owner_agency_id
    ):
        return version
    return older


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
    now = clock.now()
    if not now - timedelta(days=1) <= started <= now:
        return None
    return started


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
    stale = _posted_version(version)
    if stale is not version:
        version, questionnaire = stale, definition_of(stale)
    # A running campaign's signed link is the agency's own choice of questionnaire.
    if link is None and not is_offered(get_session(), plugins, agency, slug):
        return _not_offered(agency, unit, questionnaire)
    page = SurveyPage(questionnaire, version, agency, unit)
    if request.method == "GET":
        page.form.started.data = clock.now().isoformat(timespec="seconds")
    token = (page.form.submission_token.data or "")[:128] or None
    submission = page.submission(
        channel,
        started_at=_started(page.form.started.data),
        idempotency_key=f"web:{token}" if token else None,
        campaign_id=link.campaign_id if link else None,
    )
    if submission is not None:
        try:
            saved = submit(current_app, plugins, questionnaire, submission)
        except InvalidSubmission as exc:
            page.refuse(exc)
        except IdempotencyConflict:
            # The same page was submitted before with other answers: take this as new.
            page.form.submission_token.data = secrets.token_urlsafe(24)
            page.notice = timed_out(page.language)
        else:
            session["receipt"] = {
                "receipt": saved.receipt,
                "slug": slug,
                "agency": agency.code,
                "language": page.language,
            }
            return redirect(url_for("survey.thanks"), code=303)
    return page.render()


@bp.get("/thanks")
def thanks() -> Any:
    data = session.get("receipt")
    if not data:
        return redirect(url_for("survey.index"))
    plugins = get_plugins()
    questionnaire = plugins.questionnaires.items.get(data["slug"])
    language = use_language(data.get("language", "zh-Hant-TW"))
    return render_template(
        "answers/thanks.html",
        receipt=data["receipt"],
        questionnaire=questionnaire,
        language=language,
        agency_code=data["agency"],
    )
