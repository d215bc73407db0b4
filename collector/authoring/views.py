"""Publishing an agency's own questionnaire in the console (``campaigns.manage``).

``/staff/questionnaires/upload``: upload an XLSForm workbook or a YAML file; every
problem is listed with its sheet, row and column and nothing is kept. A clean upload
becomes a draft: its page says what it is, links a preview in each language (the real
survey page, in a sandbox that checks answers and stores nothing) and publishes it as
a new immutable version owned by the agency. ``/staff/questionnaires/export/<slug>``
downloads a questionnaire the agency offers as XLSForm or YAML, to start from.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_wtf.file import FileField
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.permissions import require
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.answers.survey_page import SurveyPage
from collector.authoring import service
from collector.authoring.checking import WORKBOOK_SUFFIXES
from collector.authoring.checking import check_upload
from collector.authoring.checking import export as export_questionnaire
from collector.authoring.messages import say
from collector.authoring.messages import where
from collector.authoring.models import QuestionnaireDraft
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.error_summary import report_error
from collector.core.forms import LocalisedForm
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.offering import forget
from collector.core.offering import offered_by_agency
from collector.core.plugins import get_plugins
from collector.core.questionnaires import PUBLIC_KINDS
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.core.questionnaires import owned_versions
from surveys.workbook import MAX_FILE_BYTES
from surveys.workbook import MAX_ROWS
from surveys.workbook import Problem
from surveys.workbook import WorkbookError
from surveys.xlsform import LANGUAGE_NAMES

bp = Blueprint(
    "authoring", __name__, url_prefix="/staff/questionnaires", template_folder="templates"
)
staff_area(bp)

ACTION = service.ACTION
MAX_LISTED = 200
NOTICE_KEY = "authoring_notice"


class UploadForm(LocalisedForm):
    file = FileField()


def _agency(actor: Actor) -> Agency:
    """The actor's own agency, where they publish (an agency administrator has one)."""
    if actor.agency_id is None:
        abort(403)
    require(ACTION, actor.agency_id)
    agency = (
        get_session()
        .execute(scoped(select(Agency).where(col(Agency.id) == actor.agency_id), ACTION, actor))
        .scalar_one_or_none()
    )
    if agency is None:
        abort(404)
    return agency


def _scope(statement: Any) -> Any:
    return scoped(statement, ACTION)


def _where(problem: Problem) -> str:
    """Where a problem is, in the page's language: "Sheet survey, row 12, column type"."""
    return where(problem, current_language())


def _own(agency: Agency) -> list[tuple[QuestionnaireVersion, str]]:
    language = current_language()
    rows = owned_versions(get_session(), agency.id or 0)
    return [(v, definition_of(v).text(definition_of(v).title, language)) for v in rows]


def _templates(agency: Agency) -> list[tuple[str, str]]:
    """The registered public questionnaires the agency offers, to download and adapt."""
    plugins = get_plugins()
    offered = offered_by_agency(get_session(), plugins, [agency], _scope)[agency.id or 0]
    language = current_language()
    return [
        (q.slug, q.text(q.title, language))
        for q in plugins.questionnaires.values()
        if q.kind in PUBLIC_KINDS and q.slug in offered
    ]


@bp.route("/upload", methods=["GET", "POST"])
def upload() -> Any:
    actor = require(ACTION, any_agency=True)
    agency = _agency(actor)
    request.max_content_length = MAX_FILE_BYTES + 65_536
    form = UploadForm()
    problems: list[Problem] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            upload_file = form.file.data
            filename = getattr(upload_file, "filename", "") or ""
            if not filename:
                problems = [
                    Problem(translator(current_language()).gettext("Choose a file to upload."))
                ]
            else:
                data = upload_file.read(MAX_FILE_BYTES + 1)
                checked = check_upload(get_plugins(), data, filename)
                problems = checked.problems
                q = checked.questionnaire
                if q is not None:
                    taken = service.slug_refusal(
                        get_session(),
                        get_plugins(),
                        q.slug,
                        agency.id or 0,
                        workbook=filename.lower().endswith(WORKBOOK_SUFFIXES),
                    )
                    if taken:
                        problems = [taken]
                    else:
                        with Session(writing(get_engine()), expire_on_commit=False) as wdb:
                            draft = service.save_draft(wdb, agency, q, filename, actor)
                            wdb.commit()
                        return redirect(url_for("authoring.draft", draft_id=draft.id), code=303)
    language = current_language()
    listed = [(_where(p), say(p, language)) for p in problems[:MAX_LISTED]]
    for place, message in listed:
        report_error(message, "file", place or None)
    return (
        render_template(
            "authoring/upload.html",
            actor=actor,
            agency=agency,
            form=form,
            problems=listed,
            more=max(0, len(problems) - MAX_LISTED),
            own=_own(agency),
            templates=_templates(agency),
            max_mb=MAX_FILE_BYTES // 1048576,
            max_rows=MAX_ROWS,
            notice=session.pop(NOTICE_KEY, None) if request.method == "GET" else None,
        ),
        status,
    )


