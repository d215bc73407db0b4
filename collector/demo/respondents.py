"""One demo respondent's raw answers to any questionnaire, from the story's model.

Ratings come from the respondent's latent satisfaction plus the item's offset at
their unit (``collector.demo.story``); the overall rating follows the items; the
choice questions follow distributions a district office would see (most visitors
to a land office are over 40, an ID card counter mostly takes applications); the
comment fits the ratings (``collector.demo.comments``). Questions the demo knows
nothing about still get a plausible answer, so a plugin's questionnaire can be
seeded too.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any

from collector.core.plugins import PluginSet
from collector.demo.comments import Where
from collector.demo.comments import pick_comment
from surveys import Questionnaire

Weights = dict[str, float]

CHOICES: dict[str, dict[str, Weights]] = {
    "service_type": {
        "demo-land/reg": {"application": 45, "certificate": 35, "inquiry": 12, "payment": 5},
        "demo-land/survey": {"application": 60, "inquiry": 30, "payment": 7, "certificate": 3},
        "demo-land/info": {"inquiry": 60, "certificate": 30, "application": 5, "payment": 5},
        "demo-household/main": {"application": 50, "certificate": 38, "inquiry": 10},
        "demo-household/branch": {"application": 45, "certificate": 43, "inquiry": 10},
        "demo-household/id": {"application": 88, "inquiry": 9, "certificate": 3},
    },
    "sex": {"": {"female": 50, "male": 47, "other": 3}},
    "age_group": {
        "demo-land": {
            "under20": 1,
            "20-29": 6,
            "30-39": 15,
            "40-49": 22,
            "50-59": 24,
            "60-64": 14,
            "65plus": 18,
        },
        "": {
            "under20": 4,
            "20-29": 17,
            "30-39": 26,
            "40-49": 20,
            "50-59": 14,
            "60-64": 8,
            "65plus": 11,
        },
    },
    "residence": {"": {"local": 68, "same_city": 22, "other_city": 9, "abroad": 1}},
    "case_type": {
        "demo-land/survey": {"survey": 100},
        "": {"registration": 62, "transcript": 25, "valuation": 10, "other": 3},
    },
    "case_status": {"": {"completed": 72, "in_progress": 20, "returned": 8}},
    "years_of_service": {"": {"under3": 20, "3-9": 30, "10-19": 28, "20plus": 22}},
    "job_category": {
        "demo-land": {"administrative": 45, "technical": 36, "contract": 14, "other": 5},
        "": {"administrative": 70, "technical": 2, "contract": 23, "other": 5},
    },
    "innov_outcome": {"": {"adopted": 30, "partly": 25, "pending": 30, "not_adopted": 15}},
}
"""Per choice question: weights of its options, by ``agency/unit``, then ``agency``,
then ``""`` (anywhere); options without a weight are never chosen, and a question
with no weights for the respondent takes any option alike."""

OTHER_TEXT = {
    "demo-land": ["查詢公告土地現值", "申請地籍異動索引", "詢問繼承登記應備文件"],
    "demo-household": ["申請印鑑證明", "申請門牌整編證明", "詢問出國遷出登記"],
}

NOT_APPLICABLE: dict[str, float] = {
    "measures_online": 0.3,
    "progress_online": 0.3,
    "correction_once": 0.45,
    "env_facilities": 0.08,
    "measures_information": 0.1,
    "survey_appointment": 0.05,
}
"""How often an item is answered "not applicable" (default: 4 %)."""

ANSWERED: dict[str, float] = {"filed_on": 0.6, "days_to_complete": 0.7, "recommend": 0.7}
"""How often an optional question is answered (default: 80 %)."""

YES: dict[str, float] = {"first_visit": 0.3, "innov_proposed": 0.3}


@dataclass(frozen=True)
class Respondent:
    """Who answers: where, when, in which language, how satisfied (latent)."""

    agency: str
    unit: str | None
    day: date
    language: str
    latent: float
    after: bool  # after the story's improvement took effect where they are
    offset: Callable[[str], float]  # an item's offset from the latent


def _weights(key: str, respondent: Respondent) -> Weights | None:
    table = CHOICES.get(key)
    if table is None:
        return None
    for where in (f"{respondent.agency}/{respondent.unit}", respondent.agency, ""):
        if where in table:
            return table[where]
    return None


def _rating(value: float) -> int:
    return max(1, min(5, round(value)))


def _roc(day: date) -> str:
    return f"{day.year - 1911}/{day.month:02d}/{day.day:02d}"


def answers_for(
    rng: random.Random,
    questionnaire: Questionnaire,
    plugins: PluginSet,
    respondent: Respondent,
    item_noise: float,
    recent: Collection[str] = (),
) -> dict[str, Any]:
    """Raw answers as a citizen's form would send them (hidden questions are dropped
    when the answers are checked); the comment, if any, is not one of ``recent`` when
    another fits."""
    answers: dict[str, Any] = {}
    rated: list[int] = []
    overall_key = questionnaire.analysis.overall
    comment_key = questionnaire.analysis.comment
    for question in questionnaire.questions():
        key = question.key
        if key in (overall_key, comment_key):
            continue
        if not question.required and rng.random() >= ANSWERED.get(key, 0.8):
            continue
        kind = question.type
        if kind == "likert5":
            if question.not_applicable and rng.random() < NOT_APPLICABLE.get(key, 0.04):
                answers[key] = "na"
            else:
                noise = rng.gauss(0, item_noise)
                answers[key] = _rating(respondent.latent + respondent.offset(key) + noise)
                rated.append(answers[key])
        elif kind == "rating_0_10":
            answers[key] = None  # follows the overall rating, below
        elif kind == "yes_no":
            answers[key] = "yes" if rng.random() < YES.get(key, 0.5) else "no"
        elif kind in ("single_choice", "multiple_choice"):
            weights = _weights(key, respondent)
            options = [v for v, _ in plugins.question_type(questionnaire, key).options("en") or []]
            if weights is not None:
                options = [o for o in options if weights.get(o)]
            if not options:
                continue
            chosen = rng.choices(options, [weights[o] if weights else 1.0 for o in options])[0]
            answers[key] = [chosen] if kind == "multiple_choice" else chosen
        elif kind == "roc_date":
            answers[key] = _roc(respondent.day - timedelta(days=rng.randint(5, 75)))
        elif kind == "number":
            answers[key] = _number(rng, question, answers, respondent)
        elif key == "service_type_other":
            answers[key] = rng.choice(OTHER_TEXT.get(respondent.agency, ["其他業務"]))
    mean = sum(rated) / len(rated) if rated else respondent.latent
    overall = _rating(0.45 * respondent.latent + 0.55 * mean + rng.gauss(0, 0.3))
    if overall_key:
        answers[overall_key] = overall
    for key in [k for k, v in answers.items() if v is None]:
        answers[key] = max(0, min(10, round(2.4 * (overall - 1) + rng.gauss(0.4, 1.0))))
    if comment_key:
        where = Where(
            questionnaire.slug,
            respondent.agency,
            respondent.unit,
            respondent.language,
            respondent.after,
        )
        text = pick_comment(rng, answers, overall, where, recent)
        if text is not None:
            answers[comment_key] = text
    return answers


def _number(
    rng: random.Random, question: Any, answers: dict[str, Any], respondent: Respondent
) -> int:
    low = int(question.min) if question.min is not None else 0
    high = int(question.max) if question.max is not None else low + 60
    if question.key == "days_to_complete" and "filed_on" in answers:
        year, month, day = (int(part) for part in answers["filed_on"].split("/"))
        elapsed = (respondent.day - date(year + 1911, month, day)).days
        high = min(high, elapsed)
    return rng.randint(low, max(low, min(high, low + 30)))
