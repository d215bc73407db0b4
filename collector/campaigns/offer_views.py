"""Which questionnaires the agency offers (``/staff/questionnaires``, ``campaigns.manage``).

An agency administrator sees every public questionnaire, whether the plugins offer it
to the agency, and switches it on or off for the agency (``collector.campaigns.offers``).
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
from sqlmodel import Session
from sqlmodel import col

from collector.access.permissions import agencies_for
from collector.access.permissions import require
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.campaigns import offers
from collector.core.db import get_engine
from collector.core.db import get_session
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.i18n import agency_name
from collector.core.i18n import current_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.numbers import whole_number
from collector.core.offering import forget
from collector.core.plugins import get_plugins
from collector.core.questionnaires import PUBLIC_KINDS

bp = Blueprint(
    "questionnaire_offers",
    __name__,
    url_prefix="/staff/questionnaires",
    template_folder="templates",
)
staff_area(bp)

NOTICE_KEY = "questionnaire_offer_notice"
NOTICES = {
    True: lazy_gettext("“%(survey)s” is now offered at %(agency)s."),
    False: lazy_gettext(
        "“%(survey)s” is no longer offered at %(agency)s: its survey addresses answer "
        "“not offered here”, and paper entry and new campaigns no longer list it."
    ),
}
BAD_REQUEST = lazy_gettext("Choose a questionnaire and whether to offer it.")


def _agencies(actor: Actor) -> list[Agency]:
    ids = sorted(agencies_for(actor, offers.ACTION))
    statement = select(Agency).where(col(Agency.id).in_(ids)).order_by(col(Agency.code))
    return list(get_session().execute(scoped(statement, offers.ACTION, actor)).scalars())


def _page(actor: Actor, error: str | None = None, status: int = 200) -> Any:
    plugins = get_plugins()
    language = current_language()
    notice = session.pop(NOTICE_KEY, None) if request.method == "GET" else None
    sections = [
        (agency, offers.offers_at(get_session(), plugins, agency, actor))
        for agency in _agencies(actor)
    ]
    page = render_template(
        "campaigns/questionnaires.html",
        actor=actor,
        sections=sections,
        agency_name=lambda agency: agency_name(agency, language),
        title=lambda questionnaire: questionnaire.text(questionnaire.title, language),
        notice=notice,
        error=error,
    )
    return page, status


@bp.route("", methods=["GET", "POST"])
def index() -> Any:
    actor = require(offers.ACTION, any_agency=True)
    if request.method == "GET":
        return _page(actor)
    plugins = get_plugins()
    text = translator(current_language())
    slug = request.form.get("questionnaire", "")
    choice = request.form.get("offered", "")
    agency_id = whole_number(request.form.get("agency", ""))
    agency = next((a for a in _agencies(actor) if a.id == agency_id), None)
    questionnaire = plugins.questionnaires.items.get(slug)
    if (
        agency is None
        or questionnaire is None
        or questionnaire.kind not in PUBLIC_KINDS
        or choice not in ("0", "1")
    ):
        return _page(actor, text.render(BAD_REQUEST), 422)
    offered = choice == "1"
    with Session(writing(get_engine()), expire_on_commit=False) as wdb:
        changed = offers.set_offered(
            wdb, plugins, agency=agency, slug=slug, offered=offered, actor=actor
        )
        wdb.commit()
    if changed:
        forget(current_app._get_current_object())  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
        session[NOTICE_KEY] = text.render(
            NOTICES[offered],
            survey=questionnaire.text(questionnaire.title, current_language()),
            agency=agency_name(agency, current_language()),
        )
    return redirect(url_for("questionnaire_offers.index"), code=303)
