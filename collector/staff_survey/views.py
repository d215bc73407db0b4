"""The staff survey in the console (``/staff/staff-survey``, ``/staff/outbox``) and the
public one-time link (``/t/<token>``) staff answer through.

Running a survey needs ``campaigns.manage``; its results need ``results.read``.
The answering page reuses the citizen survey's form and template; see
``collector.staff_survey.service`` and docs/staff-survey.md for why an answer cannot be
linked to the invitation it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from typing import TypeVar

from flask import Blueprint
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

from collector.access.audit import log as audit_log
from collector.access.identity import current_actor
from collector.access.permissions import agencies_for
from collector.access.permissions import deny
from collector.access.permissions import require
from collector.access.ratelimit import limit
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.security import csrf
from collector.access.sessions import staff_area
from collector.answers.survey_page import SurveyPage
from collector.core import clock
from collector.core import mail as mailer
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.i18n import current_language
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.i18n import use_language
from collector.core.links import external_url
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import QuestionnaireVersion
from collector.core.models import StaffInvitation
from collector.core.models import Unit
from collector.core.numbers import whole_number
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.staff_survey import service as ss

T = TypeVar("T")

bp = Blueprint("staff_survey", __name__, url_prefix="/staff", template_folder="templates")
staff_area(bp)

answer_bp = Blueprint("staff_answer", __name__, template_folder="templates")
csrf.exempt(answer_bp)  # the survey form checks its own token, keeping answers

MANAGE = "campaigns.manage"
RESULTS = "results.read"
OUTBOX_PAGE = 200


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"status_labels": ss.STATUS_LABELS, "mail_outbox": mailer.files_to_outbox(current_app)}


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


def _campaign_id() -> int | None:
    return whole_number(request.values.get("campaign", ""))


def _campaign(action: str) -> Campaign:
    """The staff survey named by ``campaign=``: 400 without one, 404 for another
    agency's (audited) or for a campaign that is not a staff survey."""
    campaign_id = _campaign_id()
    if campaign_id is None:
        abort(400)
    db = get_session()
    campaign = get_scoped(db, Campaign, campaign_id, action)
    if not ss.is_staff_campaign(db, campaign, action):
        abort(404)
    return campaign


def _fresh(wdb: Session, campaign: Campaign) -> Campaign:
    """``campaign`` again, in the write session (the check was made on the request's)."""
    statement = scoped(select(Campaign).where(col(Campaign.id) == campaign.id), MANAGE)
    return wdb.execute(statement).scalar_one()


def _on_campaign(campaign: Campaign, change: Callable[[Session, Campaign], T]) -> T:
    """``change`` made to ``campaign``, read again in a write session, and committed."""
    with _write_session() as wdb:
        result = change(wdb, _fresh(wdb, campaign))
        wdb.commit()
    return result


def _agency(agency_id: int, action: str) -> Agency:
    statement = scoped(select(Agency).where(col(Agency.id) == agency_id), action)
    return get_session().execute(statement).scalar_one()


def _units(agency_id: int, action: str) -> list[Unit]:
    statement = scoped(
        select(Unit).where(col(Unit.agency_id) == agency_id).order_by(col(Unit.code)),
        action,
    )
    return list(get_session().execute(statement).scalars())


def _own_agency(actor: Actor, action: str) -> int | None:
    ids = agencies_for(actor, action)
    if actor.agency_id in ids:
        return actor.agency_id
    return min(ids) if ids else None


def _link_for(token: str) -> str:
    return external_url(current_app._get_current_object(), "staff_answer.answer", token=token)  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy


def _manage_url(campaign: Campaign, **args: Any) -> str:
    return url_for("staff_survey.manage", campaign=campaign.id, **args)


# -- list and create ----------------------------------------------------------------


