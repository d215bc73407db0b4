"""Improvement actions on the results pages (檢討改善 beside the findings).

Registered through ``register_results_sections`` (results is below improvement in the
package order, so it never imports this): a section listing the questionnaire's open
actions and those found in the chosen wave, each with its finding, owner, due date,
status and before/after once a later wave has data; and, beside each finding the
results sections mark (``collector.results.sections.Finding``), the actions already
addressing it and, for those who may record actions, a link to
``/staff/improvement/new`` with the finding in the query string (docs/improvement.md).
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlmodel import col

from collector.access.identity import current_actor
from collector.access.permissions import allowed
from collector.access.scoped import scoped
from collector.core.db import get_session
from collector.core.i18n import gettext
from collector.core.i18n import lazy_gettext
from collector.core.models import ImprovementAction
from collector.improvement import findings
from collector.improvement import service
from collector.improvement.presentation import Names
from collector.improvement.presentation import before_after_view
from collector.results.sections import Finding
from collector.results.sections import FindingLink
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from surveys import Questionnaire


class ImprovementSection(ResultsSection):
    name = "improvement"
    title = lazy_gettext("Review and improvement actions")
    template = "improvement/results_section.html"
    order = 35  # after the dimensions, before the trend and breakdowns

    def __init__(self) -> None:
        self._views: list[service.ActionView] | None = None

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return bool(findings.rated_items(questionnaire))

    def _actions(self, context: WaveContext) -> list[service.ActionView]:
        """The questionnaire's open actions and those found in the wave (read once)."""
        if self._views is None:
            actor = current_actor()
            self._views = (
                service.actions_for(get_session(), actor, context.questionnaire.slug, context.wave)
                if actor is not None
                else []
            )
        return self._views

    @staticmethod
    def _may_record(context: WaveContext) -> bool:
        actor = current_actor()
        return (
            context.detailed
            and actor is not None
            and actor.agency_id is not None
            and allowed(actor, service.MANAGE, actor.agency_id)
        )

    def finding_links(self, context: WaveContext, finding: Finding) -> list[FindingLink]:
        statuses = findings.STATUS_LABELS
        out = [
            FindingLink(
                url_for("improvement.detail", action_id=view.id),
                gettext(
                    "Action: %(title)s (%(status)s)",
                    title=view.title,
                    status=str(statuses[view.status]),
                ),
                "open",
            )
            for view in self._actions(context)
            if view.item == finding.item and view.unit_id == finding.unit_id
        ]
        if self._may_record(context):
            query: dict[str, Any] = {
                "kind": finding.kind,
                "questionnaire": context.questionnaire.slug,
                "wave": context.wave.key,
                "measure": finding.measure,
            }
            if finding.item is not None:
                query["item"] = finding.item
            if finding.unit_id is not None:
                query["unit"] = finding.unit_id
            out.append(
                FindingLink(
                    url_for("improvement.new", **query),
                    gettext("Record an improvement action"),
                    "record",
                )
            )
        return out

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        actor = current_actor()
        views = self._actions(context)
        may_record = self._may_record(context)
        if actor is None or (not views and not may_record):
            return None
        rows: list[dict[str, Any]] = []
        if views:
            statement = select(ImprovementAction).where(
                col(ImprovementAction.id).in_([v.id for v in views])
            )
            actions = {
                a.id: a
                for a in get_session().execute(scoped(statement, service.READ, actor)).scalars()
            }
            names = Names(actor)
            for view in views:
                action = actions.get(view.id)
                if action is None:
                    continue
                rows.append(
                    {
                        "view": view,
                        "finding": names.finding(action),
                        "result": before_after_view(action, actor, names),
                    }
                )
        return {
            "rows": rows,
            "may_record": may_record,
            "new": url_for(
                "improvement.new", questionnaire=context.questionnaire.slug, wave=context.wave.key
            ),
            "status_labels": findings.STATUS_LABELS,
        }
