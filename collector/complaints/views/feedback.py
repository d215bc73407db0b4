"""The handling-satisfaction follow-up: the complainant's one-time page
(``/complaints/feedback/<token>``) and the phone sample in the console
(``/staff/cases/followup...``, action ``cases.manage``).

See ``collector.complaints.followups`` and docs/complaints-followup.md.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from analysis.aapor import Dispositions
from analysis.aapor import response_rates
from collector.access.audit import log as audit_log
from collector.access.guard import scope_for
from collector.access.guard import unscoped
from collector.access.identity import current_actor
from collector.access.permissions import agencies_for
from collector.access.permissions import allowed
from collector.access.permissions import deny
from collector.access.permissions import require
from collector.access.ratelimit import limit
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.security import csrf
from collector.access.sessions import staff_area
from collector.answers.survey_page import SurveyPage
from collector.complaints import complainant
from collector.complaints import followups as fu
from collector.complaints import records
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.i18n import use_language
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintFollowup
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.results.exporters import neutralise

public_bp = Blueprint("complaint_feedback", __name__, template_folder="../templates")
csrf.exempt(public_bp)  # the survey form checks its own token, keeping answers
bp = Blueprint(
    "complaint_followup",
    __name__,
    url_prefix="/staff/cases/followup",
    template_folder="../templates",
)
staff_area(bp)

MANAGE = "cases.manage"
EXPORT = "responses.export"


def _gone(language: str) -> Any:
    """Used, expired or unknown: one kind page for all (it says nothing about which)."""
    return render_template("complaints/feedback/gone.html", language=language), 410


def _questionnaire(db: Session) -> QuestionnaireVersion:
    version = current_version(current_app, db, fu.QUESTIONNAIRE)
    if version is None:
        abort(404)
    return version


def _answer(
    target: ComplaintFollowup,
    agency: Agency,
    unit: Unit | None,
    channel: str,
    template: str,
    entered_by: int | None = None,
    **extra: Any,
) -> Any:
    """Show the questionnaire for ``target`` (the citizen's survey page with this
    feature's additions); on a valid POST store it (once)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    version = _questionnaire(get_session())
    page = SurveyPage(definition_of(version), version, agency, unit)
    submission = page.submission(channel, entered_by=entered_by)
    if submission is not None:
        prepared = page.prepared(submission)
        if prepared is not None:
            response_id = fu.store_answer(app, target.id, prepared)  # type: ignore[arg-type]  # a stored follow-up: its id is set
            if response_id is None:
                return _gone(page.language) if channel == "online" else _already(target)
            return _stored(channel, target, page.questionnaire, page.language)
    text = translator(page.language)
    page.notice = page.notice or text.gettext(
        "Your answers are linked to your complaint case so that results can be analysed by type of case and outcome; the staff who handled your case do not see individual answers, and results are only shown for groups of 5 people or more."
    )
    return page.render(
        template,
        privacy_hint=text.gettext(
            " (your answers are linked to your complaint case; select to read it in full)"
        ),
        **extra,
    )


def _stored(channel: str, followup: ComplaintFollowup, questionnaire: Any, language: str) -> Any:
    if channel == "online":
        return render_template(
            "complaints/feedback/thanks.html", questionnaire=questionnaire, language=language
        )
    return redirect(
        url_for("complaint_followup.sample", sample_id=followup.sample_id, saved=followup.id),
        code=303,
    )


def _already(followup: ComplaintFollowup) -> Any:
    return redirect(
        url_for("complaint_followup.sample", sample_id=followup.sample_id, already=followup.id),
        code=303,
    )


@public_bp.route("/complaints/feedback/<token>", methods=["GET", "POST"])
@limit("RATELIMIT_PUBLIC", ("GET", "POST"))
def feedback(token: str) -> Any:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    db = get_session()
    followup = fu.find_by_token(app, db, token)
    if followup is None:
        return _gone(
            use_language(pick_language(app.config["LANGUAGES"], request.values.get("lang")))
        )
    case = db.get(Complaint, followup.complaint_id)
    agency = db.get(Agency, followup.agency_id)
    if case is None or agency is None:
        return _gone(current_language())
    unit = db.get(Unit, case.unit_id) if case.unit_id is not None else None
    return _answer(followup, agency, unit, "online", "complaints/feedback/survey.html")


# -- the phone sample (console) ------------------------------------------------------


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


def _own_agency(actor: Actor) -> int | None:
    ids = agencies_for(actor, MANAGE)
    if actor.agency_id in ids:
        return actor.agency_id
    return min(ids) if ids else None


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _samples() -> list[dict[str, Any]]:
    """Every phone sample the actor may manage: id, cases drawn, answers keyed."""
    rows = (
        get_session()
        .execute(
            scoped(
                select(
                    col(ComplaintFollowup.sample_id),
                    col(ComplaintFollowup.agency_id),
                    func.min(col(ComplaintFollowup.created_at)),
                    func.count(),
                    func.count(col(ComplaintFollowup.response_id)),
                )
                .where(col(ComplaintFollowup.channel) == "phone")
                .group_by(col(ComplaintFollowup.sample_id), col(ComplaintFollowup.agency_id))
                .order_by(func.min(col(ComplaintFollowup.created_at)).desc()),
                MANAGE,
            )
        )
        .all()
    )
    return [
        {"sample_id": s, "agency_id": a, "created_at": c, "drawn": n, "answered": r}
        for s, a, c, n, r in rows
    ]


@dataclass(frozen=True)
class _Draw:
    """A posted draw request, read: the period, the stratum size or fraction, the seed."""

    start: date | None
    end: date | None
    per_stratum: int | None
    fraction: float | None
    seed: int | None
    errors: list[str]


def _read_draw(values: dict[str, str]) -> _Draw:
    text = translator(current_language())
    errors: list[str] = []
    per_stratum: int | None = None
    fraction: float | None = None
    raw_size = values["size"].strip()[:12]
    try:
        if values["size_kind"] == "fraction":
            fraction = float(raw_size)
        else:
            per_stratum = int(raw_size)
    except ValueError:
        errors.append(
            text.gettext("Give 1 to 1000 cases per stratum, or a fraction above 0 and at most 1.")
        )
    seed_raw = values["seed"].strip()[:12]
    seed = int(seed_raw) if seed_raw.isdigit() else None
    if seed_raw and seed is None:
        errors.append(text.gettext("The random seed must be a number."))
    start, end = _date(values["start"]), _date(values["end"])
    if start is None or end is None:
        errors.append(
            text.gettext("Give a valid period (at most a year, starting no later than it ends).")
        )
    return _Draw(start, end, per_stratum, fraction, seed, errors)


def _record_draw(actor: Actor, agency_id: int, asked: _Draw) -> str:
    """Draw the sample and store it; its id. Raises ``FollowupError``."""
    assert asked.start is not None and asked.end is not None  # no errors
    seed = asked.seed if asked.seed is not None else secrets.randbelow(10**9)
    with _write_session() as wdb:
        frame = fu.sampling_frame(wdb, agency_id, asked.start, asked.end, actor)
        result = fu.draw(frame, per_stratum=asked.per_stratum, fraction=asked.fraction, seed=seed)
        if result.size == 0:
            raise fu.FollowupError("followup_empty", "no case to draw")
        sample_id = fu.record_sample(
            wdb, agency_id=agency_id, result=result, start=asked.start, end=asked.end, actor=actor
        )
        wdb.commit()
    return sample_id


@bp.route("", methods=["GET", "POST"])
def index() -> Any:
    actor = require(MANAGE, any_agency=True)
    today = records.today_for(current_app._get_current_object())  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    last_month_end = today.replace(day=1) - timedelta(days=1)
    values = {
        "start": request.form.get("start", last_month_end.replace(day=1).isoformat()),
        "end": request.form.get("end", last_month_end.isoformat()),
        "size_kind": request.form.get("size_kind", "per_stratum"),
        "size": request.form.get("size", "5"),
        "seed": request.form.get("seed", ""),
    }
    errors: list[str] = []
    if request.method == "POST":
        agency_id = _own_agency(actor)
        asked = _read_draw(values)
        errors = asked.errors
        if agency_id is None:
            abort(404)
        if not errors:
            try:
                sample_id = _record_draw(actor, agency_id, asked)
            except fu.FollowupError as exc:
                errors.append(translator(current_language()).render(fu.FOLLOWUP_ERRORS[exc.key]))
            else:
                return redirect(url_for("complaint_followup.sample", sample_id=sample_id), code=303)
    page = render_template(
        "complaints/followup/index.html",
        actor=actor,
        samples=_samples(),
        values=values,
        errors=errors,
    )
    return page, 422 if errors else 200


def _sample_rows(sample_id: str) -> tuple[Actor, list[ComplaintFollowup]]:
    """The sample's follow-ups, as ``get_scoped`` answers for one object: 404 (audited
    when it exists) outside the actor's agencies, 403 inside without the action."""
    actor = current_actor()
    if actor is None:
        abort(401)
    if len(sample_id) > 32:
        abort(404)
    db = get_session()
    statement = (
        select(ComplaintFollowup)
        .where(
            col(ComplaintFollowup.sample_id) == sample_id, col(ComplaintFollowup.channel) == "phone"
        )
        .order_by(col(ComplaintFollowup.id))
    )
    visible = scope_for(
        statement, actor.visible_agency_ids, allowed(actor, MANAGE, None), f"visible:{MANAGE}"
    )
    rows = list(db.execute(visible).scalars())
    if not rows:
        exists = db.execute(
            unscoped(
                select(col(ComplaintFollowup.id)).where(
                    col(ComplaintFollowup.sample_id) == sample_id
                ),
                "probe",
            )
        ).first()
        if exists is not None:
            deny(actor, MANAGE, None, status=404, target=f"sample:{sample_id}")
        abort(404)
    if not allowed(actor, MANAGE, rows[0].agency_id):
        deny(actor, MANAGE, rows[0].agency_id, status=403, target=f"sample:{sample_id}")
    return actor, rows


@bp.get("/export.csv")
def export() -> Any:
    """Every follow-up answer of one agency with its design columns, for analysts
    (``responses.export``); audited."""
    actor = require(EXPORT, any_agency=True)
    allowed_ids = sorted(agencies_for(actor, EXPORT))
    raw = request.args.get("agency", "")
    if raw:
        if not raw.isdigit() or int(raw) not in allowed_ids:
            abort(404)
        agency_id = int(raw)
    else:
        agency_id = actor.agency_id if actor.agency_id in allowed_ids else allowed_ids[0]
    version = _questionnaire(get_session())
    keys = [q.key for q in definition_of(version).questions()]
    rows = fu.analysis_table(get_session(), agency_id, keys, EXPORT)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = [*fu.DESIGN_COLUMNS, *keys]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(row.get(c, "")) for c in columns])
    audit_log(
        "responses.export",
        actor=actor,
        agency_id=agency_id,
        target=f"questionnaire:{fu.QUESTIONNAIRE}",
        detail={"format": "csv", "rows": len(rows), "design": "complaint follow-up"},
    )
    return Response(
        "\ufeff" + out.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="complaint-followup.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/<sample_id>")
