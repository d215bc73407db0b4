"""Breakdowns of the headline by sex, age group, channel and service unit (by agency for a
ministry), each with a design-based test across its groups (Rao-Scott) and Holm's
correction across the breakdowns shown.

A group of fewer than ``MIN_CELL`` respondents is suppressed ("<5", no figures); while
the suppressed groups together hold 1 to 4 respondents, the smallest shown group's
figures are hidden too (the headline minus the groups shown would reveal them). The
test runs over the groups whose figures are shown, so it reveals nothing more.

An unweighted wave's breakdowns come from sums counted in the database
(:func:`summed_breakdowns`: one ``GROUP BY`` of agency and unit with, per group of the
channel and of each demographic question, the group's rows and the overall item's
value and top-two-box indicator where the row is in the group; kept as the other sums
are), not from the wave's rows: each group's share and score
(``summary.group_satisfaction``) and the Rao-Scott test (``analysis.strata.two_way``)
are the numbers the rows' design gives (tests/collector/results/test_breakdowns_from_sums.py).
A weighted wave's, and a wave whose answers hold a group the questionnaire does not
list, are computed from its rows.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from analysis.compare import adjust_pvalues
from analysis.compare import rao_scott
from analysis.strata import StratumCell
from analysis.strata import two_way
from collector.core.disclosure import hidden_cells
from collector.core.disclosure import too_small
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.results.core_sections.common import SUPPRESSED
from collector.results.core_sections.common import design_of
from collector.results.core_sections.common import summed
from collector.results.estimation import Design
from collector.results.estimation import Satisfaction
from collector.results.estimation import answered
from collector.results.estimation import satisfaction
from collector.results.figures import ALPHA
from collector.results.figures import p_text
from collector.results.figures import satisfaction_view
from collector.results.sections import Finding
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from collector.results.summary import group_satisfaction
from collector.results.summary import keyed_cells
from collector.results.summary import population_of
from collector.results.sums import NO_UNIT
from collector.results.sums import Sums
from collector.results.sums import channel
from collector.results.sums import choice
from collector.results.sums import item
from collector.results.sums import one
from collector.results.sums import top_two
from collector.results.sums import where_equal
from collector.results.sums import where_other
from collector.results.waves import Wave
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
    for listed in questionnaire.choices_for(question) or []:
        labels[listed.value] = questionnaire.text(listed.label, language)
    labels[MISSING] = translator(language).gettext("Not answered")
    return labels


TESTED = (ValueError, np.linalg.LinAlgError, ZeroDivisionError, FloatingPointError)
"""What makes a breakdown untestable (no p-value) rather than the page fail."""


def _group_measure(column: str, questionnaire: Questionnaire) -> tuple[Any, list[str]] | None:
    """The SQL expression of a breakdown's group and its levels, or None for a grouping
    whose values the sums cannot read (the unit and agency are the strata themselves)."""
    if column == "channel":
        return channel(), list(CHANNEL_LABELS)
    keys = {q.key: q for q in questionnaire.questions()}
    question = keys.get(column)
    if question is None or question.type != "single_choice":
        return None
    return choice(column), [c.value for c in questionnaire.choices_for(question) or []]


def breakdown_measures(
    questionnaire: Questionnaire, columns: list[str], overall: str
) -> dict[str, Any] | None:
    """The sums :func:`summed_breakdowns` reads: the overall item's, and per group of each
    of ``columns`` (levels, and None for unanswered) its rows, value and top-two-box
    indicator there; the rows in none of the levels too (where there are any, the rows
    are read instead). None when a column is not a single choice or the channel."""
    measures: dict[str, Any] = {
        f"top:{overall}": top_two(overall),
        f"item:{overall}": item(overall),
    }
    for column in columns:
        found = _group_measure(column, questionnaire)
        if found is None:
            return None
        group, levels = found
        for level in [*levels, None]:
            name = f"group:{column}:{MISSING if level is None else level}"
            measures[f"{name}:rows"] = where_equal(one(), group, level)
            measures[f"{name}:top"] = where_equal(top_two(overall), group, level)
            measures[f"{name}:item"] = where_equal(item(overall), group, level)
        measures[f"unlisted:{column}"] = where_other(one(), group, levels)
    return measures


def _strata_groups(
    sums: Sums, column: str, agencies: dict[int, str], units: dict[int, str]
) -> dict[str, str]:
    """Each stratum's group by agency or by unit (code, or MISSING without a unit)."""
    out: dict[str, str] = {}
    raw = sums.cells[next(iter(sums.cells))]
    keyed = keyed_cells(sums, next(iter(sums.cells)), agencies, units)
    for c, k in zip(raw, keyed, strict=True):
        if column == "agency":
            out[str(k.stratum)] = agencies.get(int(c.domain), str(c.domain))  # type: ignore[call-overload]  # domains here are agency ids
        else:
            unit = None if isinstance(c.stratum, tuple) and c.stratum[1] == NO_UNIT else c.stratum
            code = units.get(unit) if isinstance(unit, int) else None
            out[str(k.stratum)] = code if code is not None else MISSING
    return out


