"""The kiosks in the staff console (``/staff/kiosks``, ``kiosks.manage``).

- ``/staff/kiosks``: the agency's kiosks with their unit, state, last contact, the
  queue length and version the device last reported;
- ``/staff/kiosks/new``: register a kiosk for a unit (name, questionnaire, staff PIN);
  the pairing code and its QR are shown once, on the kiosk's page;
- ``/staff/kiosks/<id>``: the kiosk, a new pairing code, a new PIN, revoking it.

Every change is audited (``collector.kiosk.service``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from sqlalchemy import select
from sqlmodel import col

from collector.access.permissions import require
from collector.access.scoped import get_scoped
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.campaigns.service import qr_path
from collector.core import clock
from collector.core.db import get_session
from collector.core.i18n import current_language
from collector.core.i18n import gettext
from collector.core.links import external_url
from collector.core.models import Agency
from collector.core.models import Unit
from collector.core.offering import offered_by_agency
from collector.core.plugins import get_plugins
from collector.core.questionnaires import PUBLIC_KINDS
from collector.kiosk import service
from collector.kiosk import settings
from collector.kiosk.forms import PinForm
from collector.kiosk.forms import RegisterForm
from collector.kiosk.models import Kiosk
from collector.kiosk.screens import kiosk_ready

bp = Blueprint("kiosks", __name__, url_prefix="/staff/kiosks", template_folder="templates")
staff_area(bp)

MANAGE = "kiosks.manage"
NAME_MAX = 100
CODE_KEY = "kiosk_pairing_code"


@bp.record_once
def _defaults(state: Any) -> None:
    settings.init_app(state.app)


def _units(agency_id: int) -> list[Unit]:
    query = select(Unit).where(col(Unit.agency_id) == agency_id).order_by(col(Unit.code))
    return list(get_session().execute(scoped(query, MANAGE)).scalars())


def _unit_name(unit: Unit | None) -> str:
    if unit is None:
        return ""
    return unit.name_en if current_language() == "en" else unit.name_zh


def _questionnaire_name(slug: str) -> str:
    """The questionnaire's title in the page's language (its slug if it is gone)."""
    questionnaire = get_plugins().questionnaires.items.get(slug)
    if questionnaire is None:
        return slug
    return questionnaire.text(questionnaire.title, current_language())


def _kiosk_page(
    kiosk: Kiosk, *, pairing: dict[str, Any] | None, pin_form: PinForm, done: str | None
) -> str:
    return render_template(
        "kiosk/console_kiosk.html",
        kiosk=kiosk,
        questionnaire=_questionnaire_name(kiosk.questionnaire),
        unit=get_scoped(get_session(), Unit, kiosk.unit_id, MANAGE),
        unit_name=_unit_name,
        state=_state(kiosk),
        pairing=pairing,
        pin_form=pin_form,
        done=done,
        aware=service.aware,
    )


def _questionnaires(agency_id: int) -> list[tuple[str, str]]:
    """The citizen questionnaires the agency offers that a kiosk can show."""
    plugins = get_plugins()
    db = get_session()
    agency = get_scoped(db, Agency, agency_id, MANAGE)
    offered = offered_by_agency(db, plugins, [agency], lambda s: scoped(s, MANAGE))[agency_id]
    language = current_language()
    return [
        (q.slug, q.text(q.title, language))
        for q in plugins.questionnaires.values()
        if q.kind in PUBLIC_KINDS and q.slug in offered and kiosk_ready(plugins, q)
    ]


@bp.get("")
def index() -> Any:
    actor = require(MANAGE, any_agency=True)
    assert actor.agency_id is not None
    kiosks = list(
        get_session()
        .execute(
            scoped(
                select(Kiosk)
                .where(col(Kiosk.agency_id) == actor.agency_id)
                .order_by(col(Kiosk.revoked_at).is_not(None), col(Kiosk.name)),
                MANAGE,
            )
        )
        .scalars()
    )
    units = {u.id: u for u in _units(actor.agency_id)}
    return render_template(
        "kiosk/console_index.html",
        kiosks=kiosks,
        units=units,
        unit_name=_unit_name,
        state_of=_state,
        done=request.args.get("done"),
        aware=service.aware,
    )


def _state(kiosk: Kiosk) -> str:
    if kiosk.revoked_at is not None:
        return gettext("Revoked")
    if kiosk.credential_hash is None:
        return gettext("Waiting to be paired")
    quiet = int(current_app.config["KIOSK_QUIET_MINUTES"])
    seen = kiosk.last_seen_at
    if seen is None or (clock.now() - service.aware(seen)).total_seconds() > quiet * 60:
        return gettext("Not reporting")
    return gettext("Working")


def _pin_problem(form: PinForm) -> bool:
    pin, again = form.pin.data or "", form.pin_again.data or ""
    if not service.valid_pin(pin):
        form.pin.errors = [gettext("Enter a PIN of 4 to 12 digits.")]
        return True
    if pin != again:
        form.pin_again.errors = [gettext("The two PINs differ.")]
        return True
    return False


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    actor = require(MANAGE, any_agency=True)
    assert actor.agency_id is not None
    form = RegisterForm()
    units = _units(actor.agency_id)
    form.unit.choices = [("", gettext("Choose a unit"))] + [
        (str(u.id), _unit_name(u)) for u in units
    ]
    questionnaires = _questionnaires(actor.agency_id)
    form.questionnaire.choices = questionnaires
    if request.method == "POST" and form.validate():
        name = (form.name.data or "").strip()
        unit = next((u for u in units if str(u.id) == form.unit.data), None)
        slug = form.questionnaire.data
        problems = False
        if not name or len(name) > NAME_MAX:
            form.name.errors = [
                gettext("Enter a name of at most %(max)s characters.", max=NAME_MAX)
            ]
            problems = True
        if unit is None:
            form.unit.errors = [gettext("Choose a unit.")]
            problems = True
        if slug not in dict(questionnaires):
            form.questionnaire.errors = [gettext("Choose a questionnaire.")]
            problems = True
        problems = _pin_problem(form) or problems
        if not problems:
            assert unit is not None and unit.id is not None
            done = service.register(
                current_app,
                actor,
                agency_id=actor.agency_id,
                unit_id=unit.id,
                name=name,
                questionnaire=str(slug),
                pin=form.pin.data or "",
            )
            session[CODE_KEY] = {"kiosk": done.kiosk_id, "code": done.code}
            return redirect(url_for("kiosks.show", kiosk_id=done.kiosk_id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("kiosk/console_new.html", form=form, has_units=bool(units)), status


def _kiosk(kiosk_id: int) -> Kiosk:
    kiosk: Kiosk = get_scoped(get_session(), Kiosk, kiosk_id, MANAGE)
    require(MANAGE, kiosk.agency_id)
    return kiosk


@bp.get("/<int:kiosk_id>")
def show(kiosk_id: int) -> Any:
    kiosk = _kiosk(kiosk_id)
    shown = session.pop(CODE_KEY, None)
    code = shown["code"] if shown and shown.get("kiosk") == kiosk_id else None
    pairing = None
    if code and kiosk.pairing_expires_at is not None:
        url = external_url(current_app, "kiosk.pair", code=code)
        path, size = qr_path(url)
        pairing = {
            "code": code,
            "url": url,
            "path": path,
            "size": size,
            "expires": service.aware(kiosk.pairing_expires_at),
        }
    return _kiosk_page(
        kiosk, pairing=pairing, pin_form=PinForm(), done=request.args.get("done")
    ), 200


@bp.post("/<int:kiosk_id>/code")
def new_code(kiosk_id: int) -> Any:
    kiosk = _kiosk(kiosk_id)
    actor = require(MANAGE, kiosk.agency_id)
    code = service.new_pairing_code(current_app, actor, kiosk)
    session[CODE_KEY] = {"kiosk": kiosk_id, "code": code}
    return redirect(url_for("kiosks.show", kiosk_id=kiosk_id), code=303)


@bp.post("/<int:kiosk_id>/revoke")
def revoke(kiosk_id: int) -> Any:
    kiosk = _kiosk(kiosk_id)
    actor = require(MANAGE, kiosk.agency_id)
    service.revoke(current_app, actor, kiosk)
    return redirect(url_for("kiosks.show", kiosk_id=kiosk_id, done="revoked"), code=303)


@bp.post("/<int:kiosk_id>/pin")
def pin(kiosk_id: int) -> Any:
    kiosk = _kiosk(kiosk_id)
    actor = require(MANAGE, kiosk.agency_id)
    form = PinForm()
    if form.validate() and not _pin_problem(form):
        service.set_pin(current_app, actor, kiosk, form.pin.data or "")
        return redirect(url_for("kiosks.show", kiosk_id=kiosk_id, done="pin"), code=303)
    return _kiosk_page(kiosk, pairing=None, pin_form=form, done=None), 422