def sample(sample_id: str) -> Any:
    actor, rows = _sample_rows(sample_id)
    db = get_session()
    ids = [r.complaint_id for r in rows]
    cases = {
        c.id: c
        for c in db.execute(
            scoped(select(Complaint).where(col(Complaint.id).in_(ids)), MANAGE)
        ).scalars()
    }
    categories = {
        c.id: c
        for c in db.execute(
            scoped(
                select(ComplaintCategory).where(
                    col(ComplaintCategory.agency_id) == rows[0].agency_id
                ),
                MANAGE,
            )
        ).scalars()
    }
    inclusion = fu.inclusions(db, ids, MANAGE)
    tried = fu.attempts(db, ids, MANAGE)
    phones: dict[int, Any] = {}
    if request.args.get("phones") == "1":
        # Each complainant's contact details through complainant.identity: withheld when
        # confidential and not the actor's to see, and every view audited.
        phones = {
            row.id: complainant.identity(db, cases[row.complaint_id], actor)  # type: ignore[misc]  # stored rows: their ids are set
            for row in rows
            if row.response_id is None and row.complaint_id in cases
        }
    counts = fu.disposition_counts(rows, tried)
    rates = response_rates(Dispositions(**counts)) if len(rows) else {}
    return render_template(
        "complaints/followup/sample.html",
        actor=actor,
        sample_id=sample_id,
        rows=rows,
        cases=cases,
        categories=categories,
        inclusion=inclusion,
        saved=request.args.get("saved", ""),
        already=request.args.get("already", ""),
        gone=request.args.get("gone", ""),
        noted=request.args.get("noted", ""),
        tried=tried,
        phones=phones,
        counts=counts,
        rates=rates,
    )


