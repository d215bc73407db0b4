"""Breakdowns of the headline by sex, age group, channel and service unit (by agency for a
ministry), each with a design-based test across its groups (Rao-Scott) and Holm's
correction across the breakdowns shown.

A group of fewer than ``MIN_CELL`` respondents is suppressed ("<5", no figures); while
the suppressed groups together hold 1 to 4 respondents, the smallest shown group's
figures are hidden too (the headline minus the groups shown would reveal them). The
test runs over the groups whose figures are shown, so it reveals nothing more.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from analysis.compare import adjust_pvalues
from analysis.compare import rao_scott
from collector.core.disclosure import hidden_cells
from collector.core.disclosure import too_small
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.results.core_sections.common import SUPPRESSED
from collector.results.core_sections.common import design_of
from collector.results.estimation import Design
from collector.results.estimation import answered
from collector.results.estimation import satisfaction
from collector.results.figures import ALPHA
from collector.results.figures import p_text
from collector.results.figures import satisfaction_view
from collector.results.sections import Finding
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from surveys import Questionnaire

MISSING = "__missing__"

CHANNEL_LABELS: dict[str, LazyText] = {
    "online": lazy_gettext("Online"),
    "qr": lazy_gettext("QR code"),
    "kiosk": lazy_gettext("Kiosk"),
    "paper": lazy_gettext("Paper"),
    "phone": lazy_gettext("Phone"),
}
"""Each response channel (``collector.core.models.CHANNELS``) as the results page names it."""

DEMOGRAPHIC_TITLES: dict[str, LazyText] = {
    "sex": lazy_gettext("By sex"),
    "age_group": lazy_gettext("By age group"),
}


def protect_complement(rows: list[dict[str, Any]], shown_total: bool) -> list[dict[str, Any]]:
    """Secondary suppression: the headline over all respondents minus the groups shown
    would reveal the suppressed groups together, so while they hold fewer than
    MIN_CELL respondents the smallest shown group's figures are hidden too."""
    if not shown_total:
        return rows
    for i in hidden_cells({i: row["n"] for i, row in enumerate(rows)}):
        if not rows[i]["suppressed"]:
            rows[i]["headline"] = None
            rows[i]["secondary"] = True
    return rows


