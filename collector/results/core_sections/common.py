"""What several core sections share: the scale items, a wave's design (cached for the
request) and the labels of the groups a page breaks results down by."""

from __future__ import annotations

from typing import Any

import pandas as pd
from flask import g

from collector.results.estimation import Design
from collector.results.estimation import design_for
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
    cache: dict[Any, Design | None] = g.setdefault("results_designs", {})
    key = (context.questionnaire.slug, wave.key, context.unit_id, id(frame))
    if key not in cache:
        populations = context.source.populations(wave) if context.source else {}
        cache[key] = design_for(
            frame, scale_items(context.questionnaire), populations, context.weigher(wave)
        )
    return cache[key]


def label_of(context: WaveContext, wave: Wave | None) -> str:
    return wave.label(context.language) if wave is not None else ""
