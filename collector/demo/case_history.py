"""Fifteen months of closed complaint cases per demo agency, with answered follow-ups.

The story cases of ``collector.demo.complaints`` (about 40, in every state) show what
a case handler works on; they are too few for the complaint statistics page, whose
on-time share, Kaplan-Meier curve, monthly p-chart and handling-satisfaction
estimates need volume. This adds, for each demo agency, about ``PER_MONTH`` cases a
month for ``MONTHS`` months before the story cases (which cover the last
``RECENT_DAYS`` days), each filed, answered and closed through the real
:class:`~collector.complaints.service.CaseService` on its own day, so that due dates
follow the agency's deadline rule and working-day calendar and the histories are
real. Most are answered by their due date; some are late, more so in one month of
``LATE_MONTH`` (a staff shortage at the household registration office: the p-chart
signals it). Closing offers the handling-satisfaction follow-up as it does for any
case; about ``ANSWERED`` of the complainants who can be reached answer it within a
week, more satisfied when the answer came on time and upheld the complaint.

Two record-level shortcuts, because the service dates them by the real clock: the
follow-up's ``created_at``/``sent_at`` are set to the closing moment and the answer's
``used_at`` to its day, and the answers are stored with ``followups.store_answer``
after the cases' transaction (each in its own, as the feedback page does). Every case
goes through the service: about 500 cases take a few seconds (the demo's timing is in
README, "The demo").
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy import update
from sqlmodel import col

from collector.answers.records import Submission
from collector.answers.submission import InvalidSubmission
from collector.answers.submission import prepare
from collector.complaints import followups
from collector.complaints.records import today_for
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintFollowup
from collector.core.models import Unit
from collector.core.models import User
from collector.core.plugins import get_plugins
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.demo.complaints import DEMO_CATEGORIES
from collector.demo.complaints import CaseSeeder

MONTHS = 15
PER_MONTH = {"demo-land": 13, "demo-household": 14}
RECENT_DAYS = 21
"""The story cases cover the last three weeks; the history stops before them."""
ON_TIME = {"demo-land": 0.88, "demo-household": 0.84}
LATE_MONTH = ("demo-household", 7, 0.1)
"""(agency, months before today, on-time share): the month the p-chart signals."""
CONTACTABLE = 0.9
ANSWERED = 0.6
OUTCOME_WEIGHTS = {"upheld": 4, "partly_upheld": 2, "not_upheld": 2, "explained": 3}

SUBJECTS: dict[str, list[tuple[str, str]]] = {
    "registration": [
        ("買賣移轉登記進度查詢", "上個月送件的買賣移轉登記，想了解目前辦理進度及預計完成日期。"),
        ("登記規費計算疑義", "繳納的登記規費與網站試算結果不同，請說明計算方式。"),
        ("繼承登記補正通知不清楚", "收到補正通知，但不清楚要補哪些文件，希望能具體說明。"),
        ("抵押權塗銷登記辦理時間", "抵押權塗銷登記已送件兩週，尚未收到完成通知。"),
    ],
    "survey": [
        ("鑑界排程等候過久", "申請土地鑑界後，排定的日期在兩個月後，希望能提早。"),
        ("複丈結果與現況不符", "複丈後界址與鄰地圍牆位置不同，希望再確認。"),
        ("測量人員到場時間", "鑑界當天測量人員比約定時間晚到一小時，也未事先通知。"),
    ],
    "service": [
        ("櫃台等候時間過長", "中午時段只開一個櫃台，等候將近四十分鐘。"),
        ("停車位不足", "機關附近停車位太少，洽公很不方便。"),
        ("服務人員說明不清楚", "詢問申辦流程時，服務人員回答含糊，需要再跑一趟。"),
        ("無障礙坡道損壞", "大門口的無障礙坡道扶手鬆動，輪椅使用者進出危險。"),
    ],
    "household": [
        ("戶籍謄本申請疑義", "代理家人申請戶籍謄本，被告知委託書格式不符，請說明規定。"),
        ("出生登記所需文件", "辦理出生登記時被要求補件，希望事先公告完整的文件清單。"),
        ("遷入登記等候過久", "遷入登記等了一個多小時，號碼燈號也不清楚。"),
    ],
    "id-card": [
        ("身分證換發預約額滿", "網路預約換發身分證，一個月內都額滿。"),
        ("補發身分證等候過久", "遺失補發身分證，現場等候超過一小時。"),
        ("新式身分證製作進度", "想了解新式身分證製作進度及領取方式。"),
    ],
}
CHANNELS = {"online": 5, "email": 2, "phone": 2, "counter": 1, "letter": 1}
FILED_AS = {
    "online": "online",
    "email": "email",
    "phone": "phone",
    "counter": "in_person",
    "letter": "letter",
}
"""The follow-up's ``filing_channel`` answer for each complaint channel."""
COMMENTS_GOOD = ["承辦人很有耐心，謝謝。", "回覆很快，說明清楚。", "問題已經解決，感謝協助。"]
COMMENTS_BAD = [
    "回覆太慢，等了很久。",
    "回覆內容只是制式說明，沒有解決問題。",
    "希望能主動告知處理進度。",
]


