"""The complaints' panel on the console home (``collector.console.panels``): the open
cases overdue or due soon, on each agency's working-day calendar and deadline policy
(the queue's own marks, ``collector.complaints.views.case_page.due_marker``).

A case handler sees their own cases and those nobody has taken yet, as the queue
shows them by default; a coordinator sees every case of the agency.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from datetime import timedelta

from flask import current_app
from flask import url_for
from sqlalchemy import or_
from sqlalchemy import select
from sqlmodel import col

from collector.access.scoped import scoped
from collector.complaints import lifecycle
from collector.complaints import records
from collector.complaints.views.case_page import DueMark
from collector.complaints.views.case_page import due_marker
from collector.console.panels import ListPanel
from collector.console.panels import PanelRow
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import lazy_gettext
from collector.core.i18n import ngettext
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory

READ = "cases.read"
HORIZON_DAYS = 21
"""Calendar days ahead looked at: more than any due-soon policy's working days."""
SHOWN = ("overdue", "due_soon")


class CasesDuePanel(ListPanel):
    name = "cases_due"
    title = lazy_gettext("Cases overdue or due soon")
    area = "complaints"
    action = READ
    order = 10
    limit = 10
    empty = lazy_gettext("No open case is overdue or due soon.")

    def rows(self, actor: Actor) -> Sequence[PanelRow]:
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
        db = get_session()
        today = records.today_for(app)
        conditions = [
            col(Complaint.status).in_(lifecycle.OPEN),
            col(Complaint.destroyed_at).is_(None),
            col(Complaint.restricted_at).is_(None),
            col(Complaint.due_on) <= today + timedelta(days=HORIZON_DAYS),
        ]
        if actor.role == "case_handler":
            handler = col(Complaint.handler_id)
            conditions.append(or_(handler == actor.user_id, handler.is_(None)))
        statement = select(Complaint).where(*conditions).order_by(col(Complaint.due_on))
        cases = list(db.execute(scoped(statement, READ, actor).limit(200)).scalars())
        categories = {
            c.id: c for c in db.execute(scoped(select(ComplaintCategory), READ, actor)).scalars()
        }
        markers: dict[int, Callable[[Complaint], DueMark]] = {}
        out = []
        for case in cases:
            if case.agency_id not in markers:
                markers[case.agency_id] = due_marker(app, db, case.agency_id, categories)
            mark = markers[case.agency_id](case)
            if mark.state not in SHOWN:
                continue
            out.append(
                PanelRow(
                    f"{case.case_number} {case.subject}",
                    url_for("cases.detail", case_id=case.id),
                    _when(mark),
                    mark.state,
                )
            )
        return sorted(out, key=lambda r: SHOWN.index(r.state))

    def more(self, actor: Actor) -> str | None:
        return url_for("cases.queue")


def _when(mark: DueMark) -> str:
    """The queue's words for the days left or over (the same catalogue entries)."""
    if mark.days is None:
        return ""
    if mark.days < 0:
        if mark.working:
            return ngettext("%(num)s working day over", "%(num)s working days over", -mark.days)
        return ngettext("%(num)s day over", "%(num)s days over", -mark.days)
    if mark.working:
        return ngettext("%(num)s working day left", "%(num)s working days left", mark.days)
    return ngettext("%(num)s day left", "%(num)s days left", mark.days)
