"""What several core sections share: the scale items, a wave's design (cached for the
request) and the labels of the groups a page breaks results down by.

The headline, items and dimensions of a wave (the chosen one, and the previous one for
the change since then) come from sums counted in the database
(``collector.results.summary``: one ``GROUP BY`` per wave, kept in ``results_sums``
across processes), the same numbers as from the wave's rows without estimating from
them; a weighted wave's need its rows (the weights come from each response's
characteristics), as does a page not reading from the database (no ``source``). The
other sections of an unweighted wave (design statement, breakdowns, reliability,
importance-performance, the core's registered analysis) read sums of their own, and the
comments their text column: the default page reads none of the wave's rows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from collector.results.estimation import Design
from collector.results.estimation import Satisfaction
from collector.results.estimation import composite
from collector.results.estimation import design_for
from collector.results.estimation import satisfaction
from collector.results.sections import WaveContext
from collector.results.summary import composite_from_sums
from collector.results.summary import composite_measures
from collector.results.summary import measures_for
from collector.results.summary import satisfaction_from_sums
from collector.results.sums import Sums
from collector.results.waves import Wave
from surveys import Questionnaire

SUPPRESSED = "<5"


def scale_items(questionnaire: Questionnaire) -> list[str]:
    """Every 1-5 item, in questionnaire order."""
    return [q.key for q in questionnaire.questions() if q.type == "likert5"]


def frame_of(context: WaveContext, wave: Wave | None) -> pd.DataFrame | None:
    """A wave's responses, or None without a wave or without responses."""
    if wave is None:
        return None
    frame = context.load(wave)
    return frame if len(frame) else None


def design_of(context: WaveContext, wave: Wave | None) -> Design | None:
    """The wave's design over every scale item, built once per request."""
    frame = frame_of(context, wave)
    if frame is None or wave is None:
        return None
    populations = context.source.populations(wave) if context.source else {}
    memo = context.memo(wave)
    key = ("design", tuple(sorted(populations.items())))
    if key not in memo:
        memo[key] = design_for(
            frame, scale_items(context.questionnaire), populations, context.weigher(wave)
        )
    design: Design | None = memo[key]
    return design


def label_of(context: WaveContext, wave: Wave | None) -> str:
    return wave.label(context.language) if wave is not None else ""


def dimension_keys(questionnaire: Questionnaire) -> list[list[str]]:
    """Each dimension's scale items (what ``composite_of`` is asked for)."""
    scale = set(scale_items(questionnaire))
    return [[k for k in keys if k in scale] for keys in questionnaire.analysis.dimensions.values()]


def summed(context: WaveContext, wave: Wave | None) -> Sums | None:
    """The sums of every scale item and dimension in ``wave`` (one ``GROUP BY``, kept per
    wave), where its figures come from sums: an unweighted wave on a page that reads from
    the database; else None (figures from the rows)."""
    source = context.source
    if wave is None or source is None:
        return None
    if context.weigher(wave) is not None:
        return None
    memo = context.request_memo(wave)
    if "sums" not in memo:
        measures: dict[str, Any] = {}
        for key in scale_items(context.questionnaire):
            measures.update(measures_for(key))
        for keys in dimension_keys(context.questionnaire):
            measures.update(composite_measures(keys))
        memo["sums"] = source.sums(wave, measures)
    found: Sums = memo["sums"]
    return found


def _from_sums(
    context: WaveContext, wave: Wave, sums: Sums, key: Any, compute: Any
) -> Satisfaction | None:
    memo = context.request_memo(wave)
    if key not in memo:
        assert context.source is not None  # summed
        agencies, units = context.source.codes()
        memo[key] = compute(agencies, units, context.source.populations(wave))
    found: Satisfaction | None = memo[key]
    return found


def satisfaction_of(context: WaveContext, wave: Wave | None, key: str) -> Satisfaction | None:
    """``key``'s share and score in ``wave`` (None without a design, the item or enough
    respondents), computed once per wave's rows (or from its sums, :func:`summed`)."""
    sums = summed(context, wave)
    if sums is not None and wave is not None:
        if key not in scale_items(context.questionnaire):
            return None  # the design holds the scale items only
        return _from_sums(
            context,
            wave,
            sums,
            ("satisfaction", key),
            lambda a, u, p: satisfaction_from_sums(sums, key, a, u, p),
        )
    design = design_of(context, wave)
    if design is None or wave is None or key not in design.survey.data.columns:
        return None
    survey = design.survey
    return context.remembered(wave, ("satisfaction", key), lambda: satisfaction(survey, key))


def composite_of(context: WaveContext, wave: Wave | None, keys: list[str]) -> Satisfaction | None:
    """A dimension's average of its items' figures in ``wave``, computed once per wave's
    rows (or from its sums, :func:`summed`)."""
    sums = summed(context, wave)
    if sums is not None and wave is not None and keys in dimension_keys(context.questionnaire):
        return _from_sums(
            context,
            wave,
            sums,
            ("composite", tuple(keys)),
            lambda a, u, p: composite_from_sums(sums, keys, a, u, p),
        )
    design = design_of(context, wave)
    if design is None or wave is None:
        return None
    survey = design.survey
    return context.remembered(wave, ("composite", tuple(keys)), lambda: composite(survey, keys))