@dataclass(frozen=True)
class Pending:
    """A follow-up to answer once the cases are stored."""

    followup_id: int
    agency: str
    unit_id: int | None
    answers: dict[str, Any]
    day: date


@dataclass(frozen=True)
class History:
    cases: int
    answered: int


def _at(day: date, hour: int = 2) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _rating(value: float) -> int:
    return max(1, min(5, round(value)))


def followup_answers(
    rng: random.Random, channel: str, on_time: bool, outcome: str
) -> dict[str, Any]:
    """A complainant's answers to the handling questionnaire, as the form sends them:
    process items follow the timeliness of the answer, outcome items the outcome."""
    process = 3.9 if on_time else 2.7
    result = {"upheld": 4.2, "partly_upheld": 3.4, "not_upheld": 2.3, "explained": 3.3}[outcome]
    answers: dict[str, Any] = {"filing_channel": FILED_AS[channel]}
    for key in ("proc_ease", "proc_courtesy", "proc_progress", "proc_clarity"):
        answers[key] = _rating(rng.gauss(process + 0.2, 0.8))
    answers["proc_timeliness"] = _rating(rng.gauss(process - (0.3 if not on_time else 0), 0.8))
    answers["outcome_solved"] = {
        "upheld": "yes",
        "partly_upheld": "partly",
        "not_upheld": "no",
        "explained": rng.choice(["yes", "partly"]),
    }[outcome]
    answers["outcome_result"] = _rating(rng.gauss(result, 0.8))
    answers["outcome_reasonable"] = _rating(rng.gauss(result + 0.2, 0.8))
    overall = _rating(0.5 * process + 0.5 * result + rng.gauss(0, 0.6))
    answers["overall_satisfaction"] = overall
    answers["use_again"] = "yes" if overall >= 3 else "no"
    if rng.random() < 0.3 and overall != 3:
        good = [c for c in COMMENTS_GOOD if on_time or "快" not in c]
        answers["comment"] = rng.choice(good if overall >= 4 else COMMENTS_BAD)
    return answers


def seed_case_history(app: Flask, seed: int) -> History:
    """The history of every demo agency (run once, right after the story cases)."""
    rng = random.Random(seed + 13)
    pending: list[Pending] = []
    made = 0
    with app.app_context(), session_scope(app) as session:
        agencies = {
            a.code: a
            for a in session.execute(
                select(Agency).where(col(Agency.code).in_(list(DEMO_CATEGORIES)))
            ).scalars()
        }
        categories: dict[str, dict[str, ComplaintCategory]] = {
            code: {
                c.code: c
                for c in session.execute(
                    select(ComplaintCategory).where(col(ComplaintCategory.agency_id) == a.id)
                ).scalars()
            }
            for code, a in agencies.items()
        }
        users = {u.email: u for u in session.execute(select(User)).scalars()}
        seeder = CaseSeeder(app, session, agencies, categories, users, today_for(app), None)
        last = seeder.today - timedelta(days=RECENT_DAYS)
        for code in sorted(agencies):
            for received in _days(rng, code, last):
                made += 1
                _one(rng, seeder, code, received, pending)
    answered = _answer(app, pending)
    return History(made, answered)


def _days(rng: random.Random, code: str, last: date) -> list[date]:
    """Each case's day of receipt, oldest first: about ``PER_MONTH`` a month."""
    first = last - timedelta(days=round(MONTHS * 30.44))
    span = (last - first).days
    count = round(PER_MONTH[code] * span / 30.44)
    return sorted(first + timedelta(days=rng.randrange(span)) for _ in range(count))


def _on_time_share(code: str, received: date, last: date) -> float:
    agency, months_back, share = LATE_MONTH
    late = last - timedelta(days=round(months_back * 30.44))
    if code == agency and (received.year, received.month) == (late.year, late.month):
        return share
    return ON_TIME[code]


