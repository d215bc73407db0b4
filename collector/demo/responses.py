"""Demo organisation and answers: a ministry, two agencies, their counters and two
years of responses.

Answers are generated from a simple model so that every screen has believable
data: each response has a latent satisfaction that differs by unit, improves
slowly over time and dips in one season, and every item is that latent plus
noise. The same seed gives the same data. Seeding runs once: a second run finds
the demo ministry and does nothing.
"""

from __future__ import annotations

import math
import random
import time
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlmodel import col

from collector.answers.records import Submission
from collector.answers.submission import InvalidSubmission
from collector.answers.submission import prepare
from collector.answers.writer import insert_batch
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.core.plugins import get_plugins
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of

MINISTRY = ("demo-city", "示範市政府", "Demo City Government")
AGENCIES: list[dict[str, Any]] = [
    {
        "code": "demo-land",
        "name_zh": "示範市中正地政事務所",
        "name_en": "Demo City Zhongzheng Land Office",
        "units": [
            ("reg", "登記課櫃台", "Registration counter", 0.15),
            ("survey", "測量課櫃台", "Cadastral survey counter", -0.10),
            ("info", "服務台", "Information desk", 0.30),
        ],
        "questionnaires": ["citizen-satisfaction", "land-office-service"],
    },
    {
        "code": "demo-household",
        "name_zh": "示範市大安戶政事務所",
        "name_en": "Demo City Da'an Household Registration Office",
        "units": [
            ("main", "綜合櫃台", "Main counter", 0.05),
            ("branch", "和平辦公處", "Heping branch office", -0.20),
            ("id", "身分證換發專區", "ID card service area", 0.20),
        ],
        "questionnaires": ["citizen-satisfaction"],
    },
]

COMMENTS = [
    "櫃台人員很親切，辦理速度也很快，謝謝！",
    "等候時間有點久，希望尖峰時段可以多開一個櫃台。",
    "停車位太少，建議提供附近停車資訊。",
    "網路預約很方便，到現場不用等。",
    "申請文件說明可以再清楚一點，第一次來不太懂要帶什麼。",
    "服務人員解說詳細，很有耐心。",
    "冷氣太冷了。",
    "希望能增加夜間或週六的服務時段。",
    "The staff explained everything in English, very helpful.",
    "Signs could be bilingual; I could not find the right counter.",
    "叫號系統顯示不清楚，年長者看不到。",
    "整體很滿意，比以前進步很多。",
]

CHANNEL_WEIGHTS = [("qr", 0.45), ("online", 0.15), ("paper", 0.25), ("kiosk", 0.15)]


def _weighted(rng: random.Random, pairs: list[tuple[Any, float]]) -> Any:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def _likert(rng: random.Random, latent: float) -> int:
    return max(1, min(5, round(latent + rng.gauss(0, 0.6))))


def _answers(rng: random.Random, questionnaire: Any, plugins: Any, latent: float) -> dict[str, Any]:
    """Plausible raw answers to every question; optional ones are sometimes skipped."""
    answers: dict[str, Any] = {}
    demographics = set(questionnaire.analysis.demographics.values())
    comment_key = questionnaire.analysis.comment
    for question in questionnaire.questions():
        qtype = plugins.question_type(questionnaire, question.key)
        if not question.required and rng.random() < (
            0.25 if question.key in demographics else 0.55
        ):
            continue
        kind = question.type
        if kind == "likert5":
            if question.not_applicable and rng.random() < 0.07:
                answers[question.key] = "na"
            else:
                answers[question.key] = _likert(rng, latent)
        elif kind == "rating_0_10":
            answers[question.key] = max(0, min(10, round((latent - 1) * 2.5 + rng.gauss(0, 1.2))))
        elif kind == "yes_no":
            answers[question.key] = "yes" if rng.random() < 0.35 else "no"
        elif kind in ("single_choice", "multiple_choice") or qtype.widget in ("radio", "checkbox"):
            options = [v for v, _ in qtype.options("zh-Hant-TW") or []]
            if not options:
                continue
            weights = [1.0 / (i + 1.5) for i in range(len(options))]
            if kind == "multiple_choice":
                answers[question.key] = sorted(set(rng.choices(options, weights=weights, k=2)))
            else:
                answers[question.key] = rng.choices(options, weights=weights)[0]
        elif kind == "number":
            low = question.min if question.min is not None else 0
            high = question.max if question.max is not None else low + 60
            answers[question.key] = round(rng.uniform(low, min(high, low + 60)))
        elif question.key == comment_key or kind == "long_text":
            if rng.random() < 0.5:
                answers[question.key] = rng.choice(COMMENTS)
        else:
            example = question.params.get("example")
            if example:
                answers[question.key] = example
    return answers