@bp.route("/staff-survey", methods=["GET", "POST"])
def index() -> Any:
    actor = require(MANAGE, any_agency=True)
    language = current_language()
    errors: dict[str, str] = {}  # by field name; "form" for one no field explains
    title = request.form.get("title", "").strip()
    ends_raw = request.form.get("ends_on", "").strip()
    status = 200
    if request.method == "POST":
        agency_id = _own_agency(actor, MANAGE)
        ends_on = _date(ends_raw)
        if not title or len(title) > 200:
            errors["title"] = translator(language).gettext(
                "Give the survey a title (at most 200 characters)."
            )
        if ends_on is None:
            errors["ends_on"] = translator(language).gettext(
                "Enter a valid closing date (year-month-day)."
            )
        version = current_version(current_app, get_session(), ss.SLUG)
        if version is None or agency_id is None:
            abort(404)
        if not errors:
            assert ends_on is not None  # else errors would not be empty
            agency = _agency(agency_id, MANAGE)
            starts_on = clock.today()
            try:
                with _write_session() as wdb:
                    campaign = ss.create(
                        wdb,
                        agency=agency,
                        version=version,
                        title=title,
                        starts_on=starts_on,
                        ends_on=ends_on,
                        actor=actor,
                    )
                    wdb.commit()
            except ss.StaffSurveyError as exc:
                errors["form"] = exc.text(language)
            else:
                return redirect(_manage_url(campaign), code=303)
        status = 422
    return (
        render_template(
            "staff_survey/index.html",
            actor=actor,
            campaigns=ss.staff_campaigns(get_session(), MANAGE),
            errors=errors,
            title=title,
            ends_on=ends_raw or ss.default_ends_on(current_app).isoformat(),
        ),
        status,
    )


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# -- one survey -----------------------------------------------------------------


def _status(campaign: Campaign) -> list[dict[str, Any]]:
    """Per unit: invitations, with an address, sent, reminded, not yet answered."""
    db = get_session()
    rows = db.execute(
        scoped(
            select(
                col(StaffInvitation.unit_id),
                func.count(),
                func.count(col(StaffInvitation.email)),
                func.count(col(StaffInvitation.sent_at)),
                func.count(col(StaffInvitation.reminded_at)),
                func.count().filter(col(StaffInvitation.used).is_(False)),
            )
            .where(col(StaffInvitation.campaign_id) == campaign.id)
            .group_by(col(StaffInvitation.unit_id)),
            MANAGE,
        )
    ).all()
    counted = ss.unit_populations(db, campaign, MANAGE)
    units = {u.id: u for u in _units(campaign.agency_id, MANAGE)}
    out = []
    for unit_id, invited, named, sent, reminded, pending in rows:
        out.append(
            {
                "unit": units.get(unit_id),
                "invited": invited,
                "named": named,
                "sent": sent,
                "reminded": reminded,
                "pending": pending,
                "population": counted.get(unit_id),
            }
        )
    out.sort(key=lambda r: r["unit"].code if r["unit"] else "")
    return out


def _render_manage(
    campaign: Campaign,
    status: int = 200,
    problem: str = "",
    line_errors: list[tuple[int, str]] | None = None,
    problem_field: str | None = None,
) -> Any:
    """The survey's page; ``problem`` (and the staff list's ``line_errors``) say why a
    request was refused, ``problem_field`` is the id of the control it concerns."""
    actor = current_actor()
    return (
        render_template(
            "staff_survey/manage.html",
            actor=actor,
            campaign=campaign,
            agency=_agency(campaign.agency_id, MANAGE),
            units=_units(campaign.agency_id, MANAGE),
            status_rows=_status(campaign),
            done_notice=ss.DONE_NOTICES.get(request.args.get("done", "")),
            count=request.args.get("n", type=int),
            failed=request.args.get("failed", type=int),
            min_unit=ss.MIN_UNIT_INVITEES,
            problem=problem,
            line_errors=line_errors or [],
            problem_field=problem_field,
        ),
        status,
    )


@bp.get("/staff-survey/manage")
def manage() -> Any:
    require(MANAGE, any_agency=True)
    if _campaign_id() is None:
        return redirect(url_for("staff_survey.index"), code=303)
    return _render_manage(_campaign(MANAGE))


