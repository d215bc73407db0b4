"""What several core sections share: the scale items, a wave's design (cached for the
request) and the labels of the groups a page breaks results down by."""

from __future__ import annotations

import pandas as pd

from collector.results.estimation import Design
from collector.results.estimation import Satisfaction
from collector.results.estimation import composite
from collector.results.estimation import design_for
from collector.results.estimation import satisfaction
from collector.results.sections import WaveContext
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


def satisfaction_of(context: WaveContext, wave: Wave | None, key: str) -> Satisfaction | None:
    """``key``'s share and score in ``wave`` (None without a design, the item or enough
    respondents), computed once per wave's rows."""
    design = design_of(context, wave)
    if design is None or wave is None or key not in design.survey.data.columns:
        return None
    survey = design.survey
    return context.remembered(wave, ("satisfaction", key), lambda: satisfaction(survey, key))


def composite_of(context: WaveContext, wave: Wave | None, keys: list[str]) -> Satisfaction | None:
    """A dimension's average of its items' figures in ``wave``, computed once per wave's rows."""
    design = design_of(context, wave)
    if design is None or wave is None:
        return None
    survey = design.survey
    return context.remembered(wave, ("composite", tuple(keys)), lambda: composite(survey, keys))