def _draft(draft_id: int) -> tuple[Any, Actor]:
    """The draft (404 for another agency's, 403 without the right) and who asks."""
    found = get_scoped(get_session(), QuestionnaireDraft, draft_id, ACTION)
    return found, require(ACTION, found.agency_id)


@bp.get("/drafts/<int:draft_id>")
def draft(draft_id: int) -> Any:
    found, actor = _draft(draft_id)
    q = service.draft_questionnaire(found)
    latest = current_version(current_app, get_session(), q.slug, found.agency_id)
    language = current_language()
    return render_template(
        "authoring/draft.html",
        actor=actor,
        draft=found,
        questionnaire=q,
        title=q.text(q.title, language),
        latest=latest,
        unchanged=latest is not None and latest.fingerprint == found.fingerprint,
        languages=[(lang, LANGUAGE_NAMES.get(lang, lang)) for lang in q.languages],
        sections=[(s, q.text(s.title, language), len(s.questions)) for s in q.sections],
    )


@bp.route("/drafts/<int:draft_id>/preview", methods=["GET", "POST"])
def preview(draft_id: int) -> Any:
    """The real survey page for the draft; a submission is checked, never stored."""
    found, actor = _draft(draft_id)
    q = service.draft_questionnaire(found)
    agency = _agency(actor)
    sandbox = QuestionnaireVersion(
        slug=q.slug,
        version=0,
        fingerprint=found.fingerprint,
        definition=found.definition,
        source="preview",
    )
    page = SurveyPage(q, sandbox, agency, None)
    submission = page.submission("online")
    if submission is not None and page.prepared(submission) is not None:
        page.notice = translator(page.language).gettext(
            "These answers would be accepted. This is a preview: nothing was stored."
        )
    return page.render("authoring/preview.html", draft=found)


@bp.post("/drafts/<int:draft_id>/publish")
def publish(draft_id: int) -> Any:
    found, actor = _draft(draft_id)
    agency = _agency(actor)
    if found.agency_id != agency.id:
        abort(404)
    q = service.draft_questionnaire(found)
    text = translator(current_language())
    with Session(writing(get_engine()), expire_on_commit=False) as wdb:
        try:
            version = service.publish_for_agency(wdb, get_plugins(), agency, q, actor)
        except service.SlugTaken as exc:
            refusal = service.slug_refusal(wdb, get_plugins(), q.slug, agency.id or 0)
            report_error(say(refusal, current_language()) if refusal else str(exc))
            return redirect(url_for("authoring.draft", draft_id=draft_id), code=303)
        wdb.commit()
    forget(current_app._get_current_object())  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    session[NOTICE_KEY] = text.gettext(
        "“%(survey)s” is published as version %(version)s for your agency. Campaigns can now use it.",
        survey=q.text(q.title, current_language()),
        version=version.version,
    )
    return redirect(url_for("authoring.upload"), code=303)


@bp.get("/export/<slug>")
def export(slug: str) -> Any:
    """A questionnaire the agency offers (or owns), as XLSForm or YAML."""
    actor = require(ACTION, any_agency=True)
    agency = _agency(actor)
    fmt = request.args.get("format", "xlsform")
    if fmt not in ("xlsform", "yaml"):
        abort(404)
    db = get_session()
    if slug not in offered_by_agency(db, get_plugins(), [agency], _scope)[agency.id or 0]:
        abort(404)
    version = current_version(current_app, db, slug, agency.id)
    if version is None:
        abort(404)
    try:
        data = export_questionnaire(get_plugins(), definition_of(version), fmt)
    except WorkbookError:
        abort(404)
    audit.log(
        "questionnaire.exported",
        agency_id=agency.id,
        target=f"questionnaire:{slug}",
        detail={"format": fmt, "version": version.version},
    )
    suffix, mimetype = (
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        if fmt == "xlsform"
        else ("yaml", "application/yaml; charset=utf-8")
    )
    return current_app.response_class(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{slug}-v{version.version}.{suffix}"'
        },
    )
