"""Improvement actions in the staff console (``/staff/improvement``).

- ``/staff/improvement`` (``improvement.read``): the actions the actor may read,
  filtered by status and kind of finding, overdue ones marked, each with its
  before/after.
- ``/staff/improvement/new`` (``improvement.manage``): record an action for a finding
  of the actor's agency; a results page links here with the finding in the query
  string (``kind``, ``questionnaire``, ``item``, ``unit``, ``category``, ``reason``,
  ``wave``, ``measure``: docs/improvement.md).
- ``/staff/improvement/<id>``: one action, its before/after and its history; with
  ``improvement.manage`` the forms to move its status and add evidence
  (``.../status``, ``.../evidence``), and ``.../edit`` for its details.

Every refused form is shown again (422) with its error summary and nothing changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.identity import current_actor
from collector.access.permissions import allowed
from collector.access.permissions import require
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.forms import LocalisedForm
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import agency_name
from collector.core.i18n import current_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.models import ACTION_STATUSES
from collector.core.models import COMPLAINT_REASONS
from collector.core.models import MEASURES
from collector.core.models import Agency
from collector.core.models import ImprovementAction
from collector.core.numbers import whole_number
from collector.improvement import findings
from collector.improvement import service
from collector.improvement.forms import ActionForm
from collector.improvement.forms import DetailsForm
from collector.improvement.forms import EvidenceForm
from collector.improvement.forms import StatusForm
from collector.improvement.presentation import Names
from collector.improvement.presentation import before_after_view

bp = Blueprint(
    "improvement", __name__, url_prefix="/staff/improvement", template_folder="templates"
)
staff_area(bp)


@bp.context_processor
def _actor() -> dict[str, Any]:
    """The staff layout shows the console's navigation and the account only with ``actor``."""
    return {"actor": current_actor()}


FIELD_LABELS: dict[str, LazyText] = {
    "title": lazy_gettext("Title"),
    "measure_taken": lazy_gettext("Measure taken"),
    "owner_id": lazy_gettext("Owner"),
    "due_on": lazy_gettext("Due date"),
}
"""The details an edit may change, as the history names them."""

READ = service.READ
MANAGE = service.MANAGE
T = TypeVar("T")


def _write_session() -> Session:
    return Session(writing(get_engine()), expire_on_commit=False)


def _status() -> int:
    return 422 if request.method == "POST" else 200


def _mark(form: LocalisedForm, field: str, message: Any) -> None:
    target = getattr(form, field, None)
    if target is not None:
        target.errors = [*target.errors, str(message)]
    else:
        form.form_errors.append(str(message))


def _save(form: LocalisedForm, change: Callable[[Session], T]) -> T | None:
    """Make ``change`` in a write transaction and commit it; None (the reason marked on
    the form) when it was refused, nothing written."""
    try:
        with _write_session() as wdb:
            done = change(wdb)
            wdb.commit()
    except service.ActionError as exc:
        _mark(form, exc.field, service.ERRORS[exc.key])
        return None
    return done


# -- list ---------------------------------------------------------------------------------


@bp.get("")
def index() -> Any:
    actor = require(READ, any_agency=True)
    status = request.args.get("status", "open")
    statuses: tuple[str, ...] = ()
    if status == "open":
        statuses = findings.OPEN_STATUSES
    elif status in ACTION_STATUSES:
        statuses = (status,)
    else:
        status = "all"
    kind = request.args.get("kind", "")
    if kind not in findings.KIND_LABELS:
        kind = ""
    db = get_session()
    today = clock.today()
    actions = service.list_actions(db, actor, statuses=statuses, kind=kind or None)
    names = Names(actor)
    owners = service.owner_names(db, actor, {a.owner_id for a in actions})
    rows = [
        {
            "action": a,
            "finding": names.finding(a),
            "owner": owners.get(a.owner_id, ""),
            "overdue": service.is_overdue(a, today),
            "agency": agency_name(names.agencies.get(a.agency_id), names.language),
            "result": before_after_view(a, actor, names),
        }
        for a in actions
    ]
    return render_template(
        "improvement/list.html",
        rows=rows,
        status=status,
        kind=kind,
        statuses=ACTION_STATUSES,
        status_labels=findings.STATUS_LABELS,
        kind_labels=findings.KIND_LABELS,
        may_manage=allowed(actor, MANAGE, actor.agency_id),
        several_agencies=len({a.agency_id for a in actions}) > 1,
        overdue=sum(1 for r in rows if r["overdue"]),
    )


# -- create ---------------------------------------------------------------------------------


def _own_agency(actor: Actor) -> Agency:
    """The agency whose actions the actor records: its own (``improvement.manage`` is own)."""
    require(MANAGE, actor.agency_id)
    agency = (
        get_session()
        .execute(scoped(select(Agency).where(col(Agency.id) == actor.agency_id), MANAGE, actor))
        .scalar_one_or_none()
    )
    if agency is None:
        abort(403)
    return agency


