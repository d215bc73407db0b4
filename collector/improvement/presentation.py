"""How improvement actions are put into words for the pages and the evidence pack: the
names of what an action links to, and its before/after as text.

The console's pages, the results pages' section and the evidence pack show an action
the same way, so they share this module rather than the views' helpers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from collector.access.scoped import scoped
from collector.core import clock
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.i18n import agency_name
from collector.core.i18n import current_language
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import ComplaintCategory
from collector.core.models import ImprovementAction
from collector.core.models import Unit
from collector.core.plugins import get_plugins
from collector.improvement import findings
from collector.improvement import service
from collector.improvement.effects import BeforeAfter
from collector.improvement.measures import before_after
from collector.improvement.measures import subject
from collector.improvement.statement import before_after_statement
from collector.improvement.statement import change_figure
from collector.improvement.statement import figure
from collector.improvement.statement import p_text

READ = service.READ


class Names:
    """Units, categories and questionnaires as the pages name them."""

    def __init__(self, actor: Actor) -> None:
        db = get_session()
        self.actor = actor
        self.language = current_language()
        self.plugins = get_plugins()
        self.units = {u.id: u for u in db.execute(scoped(select(Unit), READ, actor)).scalars()}
        self.categories = {
            c.id: c for c in db.execute(scoped(select(ComplaintCategory), READ, actor)).scalars()
        }
        self.agencies = {a.id: a for a in db.execute(scoped(select(Agency), READ, actor)).scalars()}

    def unit(self, unit_id: int | None) -> str | None:
        unit = self.units.get(unit_id)
        return agency_name(unit, self.language) if unit is not None else None

    def category(self, category_id: int | None) -> str | None:
        category = self.categories.get(category_id)
        return agency_name(category, self.language) if category is not None else None

    def questionnaire(self, slug: str | None) -> str:
        questionnaire = self.plugins.questionnaires.items.get(slug or "")
        return (
            questionnaire.text(questionnaire.title, self.language) if questionnaire else slug or ""
        )

    def item(self, slug: str | None, key: str | None) -> str:
        questionnaire = self.plugins.questionnaires.items.get(slug or "")
        if questionnaire is None:
            return key or ""
        key = key or questionnaire.analysis.overall
        if not key:
            return ""
        try:
            return questionnaire.text(questionnaire.question(key).label, self.language)
        except KeyError:
            return key

    def finding(self, action: ImprovementAction) -> str:
        """The finding in a line: "Low item · 民眾滿意度調查 · 等候時間合理 · 2025 H1"."""
        text = translator(self.language)
        parts = [text.render(findings.KIND_LABELS[action.finding_kind])]
        if action.questionnaire_slug:
            parts.append(self.questionnaire(action.questionnaire_slug))
            item = self.item(action.questionnaire_slug, action.item_key)
            parts.append(
                item if action.item_key else text.gettext("headline (%(item)s)", item=item)
            )
        if action.unit_id is not None:
            parts.append(self.unit(action.unit_id) or "")
        if action.category_id is not None:
            parts.append(self.category(action.category_id) or "")
            if action.complaint_reason:
                parts.append(text.render(findings.REASON_LABELS[action.complaint_reason]))
        period = findings.resolve_wave(
            get_session(), self.actor, action.wave_key, action.questionnaire_slug, READ
        )
        parts.append(period.label(self.language) if period else action.wave_key)
        return " · ".join(p for p in parts if p)


def result_view(
    result: BeforeAfter | None, action: ImprovementAction, names: Names
) -> dict[str, Any] | None:
    """The before/after as the templates show it: figures as text, and the sentence."""
    if result is None:
        return None
    language = names.language
    what = subject(
        action,
        names.plugins,
        language,
        names.unit(action.unit_id),
        names.category(action.category_id),
    )

    def side(s: Any) -> dict[str, Any] | None:
        if s is None:
            return None
        return {
            "wave": s.wave.label(language),
            "n": None if s.suppressed else s.n,
            "estimate": None if s.estimate is None else figure(s.estimate, result.measure),
            "ci": None
            if s.low is None or s.high is None
            else f"{figure(s.low, result.measure)} – {figure(s.high, result.measure)}",
        }

    change = None
    if result.change is not None:
        c = result.change
        change = {
            "estimate": change_figure(c.estimate, result.measure),
            "ci": None
            if c.low is None or c.high is None
            else f"{change_figure(c.low, result.measure)} – {change_figure(c.high, result.measure)}",
            "p": None if c.p is None else p_text(c.p),
            "significant": c.significant,
            "up": c.estimate > 0,
        }
    return {
        "subject": what,
        "measure": result.measure,
        "before": side(result.before),
        "after": side(result.after),
        "change": change,
        "statement": before_after_statement(result, what, language),
    }


def before_after_view(
    action: ImprovementAction, actor: Actor, names: Names
) -> dict[str, Any] | None:
    """The action's before/after as the pages show it (None before a linked measure has a
    wave to compare)."""
    result = before_after(get_session(), names.plugins, actor, action, clock.today())
    return result_view(result, action, names)
