"""The dimensions (洽公環境, 服務禮儀, 服務專業性, 服務措施 for the citizens' questionnaire) and every
item: share and score with intervals, and the change since the previous wave.

A dimension's figures are the averages of its items' own figures (each item over those
who answered it), so a dimension always lies between its lowest and its highest item;
the page says so.
"""

from __future__ import annotations

from typing import Any

from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.results.core_sections.common import composite_of
from collector.results.core_sections.common import label_of
from collector.results.core_sections.common import satisfaction_of
from collector.results.core_sections.common import scale_items
from collector.results.estimation import Satisfaction
from collector.results.figures import change_view
from collector.results.figures import satisfaction_view
from collector.results.sections import Finding
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from collector.results.waves import Wave
from surveys import Questionnaire

LOWEST = 3
"""The items of lowest satisfied share offered as findings ("low item")."""


def blocks(questionnaire: Questionnaire, language: str) -> list[tuple[str, str, list[str]]]:
    """(name, label, items) per dimension, then the scale items of no dimension."""
    spec = questionnaire.analysis
    out = [
        (
            name,
            questionnaire.text(spec.dimension_labels[name], language)
            if name in spec.dimension_labels
            else name,
            list(keys),
        )
        for name, keys in spec.dimensions.items()
    ]
    grouped = {key for keys in spec.dimensions.values() for key in keys}
    rest = [k for k in scale_items(questionnaire) if k not in grouped]
    if rest:
        out.append(("", translator(language).gettext("Other items"), rest))
    return out


class Dimensions(ResultsSection):
    name = "dimensions"
    title = lazy_gettext("Dimensions and items")
    template = "results/sections/dimensions.html"
    order = 30

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return bool(scale_items(questionnaire))

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        q = context.questionnaire
        previous_label = label_of(context, context.previous)

        def row(label: str, estimate: Any) -> dict[str, Any]:
            current: Satisfaction | None = estimate(context.wave)
            previous: Satisfaction | None = estimate(context.previous)
            return {
                "label": label,
                "current": satisfaction_view(current),
                "change": change_view(context.language, current, previous, previous_label),
            }

        scale = set(scale_items(q))
        out: list[dict[str, Any]] = []
        every_item: list[dict[str, Any]] = []
        for name, label, keys in blocks(q, context.language):
            keys = [k for k in keys if k in scale]

            def item(wave: Wave | None, key: str) -> Satisfaction | None:
                return satisfaction_of(context, wave, key)

            def dimension(wave: Wave | None, keys: list[str] = keys) -> Satisfaction | None:
                return composite_of(context, wave, keys)

            items = [
                {
                    "key": key,
                    **row(
                        q.text(q.question(key).label, context.language),
                        lambda d, key=key: item(d, key),
                    ),
                }
                for key in keys
            ]
            summary = row(label, dimension) if name else None
            out.append({"name": name, "label": label, "summary": summary, "items": items})
            every_item.extend(items)
        self._mark_findings(context, every_item)
        return {"blocks": out, "previous": previous_label}

    @staticmethod
    def _mark_findings(context: WaveContext, items: list[dict[str, Any]]) -> None:
        """Each item that fell significantly (``falling_trend``) or is among the
        :data:`LOWEST` by satisfied share (``low_item``; at a chosen unit, ``weak_unit``)
        gets the links other features put beside a finding."""
        shown = [i for i in items if i["current"] is not None]
        lowest = {
            i["key"] for i in sorted(shown, key=lambda i: i["current"]["raw"]["share"])[:LOWEST]
        }
        for i in items:
            fell = i["change"] is not None and i["change"]["significant"]
            fell = fell and i["change"]["direction"] == "down"
            if fell:
                finding = Finding("falling_trend", i["key"], context.unit_id)
            elif i["key"] in lowest:
                kind = "weak_unit" if context.unit_id is not None else "low_item"
                finding = Finding(kind, i["key"], context.unit_id)
            else:
                i["links"] = []
                continue
            i["links"] = context.links(finding)