@bp.post("/staff-survey/import")
def import_list() -> Any:
    actor = require(MANAGE, any_agency=True)
    campaign = _campaign(MANAGE)
    language = current_language()
    upload = request.files.get("staff_list")
    data = upload.read() if upload is not None else b""
    units = {u.code: u for u in _units(campaign.agency_id, MANAGE)}
    if campaign.status != "open":
        return _render_manage(
            campaign,
            409,
            problem=translator(language).gettext(
                "This survey is closed and can no longer be changed."
            ),
        )
    taken = ss.invited_emails(get_session(), campaign, actor)
    rows, errors = ss.parse_staff_list(data, units, taken)
    if errors:
        messages = [(e.line, e.text(language)) for e in errors[:200]]
        return _render_manage(
            campaign,
            422,
            problem=translator(language).gettext(
                "The list has errors, so nothing was imported. Correct these rows and upload it again:"
            ),
            line_errors=messages,
            problem_field="staff-list",
        )
    try:
        count = _on_campaign(campaign, lambda wdb, fresh: ss.import_staff(wdb, fresh, rows, actor))
    except ss.StaffSurveyError as exc:
        return _render_manage(campaign, 409, problem=exc.text(language))
    return redirect(_manage_url(campaign, done="imported", n=count), code=303)


@bp.post("/staff-survey/counts")
def counts() -> Any:
    """Head-counts per unit: unnamed one-time links, shown once as a printable list."""
    actor = require(MANAGE, any_agency=True)
    campaign = _campaign(MANAGE)
    language = current_language()
    units = _units(campaign.agency_id, MANAGE)
    numbers, bad = ss.parse_counts(request.form, units)
    if bad or not numbers:
        problem = translator(language).gettext(
            "Enter a head-count from 1 to %(max)s for at least one unit.", max=ss.MAX_COUNT_PER_UNIT
        )
        return _render_manage(
            campaign, 422, problem=problem, problem_field="count-1" if units else None
        )
    try:
        tokens = _on_campaign(
            campaign, lambda wdb, fresh: ss.issue_counted(wdb, fresh, numbers, actor)
        )
    except ss.StaffSurveyError as exc:
        return _render_manage(campaign, 409, problem=exc.text(language))
    by_id = {u.id: u for u in units}
    sheets = [
        (by_id[unit_id], [_link_for(t) for t in unit_tokens])
        for unit_id, unit_tokens in sorted(tokens.items(), key=lambda kv: by_id[kv[0]].code)
    ]
    return render_template(
        "staff_survey/links.html",
        actor=actor,
        campaign=campaign,
        agency=_agency(campaign.agency_id, MANAGE),
        sheets=sheets,
    )


def _mailing(reminder: bool) -> Any:
    actor = require(MANAGE, any_agency=True)
    campaign = _campaign(MANAGE)
    language = current_language()
    agency = _agency(campaign.agency_id, MANAGE)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy

    def mailing(wdb: Session, fresh: Campaign) -> list[int]:
        # The tokens and their messages commit together: no token without its message.
        outgoing = ss.prepare_mailing(wdb, fresh, actor, reminder=reminder)
        return ss.mail_out(wdb, app, agency, fresh, outgoing, _link_for, reminder=reminder)

    try:
        queued = _on_campaign(campaign, mailing)
    except ss.StaffSurveyError as exc:
        return _render_manage(campaign, 409, problem=exc.text(language))
    ss.deliver(app, queued)
    done = "reminded" if reminder else "invited"
    return redirect(_manage_url(campaign, done=done, n=len(queued)), code=303)


@bp.post("/staff-survey/invite")
def invite() -> Any:
    return _mailing(reminder=False)


@bp.post("/staff-survey/remind")
def remind() -> Any:
    return _mailing(reminder=True)


@bp.post("/staff-survey/close")
def close() -> Any:
    actor = require(MANAGE, any_agency=True)
    campaign = _campaign(MANAGE)
    _on_campaign(campaign, lambda wdb, fresh: ss.close(wdb, fresh, actor))
    return redirect(_manage_url(campaign, done="closed"), code=303)