def _details_choices(form: DetailsForm, actor: Actor, agency_id: int) -> None:
    text = translator(current_language())
    form.owner.choices = [("", text.gettext("Choose the owner"))] + [
        (str(u.id), u.display_name) for u in service.owners(get_session(), actor, agency_id)
    ]


def _finding_choices(form: ActionForm, actor: Actor, agency: Agency, names: Names) -> None:
    text = translator(names.language)
    form.finding_kind.choices = [(k, text.render(v)) for k, v in findings.KIND_LABELS.items()]
    questionnaires = [q for q in names.plugins.questionnaires.values() if findings.rated_items(q)]
    form.questionnaire.choices = [(q.slug, q.text(q.title, names.language)) for q in questionnaires]
    chosen = names.plugins.questionnaires.items.get(form.questionnaire.data or "")
    if chosen is None and questionnaires:
        chosen = questionnaires[0]
    form.item.choices = [("", text.gettext("The headline (overall satisfaction)"))] + (
        [
            (key, f"{chosen.text(chosen.question(key).label, names.language)} ({key})")
            for key in findings.rated_items(chosen)
        ]
        if chosen
        else []
    )
    form.unit.choices = [("", text.gettext("Agency-wide"))] + [
        (str(u.id), agency_name(u, names.language))
        for u in sorted(names.units.values(), key=lambda u: u.code)
        if u.agency_id == agency.id
    ]
    form.category.choices = [("", text.gettext("None"))] + [
        (str(c.id), agency_name(c, names.language))
        for c in sorted(names.categories.values(), key=lambda c: c.code)
        if c.agency_id == agency.id
    ]
    form.reason.choices = [("", text.gettext("None"))] + [
        (r, text.render(findings.REASON_LABELS[r])) for r in COMPLAINT_REASONS
    ]
    form.measure.choices = [(m, text.render(findings.MEASURE_LABELS[m])) for m in MEASURES]


PREFILL = {
    "kind": "finding_kind",
    "questionnaire": "questionnaire",
    "item": "item",
    "unit": "unit",
    "category": "category",
    "reason": "reason",
    "wave": "wave",
    "measure": "measure",
}
"""Query arguments a results page's link may give, and the fields they fill in."""


def _finding_from(form: ActionForm) -> findings.Finding:
    return findings.Finding(
        kind=form.finding_kind.data or "",
        wave_key=(form.wave.data or "").strip(),
        slug=form.questionnaire.data or None,
        item=form.item.data or None,
        unit_id=whole_number(form.unit.data or ""),
        category_id=whole_number(form.category.data or ""),
        reason=form.reason.data or None,
        measure=form.measure.data if form.measure.data in MEASURES else "top2",
    )


def _details_from(form: DetailsForm) -> service.Details:
    return service.Details(
        title=form.title.data or "",
        measure_taken=form.measure_taken.data or "",
        owner_id=whole_number(form.owner.data or ""),
        due_on=form.due_on.data,
    )


def _date_errors(form: LocalisedForm, name: str, key: str, required: bool) -> None:
    """A date field's own messages replaced by ours (one clear sentence)."""
    field = getattr(form, name)
    if field.errors or (required and field.data is None):
        field.errors = [str(service.ERRORS[key])]


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    actor = current_actor()
    assert actor is not None  # staff_area
    agency = _own_agency(actor)
    names = Names(actor)
    if request.method == "GET":
        form = ActionForm(
            data={f: request.args[a] for a, f in PREFILL.items() if request.args.get(a)}
        )
    else:
        form = ActionForm()
    _finding_choices(form, actor, agency, names)
    _details_choices(form, actor, agency.id or 0)
    if request.method == "POST":
        form.validate()
        _date_errors(form, "due_on", "due_on", required=True)
        finding = _finding_from(form)
        problems = findings.check_finding(
            get_session(), names.plugins, actor, agency, finding, MANAGE, clock.today()
        )
        for problem in problems:
            _mark(form, problem.field, findings.ERRORS[problem.key])
        details = _details_from(form)
        for error in service.check_details(get_session(), actor, agency.id or 0, details):
            if error.field != "due_on" or not form.due_on.errors:
                _mark(form, error.field, service.ERRORS[error.key])
        if not problems and not any(f.errors for f in form):
            created = _save(
                form,
                lambda wdb: service.create_action(wdb, actor, agency.id or 0, finding, details).id,
            )
            if created is not None:
                return redirect(
                    url_for("improvement.detail", action_id=created, created=1), code=303
                )
    return render_template("improvement/form.html", form=form, creating=True), _status()


# -- one action ----------------------------------------------------------------------------


def _action(action_id: int, action: str) -> ImprovementAction:
    found: ImprovementAction = get_scoped(get_session(), ImprovementAction, action_id, action)
    return found