def group_keys(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype(object).where(frame[column].notna(), MISSING).astype(str)


def breakdown(
    design: Design, frame: pd.DataFrame, column: str, overall: str, labels: dict[str, str]
) -> tuple[list[dict[str, Any]], float | None]:
    """The rows of one breakdown and the Rao-Scott p-value across its shown groups."""
    keys = group_keys(frame, column)
    order = list(labels) + sorted(set(keys) - set(labels))
    rows: list[dict[str, Any]] = []
    masks: list[np.ndarray] = []
    for key in order:
        mask = (keys == key).to_numpy()
        n = int(mask.sum())
        if n == 0:
            continue
        row: dict[str, Any] = {
            "key": key,
            "label": labels.get(key, key),
            "n": n,
            "suppressed": too_small(n),
            "links": [],
        }
        row["n_shown"] = SUPPRESSED if row["suppressed"] else n
        row["headline"] = None
        if not row["suppressed"]:
            row["headline"] = satisfaction_view(satisfaction(design.survey.subset(mask), overall))
        rows.append(row)
        masks.append(mask)
    rows = protect_complement(rows, not too_small(answered(design.survey, overall)))
    shown = [m for m, r in zip(masks, rows, strict=True) if r["headline"] is not None]
    return rows, _test(design, keys, overall, shown)


def _test(design: Design, keys: pd.Series, overall: str, shown: list[np.ndarray]) -> float | None:
    """Rao-Scott test of the top-two-box share across the shown groups (None: untestable)."""
    if len(shown) < 2:
        return None
    values = design.survey.data[overall]
    top = (values >= 4).astype(float).where(values.notna())
    within = design.survey.assign(_group=keys.to_numpy(), _top=top.to_numpy())
    within = within.subset(np.logical_or.reduce(shown))
    try:
        return float(rao_scott(within, "_group", "_top").p_value)
    except (ValueError, np.linalg.LinAlgError, ZeroDivisionError, FloatingPointError):
        return None


def choice_labels(questionnaire: Questionnaire, key: str, language: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    question = questionnaire.question(key)
    for choice in questionnaire.choices_for(question) or []:
        labels[choice.value] = questionnaire.text(choice.label, language)
    labels[MISSING] = translator(language).gettext("Not answered")
    return labels


class Breakdowns(ResultsSection):
    name = "breakdowns"
    title = lazy_gettext("Breakdowns")
    template = "results/sections/breakdowns.html"
    order = 60

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return bool(questionnaire.analysis.overall)

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        overall = context.questionnaire.analysis.overall
        design = design_of(context, context.wave)
        if design is None or overall is None:
            return None
        frame = context.frame()
        groupings = self._groupings(context, frame)
        wave = context.wave
        blocks = [
            (title, *self._labelled(context, wave, design, frame, column, overall, labels))
            for title, column, labels in groupings
        ]
        by_unit = next((i for i, g in enumerate(groupings) if g[1] == "unit"), None)
        kept = [i for i, b in enumerate(blocks) if b[1]]
        by_unit = kept.index(by_unit) if by_unit in kept else None
        blocks = [blocks[i] for i in kept]
        tested = [i for i, b in enumerate(blocks) if b[2] is not None]
        ps = [float(blocks[i][2] or 0.0) for i in tested]
        adjusted: Any = adjust_pvalues(ps, "holm") if tested else []
        holm = dict(zip(tested, adjusted, strict=True))
        out = []
        for i, (title, rows, p) in enumerate(blocks):
            test = None
            if p is not None:
                q = float(holm[i])
                test = {"p": p_text(p), "p_holm": p_text(q), "significant": q < ALPHA}
                if i == by_unit and test["significant"]:
                    self._mark_weakest(context, rows)
            out.append({"title": title, "rows": rows, "test": test})
        return {"blocks": out}

    @staticmethod
    def _labelled(
        context: WaveContext,
        wave: Any,
        design: Design,
        frame: pd.DataFrame,
        column: str,
        overall: str,
        labels: dict[str, str],
    ) -> tuple[list[dict[str, Any]], float | None]:
        """The breakdown's rows and p-value, computed once per wave whatever the language
        (remembered by the groups' keys, not their labels), labelled in this one."""
        rows, p = context.remembered(
            wave,
            ("breakdown", column, overall, tuple(labels)),
            partial(breakdown, design, frame, column, overall, labels),
        )
        for row in rows:
            row["label"] = labels.get(row["key"], row["key"])
        return rows, p

    @staticmethod
    def _mark_weakest(context: WaveContext, rows: list[dict[str, Any]]) -> None:
        """When units differ significantly, the unit of the lowest satisfied share shown
        is a finding (``weak_unit``): it gets the links other features put beside one."""
        shown = [r for r in rows if r["headline"] is not None]
        if not shown or context.source is None:
            return
        agencies = context.source.agencies()
        if len(agencies) != 1:
            return  # a unit code names a unit only within one agency
        ids = {u.code: u.id for u in context.source.units() if u.agency_id == agencies[0].id}
        weakest = min(shown, key=lambda r: r["headline"]["raw"]["share"])
        unit_id = ids.get(weakest["key"])
        if unit_id is not None:
            weakest["links"] = context.links(Finding("weak_unit", unit_id=unit_id))

    @staticmethod
    def _groupings(
        context: WaveContext, frame: pd.DataFrame
    ) -> list[tuple[str, str, dict[str, str]]]:
        """(title, column, labels) of each breakdown the viewer may see."""
        language = context.language
        text = translator(language)
        en = language == "en"
        out: list[tuple[str, str, dict[str, str]]] = []
        source = context.source
        agencies = source.agencies() if source else []
        if len(agencies) > 1 or not context.detailed:
            labels = {a.code: a.name_en if en else a.name_zh for a in agencies}
            out.append((text.gettext("By agency"), "agency", labels))
        if context.detailed:
            units = source.units() if source else []
            labels = {u.code: f"{u.name_en if en else u.name_zh} ({u.code})" for u in units}
            labels[MISSING] = text.pgettext("results", "No unit")
            out.append((text.gettext("By service unit"), "unit", labels))
        channels = {c: text.render(label) for c, label in CHANNEL_LABELS.items()}
        out.append((text.gettext("By channel"), "channel", channels))
        q = context.questionnaire
        keys = {question.key for question in q.questions()}
        for name, title in DEMOGRAPHIC_TITLES.items():
            key = q.analysis.demographics.get(name)
            if key and key in keys and key in frame.columns:
                out.append((text.render(title), key, choice_labels(q, key, language)))
        return out
