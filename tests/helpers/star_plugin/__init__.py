"""A plugin whose question type renders itself: a star rating with its own template,
script and stylesheet (``QuestionType.template``, ``folder``, ``scripts``,
``stylesheets``), loaded through a (simulated) entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import surveys
from collector import hookimpl
from collector.answers.question_types import QuestionType
from collector.answers.question_types import parse_number
from collector.core.hooktypes import AnswerError
from tests.helpers.questionnaires import NOTICE_FIELDS
from tests.helpers.questionnaires import t


class StarRating(QuestionType):
    """One to five stars, drawn by the type's own template and script."""

    name = "star_rating"
    description = "One to five stars"
    widget = "stars"
    numeric = True
    template = "star_rating/widget.html"
    folder = Path(__file__).parent
    scripts = ("stars.js",)
    stylesheets = ("stars.css",)

    def parse(self, raw: Any) -> Any:
        value = parse_number(raw, integer=True)
        if value is not None and not 1 <= value <= 5:
            raise AnswerError(
                "star_rating",
                message={"zh-Hant-TW": "請選 1 到 5 顆星。", "en": "Choose 1 to 5 stars."},
            )
        return value

    def to_rows(self, value: Any) -> list[tuple[float | None, str | None]]:
        return [(float(value), None)]

    def from_rows(self, rows: Any) -> Any:
        return rows[0][0] if rows else None


QUESTIONNAIRE = surveys.parse(
    {
        "slug": "star-test",
        "kind": "citizen",
        "title": {"zh-Hant-TW": "星等測試", "en": "Star test"},
        "privacy_notice": {part: t(f"{part}說明", f"{part} text") for part in NOTICE_FIELDS},
        "sections": [
            {
                "key": "main",
                "title": {"zh-Hant-TW": "主要", "en": "Main"},
                "questions": [
                    {
                        "key": "stars",
                        "type": "star_rating",
                        "label": {"zh-Hant-TW": "整體評價", "en": "Overall rating"},
                    }
                ],
            }
        ],
    },
    "star_plugin",
)


@hookimpl
def register_question_types() -> list[type[QuestionType]]:
    return [StarRating]


@hookimpl
def register_questionnaires() -> list[Any]:
    return [QUESTIONNAIRE]