def _relabelled(cells: list[StratumCell], domain: Any) -> list[StratumCell]:
    return [StratumCell(c.stratum, domain, c.rows, c.answered, c.total, c.squares) for c in cells]


def summed_breakdown(
    sums: Sums,
    column: str,
    overall: str,
    labels: dict[str, str],
    codes: tuple[dict[int, str], dict[int, str]],
    populations: dict[str, int],
) -> tuple[list[dict[str, Any]], float | None]:
    """:func:`breakdown` from the sums of :func:`breakdown_measures`: the same rows and
    p-value, without the wave's rows."""
    agencies, units = codes
    top_all = keyed_cells(sums, f"top:{overall}", agencies, units)
    item_all = keyed_cells(sums, f"item:{overall}", agencies, units)
    _total, population = population_of(sums, f"item:{overall}", agencies, units, populations)
    size: dict[Hashable, int] = {}
    for c in item_all:
        size[str(c.stratum)] = size.get(str(c.stratum), 0) + c.rows
    # per group: its rows per stratum, and its cells of the top-two-box and the value
    rows_of: dict[str, dict[str, int]] = {}
    top: list[StratumCell] = []
    values: list[StratumCell] = []
    if column in ("agency", "unit"):
        group_of = _strata_groups(sums, column, agencies, units)
        for t, v in zip(top_all, item_all, strict=True):
            g = group_of[str(v.stratum)]
            by = rows_of.setdefault(g, {})
            by[str(v.stratum)] = by.get(str(v.stratum), 0) + v.rows
            top.append(StratumCell(t.stratum, g, t.rows, t.answered, t.total, t.squares))
            values.append(StratumCell(v.stratum, g, v.rows, v.answered, v.total, v.squares))
    else:
        prefix = f"group:{column}:"
        levels = sorted(
            {
                name[len(prefix) :].rsplit(":", 1)[0]
                for name in sums.cells
                if name.startswith(prefix) and name.endswith(":rows")
            }
        )
        for g in levels:
            counted = keyed_cells(sums, f"{prefix}{g}:rows", agencies, units)
            by = rows_of.setdefault(g, {})
            for c in counted:
                by[str(c.stratum)] = by.get(str(c.stratum), 0) + c.answered
            top += _relabelled(keyed_cells(sums, f"{prefix}{g}:top", agencies, units), g)
            values += _relabelled(keyed_cells(sums, f"{prefix}{g}:item", agencies, units), g)
        # a stratum's cells hold its rows, split among the groups (every row is in one)
        top = [replace_rows(c, rows_of[str(c.domain)].get(str(c.stratum), 0)) for c in top]
        values = [replace_rows(c, rows_of[str(c.domain)].get(str(c.stratum), 0)) for c in values]
    counts = {g: sum(by.values()) for g, by in rows_of.items()}
    present = {g for g, n in counts.items() if n > 0}
    order = list(labels) + sorted(present - set(labels))
    order = [g for g in order if g in present]
    figures = group_satisfaction(top, values, order, population)
    rows: list[dict[str, Any]] = []
    for g in order:
        n = counts[g]
        row: dict[str, Any] = {
            "key": g,
            "label": labels.get(g, g),
            "n": n,
            "suppressed": too_small(n),
            "links": [],
        }
        row["n_shown"] = SUPPRESSED if row["suppressed"] else n
        found: Satisfaction | None = figures.get(g)
        row["headline"] = None if row["suppressed"] else satisfaction_view(found)
        rows.append(row)
    answered_all = sum(c.answered for c in item_all)
    rows = protect_complement(rows, not too_small(answered_all))
    shown = [r["key"] for r in rows if r["headline"] is not None]
    if len(shown) < 2:
        return rows, None
    levels_all = sorted(present)
    tops = sorted(
        v
        for v, k in (
            (0.0, sum(c.answered - c.total for c in top_all)),
            (1.0, sum(c.total for c in top_all)),
        )
        if k > 0
    )
    nr, nc = len(levels_all), len(tops)
    cells: dict[Hashable, list[float]] = {}
    domain_rows: dict[Hashable, int] = {}
    for c in top:
        if c.domain not in shown:
            continue
        h = str(c.stratum)
        counts_h = cells.setdefault(h, [0.0] * (nr * max(nc, 1)))
        r = levels_all.index(str(c.domain))
        for j, level in enumerate(tops):
            counts_h[r + nr * j] += c.total if level == 1.0 else c.answered - c.total
        domain_rows[h] = domain_rows.get(h, 0) + c.rows
    try:
        test = two_way(cells, size, domain_rows, nr, nc, population=population)
    except TESTED:
        return rows, None
    return rows, float(test.p_value)