def _in_write(wdb: Session, actor: Actor, action: ImprovementAction) -> ImprovementAction:
    """The action read again in the write transaction (its latest version)."""
    statement = select(ImprovementAction).where(col(ImprovementAction.id) == action.id)
    fresh: ImprovementAction = wdb.execute(scoped(statement, MANAGE, actor)).scalar_one()
    return fresh


def _detail(
    action: ImprovementAction,
    actor: Actor,
    status_form: StatusForm | None = None,
    evidence_form: EvidenceForm | None = None,
) -> Any:
    names = Names(actor)
    db = get_session()
    may_manage = allowed(actor, MANAGE, action.agency_id)
    text = translator(names.language)
    if may_manage:
        status_form = status_form or StatusForm(data={"version": action.version})
        status_form.status.choices = [
            (s, text.render(findings.STATUS_LABELS[s])) for s in ACTION_STATUSES
        ]
        if request.method == "GET":
            status_form.status.data = action.status
        evidence_form = evidence_form or EvidenceForm()
    events = service.history(db, actor, action)
    owners = service.owner_names(db, actor, {action.owner_id})
    return render_template(
        "improvement/detail.html",
        action=action,
        finding=names.finding(action),
        owner=owners.get(action.owner_id, ""),
        overdue=service.is_overdue(action, clock.today()),
        result=before_after_view(action, actor, names),
        events=[(e, json.loads(e.detail or "{}")) for e in events],
        status_labels=findings.STATUS_LABELS,
        may_manage=may_manage,
        status_form=status_form,
        evidence_form=evidence_form,
        created=request.args.get("created") == "1",
        agency_label=agency_name(names.agencies.get(action.agency_id), names.language),
        field_labels=FIELD_LABELS,
    ), _status()


@bp.get("/<int:action_id>")
def detail(action_id: int) -> Any:
    actor = require(READ, any_agency=True)
    return _detail(_action(action_id, READ), actor)


@bp.route("/<int:action_id>/edit", methods=["GET", "POST"])
def edit(action_id: int) -> Any:
    actor = require(MANAGE, any_agency=True)
    action = _action(action_id, MANAGE)
    if request.method == "GET":
        form = DetailsForm(
            data={
                "title": action.title,
                "measure_taken": action.measure_taken,
                "owner": str(action.owner_id),
                "due_on": action.due_on,
                "version": action.version,
            }
        )
    else:
        form = DetailsForm()
    _details_choices(form, actor, action.agency_id)
    if request.method == "POST":
        form.validate()
        _date_errors(form, "due_on", "due_on", required=True)
        details = _details_from(form)
        for error in service.check_details(get_session(), actor, action.agency_id, details):
            if error.field != "due_on" or not form.due_on.errors:
                _mark(form, error.field, service.ERRORS[error.key])
        if not any(f.errors for f in form):
            version = whole_number(form.version.data or "")

            def change(wdb: Session) -> list[str]:
                fresh = _in_write(wdb, actor, action)
                return service.update_action(wdb, actor, fresh, details, version)

            if _save(form, change) is not None:
                return redirect(url_for("improvement.detail", action_id=action.id), code=303)
    names = Names(actor)
    return render_template(
        "improvement/form.html",
        form=form,
        creating=False,
        action=action,
        finding=names.finding(action),
    ), _status()


@bp.post("/<int:action_id>/status")
def status(action_id: int) -> Any:
    actor = require(MANAGE, any_agency=True)
    action = _action(action_id, MANAGE)
    form = StatusForm()
    form.validate()
    for field in (form.status, form.note, form.version):
        field.errors = []
    if form.status.data == "done":
        _date_errors(form, "done_on", "done_on", required=True)
    else:
        form.done_on.errors = []  # the day it took effect counts only for "done"
    note = form.note.data or ""
    if not note.strip() or len(note) > service.TEXT_MAX:
        _mark(form, "note", service.ERRORS["note"])
    if not any(f.errors for f in form):
        version = whole_number(form.version.data or "")
        today = clock.today()

        def change(wdb: Session) -> bool:
            fresh = _in_write(wdb, actor, action)
            service.change_status(
                wdb,
                actor,
                fresh,
                form.status.data or "",
                form.note.data or "",
                form.done_on.data if form.status.data == "done" else None,
                version,
                today,
            )
            return True

        if _save(form, change):
            return redirect(url_for("improvement.detail", action_id=action.id), code=303)
    return _detail(action, actor, status_form=form)


@bp.post("/<int:action_id>/evidence")
def evidence(action_id: int) -> Any:
    actor = require(MANAGE, any_agency=True)
    action = _action(action_id, MANAGE)
    form = EvidenceForm()

    def change(wdb: Session) -> bool:
        fresh = _in_write(wdb, actor, action)
        service.add_evidence(wdb, actor, fresh, form.evidence.data or "", form.link.data or "")
        return True

    if _save(form, change):
        return redirect(url_for("improvement.detail", action_id=action.id) + "#history", code=303)
    return _detail(action, actor, evidence_form=form)