def _one(
    rng: random.Random, seeder: CaseSeeder, code: str, received: date, pending: list[Pending]
) -> None:
    """File, answer and close one case, each on its day."""
    category_code = rng.choice(list(seeder.categories[code]))
    category = seeder.categories[code][category_code]
    subject, description = rng.choice(SUBJECTS.get(category_code, SUBJECTS["service"]))
    channel = _pick(rng, CHANNELS)
    staff = None if channel == "online" else seeder.actor_of(code)
    contactable = rng.random() < CONTACTABLE
    number = rng.randrange(100000)
    filed = seeder.service(staff, received).new_case(
        agency=seeder.agencies[code],
        category=category,
        subject=subject,
        description=description,
        channel=channel,
        language="zh-Hant-TW",
        anonymous=not contactable and channel == "online",
        name=f"陳情人{number:05d}",
        email=f"history{number:05d}@citizen.example" if contactable else None,
        phone="02-2700-0000" if channel == "phone" else None,
        reply_channel="email" if contactable else "letter",
        address="示範市大安區示範路 1 號" if not contactable else None,
        read_back_confirmed=True if channel in ("phone", "counter") else None,
    )
    case = filed.case
    actor = seeder.actor_of(code)  # replies without a separate "start": one call fewer
    due = case.due_on
    on_time = rng.random() < _on_time_share(code, received, seeder.today)
    if on_time:
        answered_on = received + timedelta(days=rng.randint(1, max(1, (due - received).days)))
    else:
        answered_on = due + timedelta(days=rng.randint(1, 9))
    if answered_on >= seeder.today:
        return  # still open today: the statistics count it as open (censored)
    reply = "您好：有關您反映的事項，本所已查明並處理如下。感謝您的寶貴意見。"
    seeder.service(actor, answered_on).reply(case, body=reply)
    closed_on = min(
        seeder.today - timedelta(days=1), answered_on + timedelta(days=rng.randint(0, 2))
    )
    outcome = _pick(rng, OUTCOME_WEIGHTS)
    seeder.service(actor, closed_on).close(case, outcome=outcome)
    seeder.session.flush()
    offered = seeder.session.execute(
        select(ComplaintFollowup).where(col(ComplaintFollowup.complaint_id) == case.id)
    ).scalar_one_or_none()
    if offered is None:
        return
    offered.created_at = offered.sent_at = _at(closed_on, 3)
    seeder.session.add(offered)
    answer_day = closed_on + timedelta(days=rng.randint(0, 6))
    if rng.random() < ANSWERED and answer_day < seeder.today:
        seeder.session.flush()
        assert offered.id is not None  # flushed above
        pending.append(
            Pending(
                offered.id,
                code,
                case.unit_id,
                followup_answers(rng, channel, answered_on <= due, outcome),
                answer_day,
            )
        )


def _answer(app: Flask, pending: list[Pending]) -> int:
    """Store the follow-up answers, each as the feedback page would (spending its link)."""
    if not pending:
        return 0
    plugins = get_plugins(app)
    stored = 0
    with app.app_context():
        with session_scope(app) as session:
            version = current_version(app, session, followups.QUESTIONNAIRE)
            if version is None:
                return 0
            questionnaire = definition_of(version)
            agencies = {
                a.code: a
                for a in session.execute(
                    select(Agency).where(col(Agency.code).in_(list(DEMO_CATEGORIES)))
                ).scalars()
            }
            units = {u.id: u for u in session.execute(select(Unit)).scalars()}
            session.expunge_all()
        used: dict[int, datetime] = {}
        for item in pending:
            submission = Submission(
                questionnaire=version,
                agency=agencies[item.agency],
                unit=units.get(item.unit_id) if item.unit_id is not None else None,
                channel="online",
                language="zh-Hant-TW",
                answers=item.answers,
            )
            try:
                prepared = prepare(plugins, questionnaire, submission)
            except InvalidSubmission:
                continue
            moment = _at(item.day, 12)
            prepared.submitted_at = moment
            if followups.store_answer(app, item.followup_id, prepared) is not None:
                stored += 1
                used[item.followup_id] = moment
        with session_scope(app) as session:
            for followup_id, moment in used.items():
                session.execute(
                    update(ComplaintFollowup)
                    .where(col(ComplaintFollowup.id) == followup_id)
                    .values(used_at=moment)
                )
    return stored