def replace_rows(cell: StratumCell, rows: int) -> StratumCell:
    return StratumCell(cell.stratum, cell.domain, rows, cell.answered, cell.total, cell.squares)


def summed_breakdowns(
    context: WaveContext, wave: Wave, columns: list[str], overall: str
) -> Sums | None:
    """The sums :func:`summed_breakdown` reads for ``columns`` (one ``GROUP BY``, kept),
    or None where the breakdowns come from the rows: a weighted wave, a page not reading
    from the database, a grouping the sums cannot read, or answers holding a group the
    questionnaire does not list."""
    source = context.source
    if source is None or summed(context, wave) is None:
        return None
    measures = breakdown_measures(
        context.questionnaire, [c for c in columns if c not in ("agency", "unit")], overall
    )
    if measures is None:
        return None
    memo = context.request_memo(wave)
    key = ("breakdown sums", tuple(columns), overall)
    if key not in memo:
        memo[key] = source.sums(wave, measures)
    sums: Sums = memo[key]
    for name, cells in sums.cells.items():
        if name.startswith("unlisted:") and any(c.answered for c in cells):
            return None
    return sums


class Breakdowns(ResultsSection):
    name = "breakdowns"
    title = lazy_gettext("Breakdowns")
    template = "results/sections/breakdowns.html"
    order = 60

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return bool(questionnaire.analysis.overall)

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        overall = context.questionnaire.analysis.overall
        if overall is None:
            return None
        wave = context.wave
        groupings = self._groupings(context, None)
        sums = summed_breakdowns(context, wave, [g[1] for g in groupings], overall)
        if sums is not None and context.source is not None:
            if sum(sums.rows.values()) < 2:
                return None  # no design under two responses (``design_for``)
            codes = context.source.codes()
            populations = context.source.populations(wave)
            blocks = [
                (title, *summed_breakdown(sums, column, overall, labels, codes, populations))
                for title, column, labels in groupings
            ]
        else:
            design = design_of(context, wave)
            if design is None:
                return None
            frame = context.frame()
            groupings = self._groupings(context, frame)
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
        context: WaveContext, frame: pd.DataFrame | None
    ) -> list[tuple[str, str, dict[str, str]]]:
        """(title, column, labels) of each breakdown the viewer may see (``frame``: the
        wave's rows where they are read, whose columns then bound the demographics)."""
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
            if key and key in keys and (frame is None or key in frame.columns):
                out.append((text.render(title), key, choice_labels(q, key, language)))
        return out
