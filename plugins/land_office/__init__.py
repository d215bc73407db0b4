"""Land office (地政事務所) plugin: its own questionnaire, a question type and a rule.

- ``roc_date``: a date written in the Republic of China calendar (民國年), the way
  land-office forms and citizens write it: ``115/11/23`` or ``115年11月23日``.
- ``land-office-service``: a questionnaire about a registration or survey case,
  offered only at land offices (``questionnaire_offered``): agencies whose name
  says so (地政事務所, "Land Office"). Any agency's administrator can still switch
  it on or off for their own agency in the console.
- A submission rule: a completed case cannot have taken longer than the days
  since it was filed.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from wtforms import Field
from wtforms import StringField

from collector import hookimpl
from collector.answers.question_types import QuestionType
from collector.answers.question_types import Row
from collector.answers.question_types import XLSFormMapping
from collector.core.hooktypes import AnswerError

HERE = Path(__file__).parent
SLUG = "land-office-service"
LAND_OFFICE_NAMES = {"zh": "地政事務所", "en": "land office"}
"""What a land office's official name contains (every one in Taiwan is a 地政事務所)."""
ROC_OFFSET = 1911
_ROC = re.compile(
    r"^\s*(?:民國)?\s*(\d{2,3})\s*(?:[/.\-]|年)\s*(\d{1,2})\s*(?:[/.\-]|月)\s*(\d{1,2})\s*日?\s*$"
)

ROC_DATE_ERROR = {
    "zh-Hant-TW": "請以民國年輸入日期，例如 115/11/23。",
    "en": "Please enter the date in the ROC calendar, e.g. 115/11/23 (= 2026-11-23).",
}
FUTURE_ERROR = {
    "zh-Hant-TW": "日期不能晚於今天。",
    "en": "The date cannot be later than today.",
}
DAYS_ERROR = {
    "zh-Hant-TW": "辦理天數不能超過送件日至今的天數（{days} 天）。",
    "en": "The days to complete cannot exceed the days since filing ({days}).",
}


def parse_roc_date(text: str) -> dt.date:
    """``115/11/23`` (or 115年11月23日, 115-11-23) to ``date(2026, 11, 23)``."""
    text = text.translate(str.maketrans("０１２３４５６７８９／", "0123456789/"))
    match = _ROC.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = (int(g) for g in match.groups())
    return dt.date(year + ROC_OFFSET, month, day)


def format_roc_date(day: dt.date) -> str:
    return f"{day.year - ROC_OFFSET}/{day.month:02d}/{day.day:02d}"


class RocDate(QuestionType):
    """A date in the ROC calendar; stored as an ISO date so analysis needs no conversion."""

    name = "roc_date"
    description = "Date in the Republic of China calendar (民國年/月/日), stored as ISO 8601"
    widget = "text"
    # In XLSForm a text with its own appearance: ODK shows a text box, collector this type.
    xlsform = XLSFormMapping("text", appearance="roc-date")

    def parse(self, raw: Any) -> Any:
        text = super().parse(raw)
        if text is None:
            return None
        try:
            day = (
                dt.date.fromisoformat(text) if re.match(r"^\d{4}-", text) else parse_roc_date(text)
            )
        except ValueError:
            raise AnswerError("roc_date", message=ROC_DATE_ERROR) from None
        if day > dt.date.today():
            raise AnswerError("future", message=FUTURE_ERROR)
        return day.isoformat()

    def to_rows(self, value: Any) -> list[Row]:
        return [(None, value)]

    def make_field(self, language: str) -> Field:
        return StringField(
            render_kw={"placeholder": "115/11/23", "inputmode": "numeric", "maxlength": 20}
        )

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "description": "ROC date such as 115/11/23, or ISO 8601 (2026-11-23)",
            "maxLength": 20,
        }


@hookimpl
def register_question_types() -> list[type[QuestionType]]:
    return [RocDate]


@hookimpl
def register_questionnaires() -> list[Path]:
    return [HERE / "land_office_service.yaml"]


def is_land_office(agency: Any) -> bool:
    """Is ``agency`` a land office, by its official name?"""
    return (
        LAND_OFFICE_NAMES["zh"] in agency.name_zh
        or LAND_OFFICE_NAMES["en"] in agency.name_en.casefold()
    )


@hookimpl
def questionnaire_offered(questionnaire: Any, agency: Any) -> bool | None:
    """The land-office questionnaire is for land offices only; other questionnaires are
    not this plugin's to decide."""
    if questionnaire.slug != SLUG:
        return None
    return is_land_office(agency)


@hookimpl
def validate_submission(
    questionnaire: Any, answers: dict[str, Any], agency: Any, unit: Any, channel: str
) -> dict[str, Any] | None:
    """A completed case cannot have taken more days than have passed since it was filed."""
    if questionnaire.slug != SLUG:
        return None
    filed = answers.get("filed_on")
    days = answers.get("days_to_complete")
    if filed is None or days is None:
        return None
    elapsed = (dt.date.today() - dt.date.fromisoformat(filed)).days
    if days > elapsed:
        return {"days_to_complete": AnswerError("days", message=DAYS_ERROR, days=elapsed)}
    return None
