"""The audit log page (``/staff/audit``): the newest events first, and whether the chain holds."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import render_template
from flask import request
from sqlalchemy import select
from sqlmodel import col

from collector.access.audit import verify_chain
from collector.access.permissions import require
from collector.access.scoped import scoped
from collector.access.sessions import staff_area
from collector.core.db import get_session
from collector.core.models import Agency
from collector.core.models import AuditEvent
from collector.core.numbers import id_in_query

bp = Blueprint("audit", __name__, url_prefix="/staff", template_folder="../templates")
staff_area(bp)

AUDIT_PAGE = 100


@bp.get("/audit")
def audit_log() -> Any:
    actor = require("audit.read", any_agency=True)
    db = get_session()
    statement = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(AUDIT_PAGE)
    before = id_in_query(request.args.get("before"))
    if before is not None:
        statement = statement.where(col(AuditEvent.id) < before)
    events = list(db.execute(scoped(statement, "audit.read")).scalars())
    agencies = {a.id: a.code for a in db.execute(scoped(select(Agency), "audit.read")).scalars()}
    return render_template(
        "access/audit.html",
        actor=actor,
        events=events,
        agency_codes=agencies,
        status=verify_chain(db),
        older=events[-1].id if len(events) == AUDIT_PAGE else None,
    )