def _attempt(followup: ComplaintFollowup, case: Complaint, actor: Actor) -> Any:
    """A call that gave no interview: note its disposition, back to the list."""
    disposition = request.form.get("disposition", "")
    if disposition not in fu.DISPOSITIONS:
        abort(400)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    with _write_session() as wdb:
        fresh = wdb.execute(scoped(select(Complaint).where(col(Complaint.id) == case.id), MANAGE))
        fu.record_attempt(app, wdb, followup, fresh.scalar_one(), disposition, actor)
        wdb.commit()
    return redirect(
        url_for("complaint_followup.sample", sample_id=followup.sample_id, noted=followup.id),
        code=303,
    )


def _one(statement: Any) -> Any:
    return get_session().execute(scoped(statement, MANAGE)).scalar_one_or_none()


@bp.route("/call/<int:followup_id>", methods=["GET", "POST"])
def call(followup_id: int) -> Any:
    db = get_session()
    followup = get_scoped(db, ComplaintFollowup, followup_id, MANAGE)
    actor = current_actor()
    assert actor is not None  # get_scoped answered 401 otherwise
    if followup.channel != "phone":
        abort(404)
    case = get_scoped(db, Complaint, followup.complaint_id, MANAGE)
    if followup.response_id is not None or followup.used_at is not None:
        return _already(followup)
    if case.restricted_at is not None or case.destroyed_at is not None:
        return redirect(
            url_for("complaint_followup.sample", sample_id=followup.sample_id, gone=followup.id),
            code=303,
        )
    if request.method == "POST" and "disposition" in request.form:
        return _attempt(followup, case, actor)
    identity = None
    if request.method == "GET":
        identity = complainant.identity(db, case, actor)  # audited
    category = _one(select(ComplaintCategory).where(ComplaintCategory.id == case.category_id))
    agency = _one(select(Agency).where(Agency.id == case.agency_id))
    unit = _one(select(Unit).where(Unit.id == case.unit_id)) if case.unit_id is not None else None
    if agency is None:
        abort(404)
    return _answer(
        followup,
        agency,
        unit,
        "phone",
        "complaints/followup/call.html",
        entered_by=actor.user_id,
        actor=actor,
        followup=followup,
        case=case,
        category=category,
        identity=identity,
    )
