"""The paper questionnaires keyed in (``/staff/paper/keyed``, action ``paper.enter``):
listed newest first, each with its history, corrected, voided and restored.

Typing errors are normal; the pages put them right through
``collector.answers.corrections``, which keeps every earlier version and audits each
change. Only keyed-in (``paper``) responses of the agencies where the staff member
may key in are listed or changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.permissions import require
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.answers import corrections
from collector.answers.submission import InvalidSubmission
from collector.answers.views.paper import ACTION
from collector.answers.views.paper import keyed_answers
from collector.answers.views.paper import paper_questionnaires
from collector.answers.views.paper import paper_units
from collector.answers.views.paper import question_rows
from collector.answers.views.paper import shown_answers
from collector.answers.views.paper import typed_codes
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import agency_name
from collector.core.i18n import current_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import Unit
from collector.core.numbers import whole_number
from collector.core.plugins import get_plugins
from collector.core.questionnaires import definition_of
from collector.core.voiding import INCLUDE_VOIDED
from collector.core.voiding import including_voided

bp = Blueprint(
    "paper_keyed", __name__, url_prefix="/staff/paper/keyed", template_folder="../templates"
)
staff_area(bp)

PAGE_SIZE = 25
STATUSES = ("all", "counted", "voided")
NOTICE_KEY = "paper_keyed_notice"
NOTICES: dict[str, LazyText] = {
    "corrected": lazy_gettext("The correction was saved as version %(revision)s."),
    "voided": lazy_gettext(
        "The questionnaire was voided: it is no longer counted in any result or export."
    ),
    "restored": lazy_gettext("The questionnaire was restored: it is counted again."),
}
"""What the questionnaire's page says after each change."""


def _text(key: str, **params: Any) -> str:
    return translator(current_language()).render(corrections.CHANGE_ERRORS[key], **params)


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


# -- the list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyedFilter:
    """What the list shows, from the address (unknown values fall back to everything)."""

    unit_id: int | None
    slug: str
    status: str
    page: int

    @classmethod
    def from_request(cls, unit_ids: set[int], slugs: set[str]) -> KeyedFilter:
        unit_id = whole_number(request.args.get("unit", ""))
        slug = request.args.get("questionnaire", "")
        status = request.args.get("status", "all")
        return cls(
            unit_id=unit_id if unit_id in unit_ids else None,
            slug=slug if slug in slugs else "",
            status=status if status in STATUSES else "all",
            page=max(1, min(whole_number(request.args.get("page", "")) or 1, 100_000)),
        )

    def conditions(self, db: Session) -> list[Any]:
        found: list[Any] = [col(Response.channel) == corrections.PAPER]
        if self.unit_id is not None:
            found.append(col(Response.unit_id) == self.unit_id)
        if self.slug:
            version_ids = db.execute(
                select(col(QuestionnaireVersion.id)).where(
                    col(QuestionnaireVersion.slug) == self.slug
                )
            ).scalars()
            found.append(col(Response.questionnaire_version_id).in_(list(version_ids)))
        if self.status == "counted":
            found.append(col(Response.voided_at).is_(None))
        elif self.status == "voided":
            found.append(col(Response.voided_at).is_not(None))
        return found

    def params(self) -> dict[str, Any]:
        """The filter as address parameters, for the page links."""
        values = {
            "unit": self.unit_id,
            "questionnaire": self.slug or None,
            "status": None if self.status == "all" else self.status,
        }
        return {k: v for k, v in values.items() if v is not None}


def _version_titles(db: Session, version_ids: set[int]) -> dict[int, str]:
    if not version_ids:
        return {}
    versions = db.execute(
        select(QuestionnaireVersion).where(col(QuestionnaireVersion.id).in_(sorted(version_ids)))
    ).scalars()
    language = current_language()
    out = {}
    for version in versions:
        questionnaire = definition_of(version)
        out[version.id] = (
            f"{questionnaire.text(questionnaire.title, language)} (v{version.version})"
        )
    return out


