"""The staff console's home page (``/staff/``): what needs the actor's attention.

Each feature contributes panels (``collector.console.panels``); a role no panel speaks
to sees its tasks instead, each a link with what is done there. The navigation every
staff page carries is ``collector.console.navigation``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import render_template
from sqlalchemy import select
from sqlmodel import col

from collector.access.identity import current_actor
from collector.access.permissions import ACTION_LABELS
from collector.access.permissions import ACTIONS
from collector.access.permissions import ROLE_LABELS
from collector.access.permissions import may_somewhere
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.console.navigation import AREAS
from collector.console.navigation import overview
from collector.console.navigation import staff_navigation
from collector.console.panels import built_for
from collector.core.db import get_session
from collector.core.i18n import agency_name
from collector.core.models import Agency

bp = Blueprint("console", __name__, url_prefix="/staff", template_folder="templates")
staff_area(bp)
bp.add_app_template_global(staff_navigation)


@bp.get("/")
def home() -> Any:
    actor = current_actor()
    assert actor is not None  # staff_area
    agency = None
    if actor.agency_id is not None:
        agency = (
            get_session()
            .execute(scoped(select(Agency).where(col(Agency.id) == actor.agency_id), "console.use"))
            .scalar_one_or_none()
        )
    may = [a for a in ACTIONS if a != "console.use" and may_somewhere(actor, a)]
    panels = built_for(actor)
    return render_template(
        "console/home.html",
        actor=actor,
        agency_label=agency_name(agency),
        actions=may,
        role_labels=ROLE_LABELS,
        action_labels=ACTION_LABELS,
        area_titles=AREAS,
        panels=panels,
        areas=[] if panels else overview(actor),
    )
