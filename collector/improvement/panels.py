"""The console's "Improvement actions due" panel: open actions overdue or due within
``service.DUE_SOON_DAYS`` days (``service.due_actions``), soonest first, for whoever
reads the agency's improvement actions."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for

from collector.console.panels import ListPanel
from collector.console.panels import PanelRow
from collector.core import clock
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import gettext
from collector.core.i18n import lazy_gettext
from collector.improvement import service


class ActionsDuePanel(ListPanel):
    name = "improvement_due"
    title = lazy_gettext("Improvement actions due")
    area = "analyse"
    action = service.READ
    order = 40
    empty = lazy_gettext("No improvement action is overdue or due in the next two weeks.")

    def rows(self, actor: Actor) -> Sequence[PanelRow]:
        today = clock.today()
        rows = []
        for view in service.due_actions(get_session(), actor, today):
            due = view.due_on.isoformat()
            detail = (
                gettext("overdue since %(date)s", date=due)
                if view.overdue
                else gettext("due %(date)s", date=due)
            )
            if view.owner:
                detail = gettext("%(when)s; owner: %(owner)s", when=detail, owner=view.owner)
            rows.append(
                PanelRow(
                    view.title,
                    url_for("improvement.detail", action_id=view.id),
                    detail,
                    "overdue" if view.overdue else "due_soon",
                )
            )
        return rows

    def more(self, actor: Actor) -> str | None:
        return url_for("improvement.index")