# -- results --------------------------------------------------------------------


@bp.get("/staff-survey/results")
def results() -> Any:
    actor = require(RESULTS, any_agency=True)
    if _campaign_id() is None:
        return render_template(
            "staff_survey/results.html",
            actor=actor,
            campaigns=ss.staff_campaigns(get_session(), RESULTS),
            campaign=None,
        )
    campaign = _campaign(RESULTS)
    return render_template(
        "staff_survey/results.html",
        actor=actor,
        campaign=campaign,
        agency=_agency(campaign.agency_id, RESULTS),
        results=ss.results(get_session(), campaign, RESULTS),
        min_cell=ss.MIN_CELL,
    )


# -- the outbox -------------------------------------------------------------------


@bp.get("/outbox")
def outbox() -> Any:
    actor = require(MANAGE, any_agency=True)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    if not mailer.files_to_outbox(app):
        abort(404)  # mail is really sent: an old outbox folder is not shown
    boxes = []
    for agency_id in sorted(agencies_for(actor, MANAGE)):
        names = mailer.outbox_messages(app, agency_id)[:OUTBOX_PAGE]
        messages = [m for n in names if (m := mailer.read_outbox(app, agency_id, n))]
        boxes.append((_agency(agency_id, MANAGE), messages))
    if any(messages for _, messages in boxes):
        audit_log(
            "personal_data.view",
            agency_id=actor.agency_id,
            target="outbox",
            detail={"messages": sum(len(m) for _, m in boxes)},
        )
    return render_template(
        "staff_survey/outbox.html",
        actor=actor,
        boxes=boxes,
        backend=app.config.get("MAIL_BACKEND"),
    )


@bp.get("/outbox/message")
def outbox_message() -> Any:
    actor = require(MANAGE, any_agency=True)
    agency_id = whole_number(request.args.get("agency", ""))
    name = request.args.get("name", "")
    if agency_id is None or not name:
        abort(400)
    if agency_id not in agencies_for(actor, MANAGE):
        deny(actor, MANAGE, agency_id, status=404, target=f"outbox:{agency_id}")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    message = mailer.read_outbox(app, agency_id, name) if mailer.files_to_outbox(app) else None
    if message is None:
        abort(404)
    audit_log("personal_data.view", agency_id=agency_id, target=f"outbox:{name}"[:254])
    return render_template(
        "staff_survey/outbox_message.html",
        actor=actor,
        agency=_agency(agency_id, MANAGE),
        message=message,
    )


# -- answering: the public one-time link -----------------------------------------


def _gone(language: str) -> Any:
    """Used, unknown, closed: one page for all (it says nothing about which)."""
    return render_template("staff_survey/answer/gone.html", language=language), 410


@answer_bp.route("/t/<token>", methods=["GET", "POST"])
@limit("RATELIMIT_PUBLIC", ("GET", "POST"))
def answer(token: str) -> Any:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    offered = app.config["STAFF_LANGUAGES"]  # staff answer it: staff pages' languages
    db = get_session()
    target = ss.find_target(db, app, token)
    if target is None:
        return _gone(use_language(pick_language(offered, request.values.get("lang"))))
    version = db.get(QuestionnaireVersion, target.version_id)
    agency = db.get(Agency, target.agency_id)
    if version is None or agency is None:
        abort(404)
    unit = db.get(Unit, target.unit_id) if target.unit_id is not None else None
    page = SurveyPage(definition_of(version), version, agency, unit)
    submission = page.submission("online", campaign_id=target.campaign_id)
    if submission is not None:
        prepared = page.prepared(submission)
        if prepared is not None:
            if not ss.store_answer(app, target, prepared):
                return _gone(page.language)
            # No receipt, no response id, no response_saved hook: nothing that
            # could be matched with this request (docs/staff-survey.md).
            return render_template(
                "staff_survey/answer/thanks.html",
                questionnaire=page.questionnaire,
                language=page.language,
            )
    return page.render(show_unit=False)