@bp.get("")
def index() -> Any:
    """The forms keyed in, newest first, ``PAGE_SIZE`` a page."""
    actor = require(ACTION, any_agency=True)
    db = get_session()
    units = {u.id: u for u in paper_units(actor)}
    questionnaires = paper_questionnaires(get_plugins())
    shown = KeyedFilter.from_request(set(units), {q.slug for q in questionnaires})  # type: ignore[arg-type]  # stored units: their ids are set
    conditions = shown.conditions(db)
    total = db.execute(
        including_voided(
            scoped(select(func.count()).select_from(Response).where(*conditions), ACTION, actor)
        )
    ).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(shown.page, pages)
    listed = (
        select(Response)
        .where(*conditions)
        .order_by(col(Response.submitted_at).desc(), col(Response.id).desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = list(db.execute(including_voided(scoped(listed, ACTION, actor))).scalars())
    language = current_language()
    return render_template(
        "answers/paper_keyed.html",
        actor=actor,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        params=shown.params(),
        shown=shown,
        units=units,
        unit_names={i: f"{agency_name(u, language)} ({u.code})" for i, u in units.items()},
        questionnaires=[(q.slug, q.text(q.title, language)) for q in questionnaires],
        titles=_version_titles(db, {r.questionnaire_version_id for r in rows}),
        names=corrections.staff_names(db, {r.entered_by for r in rows}),
        local_time=clock.local_text,
    )


# -- one keyed questionnaire ----------------------------------------------------------------


def _keyed(response_id: int) -> tuple[Actor, Response]:
    """The keyed response: 404 outside the actor's agencies (or not keyed in), 403 when
    the actor sees its agency but may not key in there."""
    response = get_scoped(
        get_session(), Response, response_id, ACTION, options={INCLUDE_VOIDED: True}
    )
    if response.channel != corrections.PAPER:
        abort(404)
    actor = require(ACTION, response.agency_id)
    return actor, response


@dataclass
class _Context:
    """What a keyed questionnaire's pages show about it."""

    version: QuestionnaireVersion
    agency: Agency
    unit: Unit | None

    @property
    def questionnaire(self) -> Any:
        return definition_of(self.version)


def _context(db: Session, actor: Actor, response: Response) -> _Context:
    version = db.execute(
        select(QuestionnaireVersion).where(
            col(QuestionnaireVersion.id) == response.questionnaire_version_id
        )
    ).scalar_one()
    agency = db.execute(
        scoped(select(Agency).where(col(Agency.id) == response.agency_id), ACTION, actor)
    ).scalar_one()
    unit = None
    if response.unit_id is not None:
        unit = db.execute(
            scoped(select(Unit).where(col(Unit.id) == response.unit_id), ACTION, actor)
        ).scalar_one_or_none()
    return _Context(version, agency, unit)


@dataclass
class HistoryRow:
    """One history entry as its page shows it: the answers it left and replaced."""

    entry: corrections.HistoryEntry
    answers: dict[str, list[str]] | None
    replaced: dict[str, list[str]] | None
    current: bool  # its answers are the response's answers now


def _shown(
    plugins: Any, questionnaire: Any, stored: dict[str, Any] | None, language: str
) -> dict[str, list[str]] | None:
    return None if stored is None else shown_answers(plugins, questionnaire, stored, language)


def _saved_notice() -> str | None:
    saved = session.pop(NOTICE_KEY, None)
    if not saved or saved.get("kind") not in NOTICES:
        return None
    text = translator(current_language())
    return text.render(NOTICES[saved["kind"]], revision=saved.get("revision"))


def _detail_page(
    actor: Actor,
    response: Response,
    *,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    reason: str = "",
    status: int = 200,
) -> Any:
    db = get_session()
    context = _context(db, actor, response)
    questionnaire, language = context.questionnaire, current_language()
    plugins = get_plugins()
    entries = corrections.history(db, response)
    last_version = max(i for i, e in enumerate(entries) if e.answers is not None)
    history = [
        HistoryRow(
            entry,
            _shown(plugins, questionnaire, entry.answers, language),
            _shown(plugins, questionnaire, entry.replaced, language),
            current=index == last_version,
        )
        for index, entry in enumerate(entries)
    ]
    names = corrections.staff_names(db, {response.entered_by})
    page = render_template(
        "answers/paper_response.html",
        actor=actor,
        response=response,
        title=questionnaire.text(questionnaire.title, language),
        version=context.version,
        unit_label=agency_name(context.unit, language) if context.unit else "—",
        keyed_by=names.get(response.entered_by, "—"),
        labels={q.key: questionnaire.text(q.label, language) for q in questionnaire.questions()},
        current=shown_answers(plugins, questionnaire, response.answers, language),
        history=history,
        change_labels=corrections.CHANGE_LABELS,
        errors=errors or {},
        notice=notice,
        saved=_saved_notice() if request.method == "GET" else None,
        local_time=clock.local_text,
        reason=reason,
        reason_max=corrections.REASON_MAX,
        lang_page=("paper_keyed.detail", {"response_id": response.id}),
    )
    return page, status


@bp.get("/<int:response_id>")
def detail(response_id: int) -> Any:
    """A keyed questionnaire: its answers, every version and change, and what may be done."""
    actor, response = _keyed(response_id)
    return _detail_page(actor, response)


def _fresh(wdb: Session, response: Response, actor: Actor) -> Response:
    """The response again, in the write transaction that changes it."""
    statement = select(Response).where(col(Response.id) == response.id)
    return wdb.execute(including_voided(scoped(statement, ACTION, actor))).scalar_one()


def _seen_revision() -> int:
    return whole_number(request.form.get("revision", "")) or 0


def _change(response_id: int, kind: str) -> Any:
    """Void or restore (``kind``) a keyed questionnaire from its page's form."""
    actor, response = _keyed(response_id)
    reason = (request.form.get("reason") or "")[: corrections.REASON_MAX * 2]
    change = corrections.void if kind == "voided" else corrections.restore
    with _write_session() as wdb:
        fresh = _fresh(wdb, response, actor)
        try:
            made = change(wdb, fresh, reason=reason, actor=actor, seen_revision=_seen_revision())
        except corrections.ChangeRefused as exc:
            wdb.rollback()
            if exc.key == "err_reason":
                message = _text(exc.key, max=corrections.REASON_MAX)
                return _detail_page(
                    actor, response, errors={"reason": message}, reason=reason, status=422
                )
            return _detail_page(actor, response, notice=_text(exc.key), reason=reason, status=409)
        wdb.commit()
    session[NOTICE_KEY] = {"kind": kind, "revision": made.revision}
    return redirect(url_for("paper_keyed.detail", response_id=response_id), code=303)


@bp.post("/<int:response_id>/void")
def void(response_id: int) -> Any:
    return _change(response_id, "voided")


@bp.post("/<int:response_id>/restore")
def restore(response_id: int) -> Any:
    return _change(response_id, "restored")


@bp.route("/<int:response_id>/correct", methods=["GET", "POST"])
def correct(response_id: int) -> Any:
    """The keyed form re-opened with its answers; saving stores a new version."""
    actor, response = _keyed(response_id)
    if response.voided_at is not None:
        return _detail_page(actor, response, notice=_text("err_voided"), status=409)
    db = get_session()
    context = _context(db, actor, response)
    questionnaire, language = context.questionnaire, response.language
    plugins = get_plugins()
    typed = typed_codes(plugins, questionnaire, response.answers, language)
    errors: dict[str, str] = {}
    notice = None
    reason = ""
    seen = response.revision
    status = 200
    if request.method == "POST":
        typed = {
            q.key: (request.form.get(f"q_{q.key}") or "")[:4000] for q in questionnaire.questions()
        }
        reason = (request.form.get("reason") or "")[: corrections.REASON_MAX * 2]
        seen = _seen_revision()
        outcome = _save_correction(actor, response, context, typed, reason, seen)
        if outcome is None:
            session[NOTICE_KEY] = {"kind": "corrected", "revision": seen + 1}
            return redirect(url_for("paper_keyed.detail", response_id=response_id), code=303)
        errors, notice, status = outcome
    questions = question_rows(plugins, questionnaire, language)
    page = render_template(
        "answers/paper_correct.html",
        actor=actor,
        response=response,
        title=questionnaire.text(questionnaire.title, language),
        unit_label=agency_name(context.unit, current_language()) if context.unit else "—",
        questions=questions,
        typed=typed,
        errors=errors,
        first_error=next((q["key"] for q in questions if q["key"] in errors), None),
        notice=notice,
        reason=reason,
        reason_max=corrections.REASON_MAX,
        revision=seen,
    )
    return page, status


def _save_correction(
    actor: Actor,
    response: Response,
    context: _Context,
    typed: dict[str, str],
    reason: str,
    seen: int,
) -> tuple[dict[str, str], str | None, int] | None:
    """Store the correction; None when saved, else (errors by field, notice, status)."""
    plugins = get_plugins()
    questionnaire = context.questionnaire
    errors: dict[str, str] = {}
    try:
        corrections.clean_reason(reason)
    except corrections.ChangeRefused as exc:
        errors["reason"] = _text(exc.key, max=corrections.REASON_MAX)
    raw = keyed_answers(plugins, questionnaire, typed, response.language)
    with _write_session() as wdb:
        fresh = _fresh(wdb, response, actor)
        try:
            corrections.correct(
                wdb,
                plugins,
                fresh,
                version=context.version,
                agency=context.agency,
                unit=context.unit,
                raw_answers=raw,
                reason=reason,
                actor=actor,
                seen_revision=seen,
            )
        except InvalidSubmission as exc:
            wdb.rollback()
            language = current_language()
            answer_errors = {key: err.text(language) for key, err in exc.errors.items()}
            return {**answer_errors, **errors}, None, 422
        except corrections.ChangeRefused as exc:
            wdb.rollback()
            if exc.key == "err_reason":
                return errors, None, 422
            return errors, _text(exc.key), 409 if exc.key in ("err_stale", "err_voided") else 422
        wdb.commit()
    return None
