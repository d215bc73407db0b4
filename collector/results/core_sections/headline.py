"""Headline: the overall item's top-two-box share and 0-100 score with 95 % intervals, and
its change since the previous wave with a plain-language significance statement."""

from __future__ import annotations

from typing import Any

from collector.core.i18n import lazy_gettext
from collector.results.core_sections.common import label_of
from collector.results.core_sections.common import satisfaction_of
from collector.results.figures import change_view
from collector.results.figures import satisfaction_view
from collector.results.sections import Finding
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from surveys import Questionnaire


class Headline(ResultsSection):
    name = "headline"
    title = lazy_gettext("Overall satisfaction")
    template = "results/sections/headline.html"
    order = 20

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return bool(questionnaire.analysis.overall)

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        key = context.questionnaire.analysis.overall
        assert key is not None  # applies_to
        current = satisfaction_of(context, context.wave, key)
        previous = satisfaction_of(context, context.previous, key)
        moved = change_view(
            context.language, current, previous, label_of(context, context.previous)
        )
        fell = moved is not None and moved["significant"] and moved["direction"] == "down"
        return {
            "wave": label_of(context, context.wave),
            "previous": label_of(context, context.previous),
            "current": satisfaction_view(current),
            # The previous wave's own headline, as that wave's page shows it (the
            # evidence pack reports both waves' figures without building that page).
            "previous_view": satisfaction_view(previous),
            "change": moved,
            "previous_shown": previous is not None,
            # A significant fall of the headline is a finding (``falling_trend``).
            "links": context.links(Finding("falling_trend", unit_id=context.unit_id))
            if fell
            else [],
        }
