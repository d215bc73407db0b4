"""The latest comments of the wave (detailed readers only; withheld below ``MIN_CELL``
respondents, where a comment could be matched to its writer). Kept until the comments
section of issue 13 replaces it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from collector.core import clock
from collector.core.disclosure import too_small
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from surveys import Questionnaire

COMMENTS = 10


def latest_comments(questionnaire: Questionnaire, frame: pd.DataFrame) -> list[dict[str, Any]]:
    key = questionnaire.analysis.comment
    if not key or key not in frame.columns or not len(frame):
        return []
    texts = frame[[key, "submitted_at"]].dropna(subset=[key])
    texts = texts[texts[key].astype(str).str.strip() != ""]
    texts = texts.sort_values("submitted_at", ascending=False).head(COMMENTS)
    return [
        {
            "text": str(row[key]),
            "day": clock.local_date(pd.Timestamp(row["submitted_at"]).to_pydatetime()),
        }
        for _i, row in texts.iterrows()
    ]


class LatestComments(ResultsSection):
    name = "latest_comments"
    title = lazy_gettext("Latest comments")
    template = "results/sections/comments.html"
    order = 80

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return bool(questionnaire.analysis.comment)

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        if not context.detailed:
            return None
        frame = context.frame()
        withheld = len(frame) > 0 and too_small(len(frame))
        comments = [] if withheld else latest_comments(context.questionnaire, frame)
        heading = translator(context.language).gettext("Latest comments (%(n)s)", n=len(comments))
        return {"withheld": withheld, "comments": comments, "heading": heading}