def ensure_agencies(app: Flask) -> tuple[list[Agency], dict[str, list[tuple[Unit, float]]]] | None:
    with session_scope(app) as session:
        if session.execute(
            select(Agency).where(col(Agency.code) == MINISTRY[0])
        ).scalar_one_or_none():
            return None
        ministry = Agency(
            code=MINISTRY[0], name_zh=MINISTRY[1], name_en=MINISTRY[2], level="ministry"
        )
        session.add(ministry)
        session.flush()
        agencies: list[Agency] = []
        units: dict[str, list[tuple[Unit, float]]] = {}
        for spec in AGENCIES:
            agency = Agency(
                code=spec["code"],
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                level="agency",
                parent_id=ministry.id,
            )
            session.add(agency)
            session.flush()
            assert agency.id is not None  # flushed: the database gave it one
            agencies.append(agency)
            units[agency.code] = []
            for code, zh, en, effect in spec["units"]:
                unit = Unit(agency_id=agency.id, code=code, name_zh=zh, name_en=en)
                session.add(unit)
                session.flush()
                units[agency.code].append((unit, effect))
        return agencies, units


def seed_demo(app: Flask, seed: int = 20261123, months: int = 24) -> dict[str, Any] | None:
    """Create the demo organisation and responses; None when it already exists."""
    started = time.perf_counter()
    made = ensure_agencies(app)
    if made is None:
        return None
    agencies, units = made
    rng = random.Random(seed)
    plugins = get_plugins(app)
    engine = get_engine(app)
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    total = 0
    with session_scope(app) as session:
        versions: dict[str, QuestionnaireVersion] = {}
        for spec in AGENCIES:
            for slug in spec["questionnaires"]:
                if slug in plugins.questionnaires and slug not in versions:
                    version = current_version(app, session, slug)
                    if version is not None:
                        versions[slug] = version
    for agency in agencies:
        spec = next(s for s in AGENCIES if s["code"] == agency.code)
        batch = []
        for slug in spec["questionnaires"]:
            version = versions.get(slug)
            if version is None:
                continue
            questionnaire = definition_of(version)
            for unit, effect in units[agency.code]:
                for month in range(months, 0, -1):
                    count = (
                        rng.randint(18, 34) if slug == "citizen-satisfaction" else rng.randint(4, 9)
                    )
                    for _ in range(count):
                        when = now - timedelta(
                            days=30.4 * month - rng.uniform(0, 30), hours=rng.uniform(0, 8)
                        )
                        when = when.replace(
                            hour=rng.randint(1, 8)
                        )  # office hours in Taipei (UTC+8)
                        progress = (months - month) / max(months, 1)
                        season = -0.25 * math.cos(2 * math.pi * (when.month - 1) / 12)
                        latent = 3.65 + effect + 0.35 * progress + season + rng.gauss(0, 0.55)
                        raw = _answers(rng, questionnaire, plugins, latent)
                        submission = Submission(
                            questionnaire=version,
                            agency=agency,
                            unit=unit,
                            channel=_weighted(rng, CHANNEL_WEIGHTS),
                            language="en" if rng.random() < 0.06 else "zh-Hant-TW",
                            answers=raw,
                            started_at=when - timedelta(seconds=rng.randint(60, 400)),
                        )
                        try:
                            prepared = prepare(plugins, questionnaire, submission)
                        except InvalidSubmission:
                            continue  # a generated answer broke an agency rule: skip it
                        prepared.submitted_at = when
                        batch.append(prepared)
        for start in range(0, len(batch), 2000):
            insert_batch(engine, batch[start : start + 2000])
        total += len(batch)
    return {
        "agencies": len(agencies),
        "units": sum(len(u) for u in units.values()),
        "responses": total,
        "seconds": time.perf_counter() - started,
        "since": (now - timedelta(days=30.4 * months)).date().isoformat(),
        "until": now.date().isoformat(),
    }


# -- complaint cases ------------------------------------------------------------------
