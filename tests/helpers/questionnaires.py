"""Small, valid questionnaire definitions that each test bends in one place."""

from __future__ import annotations

import copy
from typing import Any

ZH = "zh-Hant-TW"
EN = "en"


def t(zh: str, en: str | None = None) -> dict[str, str]:
    """A text in both default languages."""
    return {ZH: zh, EN: en if en is not None else f"{zh} (en)"}


NOTICE_FIELDS = ("controller", "purpose", "categories", "use", "rights", "optional_data")
"""The parts of a privacy notice (PDPA Art. 8)."""

CORE_TYPES = (
    "likert5",
    "single_choice",
    "multiple_choice",
    "rating_0_10",
    "yes_no",
    "number",
    "date",
    "text",
    "long_text",
)
"""The question types collector itself registers."""

_MINIMAL: dict[str, Any] = {
    "slug": "test-survey",
    "kind": "other",
    "languages": [ZH, EN],
    "title": t("測試問卷", "Test survey"),
    "privacy_notice": {name: t(f"告知事項 {name}", f"Notice {name}") for name in NOTICE_FIELDS},
    "choice_lists": {
        "colour": [
            {"value": "red", "label": t("紅", "Red")},
            {"value": "blue", "label": t("藍", "Blue")},
        ]
    },
    "sections": [
        {
            "key": "first",
            "title": t("第一部分", "Part one"),
            "questions": [
                {"key": "visited", "type": "yes_no", "label": t("來過嗎？", "Been before?")},
                {
                    "key": "colour",
                    "type": "single_choice",
                    "choice_list": "colour",
                    "label": t("顏色", "Colour"),
                },
            ],
        },
        {
            "key": "environment",
            "title": t("洽公環境", "Environment"),
            "questions": [
                {"key": "env_signage", "type": "likert5", "label": t("標示清楚", "Clear signs")},
                {"key": "overall", "type": "likert5", "label": t("整體滿意", "Overall")},
            ],
        },
    ],
    "analysis": {
        "overall": "overall",
        "dimensions": {"environment": ["env_signage"]},
        "dimension_labels": {"environment": t("洽公環境", "Environment")},
    },
}


def minimal() -> dict[str, Any]:
    """A fresh deep copy of a small valid questionnaire (two sections, four questions)."""
    return copy.deepcopy(_MINIMAL)


def question(data: dict[str, Any], section: int, index: int) -> dict[str, Any]:
    return data["sections"][section]["questions"][index]


def make_draft(app: Any, agency: str = "alpha") -> dict[str, int]:
    """A checked upload of the bundled citizen questionnaire, renamed, waiting to be
    published by ``agency`` (the authoring pages' object)."""
    from collector.authoring.models import QuestionnaireDraft
    from collector.core.db import session_scope
    from surveys import bundled
    from surveys import load
    from tests.helpers.organisation import agency_id

    q = load(next(p for p in bundled() if p.stem == "citizen_satisfaction"))
    q = q.model_copy(update={"slug": f"own-{agency}"})
    with session_scope(app) as session:
        draft = QuestionnaireDraft(
            agency_id=agency_id(app, agency),
            slug=q.slug,
            filename="own.xlsx",
            definition=q.canonical_json(),
            fingerprint=q.fingerprint(),
        )
        session.add(draft)
        session.flush()
        assert draft.id is not None
        return {"draft_id": draft.id}
