"""Demo data: a ministry, two agencies, their counters and two years of answers.

Answers are generated from a simple model so that every screen has believable
data: each response has a latent satisfaction that differs by unit, improves
slowly over time and dips in one season, and every item is that latent plus
noise. The same seed gives the same data. Seeding runs once: a second run finds
the demo ministry and does nothing. ``seed_demo_cases`` adds complaint policies,
categories with reply templates and about 40 cases in every state, made through
the case service.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import click
from argon2 import PasswordHasher
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlmodel import col

from collector.access import audit
from collector.access.identity import actor_for_user
from collector.access.passwords import hash_password
from collector.answers.records import Submission
from collector.answers.submission import InvalidSubmission, prepare
from collector.answers.writer import insert_batch
from collector.complaints import cases, records
from collector.core import clock
from collector.core.commands import prepare_database
from collector.core.db import get_engine, session_scope
from collector.core.hookspecs import hookimpl
from collector.core.models import (
    Agency,
    Complaint,
    ComplaintCategory,
    ComplaintPolicy,
    QuestionnaireVersion,
    Unit,
    User,
)
from collector.core.plugins import get_plugins
from collector.core.questionnaires import current_version, definition_of

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


def _ensure_agencies(app: Flask) -> tuple[list[Agency], dict[str, list[tuple[Unit, float]]]] | None:
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
    made = _ensure_agencies(app)
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


DEMO_PASSWORD = "collector-demo-2026"
"""The password of every demo staff account (README). Demo data only: never in production."""

DEMO_STAFF: list[tuple[str, str, str, str | None]] = [
    ("sysadmin@demo.example", "示範系統管理者", "system_admin", None),
    ("ministry@demo-city.example", "示範市府管理者", "ministry_admin", MINISTRY[0]),
    *[
        (f"{prefix}@{code}.example", f"{short}{label}", role, code)
        for code, short in (("demo-land", "中正地政"), ("demo-household", "大安戶政"))
        for prefix, label, role in (
            ("admin", "管理者", "agency_admin"),
            ("analyst", "分析人員", "analyst"),
            ("cases", "陳情承辦人", "case_handler"),
            ("counter", "櫃台人員", "counter_staff"),
        )
    ],
]
"""(email, display name, role, agency code): one account per role for the demo agencies."""


def seed_demo_staff(app: Flask) -> list[tuple[str, str, str | None]]:
    """Create the demo staff accounts that do not exist yet; list every demo account."""

    with session_scope(app) as session:
        codes = {a.code: a.id for a in session.execute(select(Agency)).scalars()}
        existing = set(session.execute(select(col(User.email))).scalars())
        password_hash = None
        for email, name, role, agency_code in DEMO_STAFF:
            if email in existing or (agency_code is not None and agency_code not in codes):
                continue
            if password_hash is None:  # one hash for all: hashing is deliberately slow
                with app.app_context():
                    password_hash = hash_password(DEMO_PASSWORD, app)
            agency_id = codes[agency_code] if agency_code is not None else None
            user = User(
                email=email,
                display_name=name,
                role=role,
                agency_id=agency_id,
                password_hash=password_hash,
            )
            session.add(user)
            session.flush()
            audit.record(
                session,
                "user.created",
                actor_label="demo",
                agency_id=agency_id,
                target=email,
                detail={"user_id": user.id, "role": role, "demo": True},
            )
    return [(email, role, code) for email, _name, role, code in DEMO_STAFF]


# -- complaint cases ------------------------------------------------------------------

DEMO_CATEGORIES: dict[str, list[dict[str, Any]]] = {
    "demo-land": [
        {
            "code": "registration",
            "name_zh": "登記案件",
            "name_en": "Land registration",
            "unit": "reg",
            "handler": "cases@demo-land.example",
        },
        {
            "code": "survey",
            "name_zh": "測量案件",
            "name_en": "Cadastral survey",
            "unit": "survey",
            "deadline_days": 14,
            "day_kind": "working",
        },
        {
            "code": "service",
            "name_zh": "服務態度與環境",
            "name_en": "Service and premises",
            "unit": "info",
            "retention_class": "short",
        },
    ],
    "demo-household": [
        {
            "code": "household",
            "name_zh": "戶籍登記",
            "name_en": "Household registration",
            "unit": "main",
            "handler": "cases@demo-household.example",
        },
        {"code": "id-card", "name_zh": "身分證換發", "name_en": "ID cards", "unit": "id"},
        {
            "code": "service",
            "name_zh": "服務態度與環境",
            "name_en": "Service and premises",
            "unit": "branch",
            "retention_class": "short",
        },
    ],
}
"""Each demo agency's complaint categories (routing: default unit, sometimes a handler)."""

DEMO_POLICIES: dict[str, dict[str, Any]] = {
    "demo-land": {"deadline_days": 30, "day_kind": "calendar", "due_soon_days": 3},
    "demo-household": {"deadline_days": 6, "day_kind": "working", "due_soon_days": 2},
}

REPLY_ZH = (
    "{name} 君 您好：\n\n您於 {received_on} 反映「{subject}」一案（案號 {case_number}），"
    "本所處理情形如下：\n\n（請承辦人填寫處理情形）\n\n"
    "感謝您的寶貴意見。如有疑問，請洽本所服務台。\n\n{agency} 敬上"
)
REPLY_EN = (
    'Dear {name},\n\nThank you for your message of {received_on} about "{subject}" '
    "(case {case_number}). Here is how we handled it:\n\n(the handler writes the answer)\n\n"
    "If you have any questions, please contact our information desk.\n\n{agency}"
)

DEMO_COMPLAINTS = [
    ("申請謄本等候過久", "上午十點到所申請地籍謄本，等了五十分鐘才叫到號，希望增加櫃台。"),
    ("登記案件進度查詢不到", "網路上查不到我上週送件的買賣移轉登記進度，請協助確認。"),
    ("測量人員未依約到場", "約定的鑑界日期當天測量人員遲到兩個小時，也沒有事先通知。"),
    ("停車場動線不良", "地下停車場出口標示不清，差點與來車擦撞。"),
    ("櫃台人員態度不佳", "詢問應備文件時，櫃台人員口氣很不耐煩。"),
    ("網站表單無法下載", "網站上的土地登記申請書連結失效，無法下載。"),
    ("無障礙坡道損壞", "大門口的無障礙坡道有一塊鐵板鬆脫，輪椅無法通行。"),
    ("叫號螢幕字太小", "叫號螢幕的字太小，年長者看不清楚，希望加大或加上語音。"),
    ("Cannot find English forms", "The application forms on the website are only in Chinese."),
    ("戶籍謄本規費疑問", "申請電子戶籍謄本時被收了兩次規費，請查明並退費。"),
    ("身分證換發預約額滿", "線上預約換發身分證一直額滿，請增加名額或開放現場取號。"),
    ("辦公處冷氣故障", "和平辦公處冷氣壞了好幾天，等候區非常悶熱。"),
]

DEMO_PEOPLE = [
    ("王小明", "0912-345-678", "示範市中正區博愛路 1 號"),
    ("陳美玲", "0922-111-222", "示範市大安區和平東路 2 段 5 號"),
    ("林志強", "02-2345-6789", "示範市中正區重慶南路 3 號 4 樓"),
    ("黃淑芬", "0933-456-789", "示範市大安區信義路 4 段 10 號"),
    ("Chris Miller", "0955-000-111", "No. 8, Sec. 1, Heping E. Rd., Demo City"),
]

DEMO_PLAN: list[tuple[str, int, list[str]]] = [
    # (agency, age in days, steps after receipt). Steps: start, supplement (asked),
    # supplied, extend, reply, close:<outcome>, decline, transfer, note, confidential.
    *[
        ("demo-land", age, steps)
        for age, steps in (
            (1, []),
            (2, ["start"]),
            (4, ["start", "note"]),
            (6, []),
            (9, ["start", "supplement"]),
            (12, ["supplement"]),
            (27, ["start"]),
            (28, ["start", "note"]),  # due soon
            (38, ["start"]),
            (45, []),
            (52, ["start", "note"]),  # overdue
            (35, ["start", "extend"]),
            (20, ["start", "reply", "close:upheld"]),
            (25, ["start", "reply", "close:explained"]),
            (33, ["start", "reply", "close:partly_upheld"]),
            (40, ["reply", "close:not_upheld"]),
            (18, ["start", "reply"]),
            (8, ["decline"]),
            (14, ["start", "supplement", "supplied", "reply", "close:withdrawn"]),
            (3, ["transfer"]),
        )
    ],
    *[
        ("demo-household", age, steps)
        for age, steps in (
            (0, []),
            (1, ["start"]),
            (2, ["start", "note"]),
            (3, ["confidential", "start"]),
            (4, ["start", "supplement"]),
            (6, ["supplement"]),
            (7, ["start"]),
            (8, []),  # due soon on a 6-working-day deadline
            (13, ["start"]),
            (16, []),
            (21, ["start", "note"]),  # overdue
            (10, ["start", "extend"]),
            (12, ["start", "reply", "close:upheld"]),
            (15, ["reply", "close:explained"]),
            (19, ["start", "reply", "close:upheld"]),
            (24, ["start", "reply", "close:partly_upheld"]),
            (5, ["start", "reply"]),
            (9, ["decline"]),
            (11, ["start", "reply", "close:not_upheld"]),
        )
    ],
]
"""About 40 demo cases in every state: new, in progress, awaiting a supplement, due soon,
overdue, extended, replied, closed with each outcome, declined, and one transfer from
the land office to the household registration office."""


@dataclass(frozen=True)
class DemoCases:
    made: int  # 0: the demo agencies already had complaint categories
    sample: tuple[str, str] | None  # a case number and its password, to try the follow page


def seed_demo_cases(app: Flask, seed: int = 20261123) -> DemoCases:
    """Complaint policies, categories (with reply templates) and demo cases made through
    ``collector.complaints.cases`` so their histories are real; 0 when they exist.

    A case is received ``age`` days ago (``COMPLAINT_TODAY`` pinned to that day, so the
    deadlines vary: some cases are overdue, some due soon); its later actions count on
    the days that follow, each action dated its day by the service's clock (a transfer
    restarts the clock on its day, a closing fixes the retention date from its day).
    The e-mails the service returns are not sent: demo complainants are fictitious.
    """

    with session_scope(app) as session:
        agencies = {
            a.code: a
            for a in session.execute(
                select(Agency).where(col(Agency.code).in_(list(DEMO_CATEGORIES)))
            ).scalars()
        }
        if len(agencies) < len(DEMO_CATEGORIES):
            return DemoCases(0, None)
        taken = session.execute(
            select(col(ComplaintCategory.id)).where(
                col(ComplaintCategory.agency_id).in_([a.id for a in agencies.values()])
            )
        ).first()
        if taken is not None:
            return DemoCases(0, None)

    rng = random.Random(seed)
    pinned = app.config.get("COMPLAINT_TODAY")
    today = records.today_for(app)
    made = 0
    sample: tuple[str, str] | None = None
    # Demo complainants are fictitious: their passwords are hashed with light Argon2id
    # parameters so that seeding stays fast (one is printed to try the follow page).
    hashers = app.extensions
    saved_hasher = hashers.get("collector.hasher")
    hashers["collector.hasher"] = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        with app.app_context(), session_scope(app) as session:
            users = {u.email: u for u in session.execute(select(User)).scalars()}
            categories: dict[str, list[ComplaintCategory]] = {}
            for code, specs in DEMO_CATEGORIES.items():
                agency = agencies[code]
                session.add(ComplaintPolicy(agency_id=agency.id, **DEMO_POLICIES[code]))
                units = {
                    u.code: u.id
                    for u in session.execute(
                        select(Unit).where(col(Unit.agency_id) == agency.id)
                    ).scalars()
                }
                categories[code] = []
                for spec in specs:
                    handler = users.get(spec.get("handler", ""))
                    row = ComplaintCategory(
                        agency_id=agency.id,
                        code=spec["code"],
                        name_zh=spec["name_zh"],
                        name_en=spec["name_en"],
                        deadline_days=spec.get("deadline_days"),
                        day_kind=spec.get("day_kind"),
                        unit_id=units.get(spec.get("unit", "")),
                        handler_id=handler.id if handler else None,
                        retention_class=spec.get("retention_class", "standard"),
                        reply_template_zh=REPLY_ZH,
                        reply_template_en=REPLY_EN,
                    )
                    session.add(row)
                    categories[code].append(row)
            session.flush()

            def actor_of(code: str) -> Any:
                user = users.get(f"cases@{code}.example") or users.get(f"admin@{code}.example")
                if user is None:
                    raise RuntimeError(f"seed the demo staff of {code} first")
                return actor_for_user(user, source="demo", db=session)

            for index, (code, age, steps) in enumerate(DEMO_PLAN):
                received = today - timedelta(days=age)
                app.config["COMPLAINT_TODAY"] = received.isoformat()
                subject, description = DEMO_COMPLAINTS[index % len(DEMO_COMPLAINTS)]
                name, phone, address = DEMO_PEOPLE[index % len(DEMO_PEOPLE)]
                channel = ("online", "phone", "counter", "letter", "email")[index % 5]
                english = subject.isascii()
                category = categories[code][index % len(categories[code])]
                filed = cases.new_case(
                    session,
                    app,
                    agency=agencies[code],
                    category=category,
                    subject=subject,
                    description=description,
                    channel=channel,
                    language="en" if english else "zh-Hant-TW",
                    confidential="confidential" in steps,
                    name=name,
                    email=f"demo{index}@citizen.example",
                    phone=phone,
                    address=address,
                    reply_channel="letter" if channel == "letter" else "email",
                    read_back_confirmed=True if channel in ("phone", "counter") else None,
                    actor=None if channel == "online" else actor_of(code),
                )
                case = filed.case
                if sample is None and channel == "online":
                    sample = (case.case_number, filed.password)
                actor = actor_of(code)
                day = received
                for step in steps:
                    if step == "confidential":
                        continue
                    day = min(today, day + timedelta(days=rng.randint(0, 3)))
                    app.config["COMPLAINT_TODAY"] = day.isoformat()
                    if step == "start":
                        cases.start(app, session, case, actor)
                    elif step == "note":
                        cases.note(
                            app, session, case, actor, text="已電話聯繫陳情人，了解詳細情形。"
                        )
                    elif step == "supplement":
                        cases.request_supplement(
                            app, session, case, actor, reason="請提供發生的日期、時間及地點。"
                        )
                    elif step == "supplied":
                        cases.resume(app, session, case, actor, text="陳情人來電補充：上週三上午。")
                    elif step == "extend":
                        cases.extend(
                            app, session, case, actor, days=10, reason="需會同相關單位現場會勘。"
                        )
                    elif step == "reply":
                        cases.reply(
                            app,
                            session,
                            case,
                            actor,
                            body=REPLY_ZH.replace(
                                "（請承辦人填寫處理情形）", "已完成改善。"
                            ).format(
                                name=name,
                                received_on=received.isoformat(),
                                subject=subject,
                                case_number=case.case_number,
                                agency=agencies[code].name_zh,
                            ),
                        )
                    elif step.startswith("close:"):
                        cases.close(app, session, case, actor, outcome=step.split(":", 1)[1])
                    elif step == "decline":
                        cases.decline(
                            app,
                            session,
                            case,
                            actor,
                            ground="no_concrete_content",
                            reason="陳情內容未具體指明事實，無法查處。",
                        )
                    elif step == "transfer":
                        cases.transfer_to_agency(
                            app,
                            session,
                            case,
                            actor,
                            agency=agencies["demo-household"],
                            category=categories["demo-household"][0],
                            reason="陳情事項屬戶籍登記，依行政程序法第 17 條移送戶政事務所。",
                        )
                made += 1
            # Every open case's due date on today's view of its (now dated) history.
            app.config["COMPLAINT_TODAY"] = pinned
            for case in session.execute(
                select(Complaint).where(
                    col(Complaint.status).in_(cases.OPEN),
                    col(Complaint.agency_id).in_([a.id for a in agencies.values()]),
                )
            ).scalars():
                records.refresh_due(app, session, case)
                session.add(case)
    finally:
        app.config["COMPLAINT_TODAY"] = pinned
        if saved_hasher is None:
            hashers.pop("collector.hasher", None)
        else:
            hashers["collector.hasher"] = saved_hasher
    return DemoCases(made, sample)


@click.command()
@click.option("--seed", default=20261123, show_default=True, help="Random seed.")
@click.option("--months", default=24, show_default=True, help="How many months of history.")
@with_appcontext
def demo(seed: int, months: int) -> None:
    """Seed a demo ministry, two agencies, units, staff accounts and about two years of responses (once)."""
    prepare_database(current_app)
    summary = seed_demo(current_app, seed=seed, months=months)
    if summary is None:
        click.echo("Demo data is already there; nothing to do.")
    else:
        click.echo(
            f"Seeded {summary['agencies']} agencies, {summary['units']} units and "
            f"{summary['responses']} responses in {summary['seconds']:.1f} s."
        )
    accounts = seed_demo_staff(current_app)
    click.echo(f"Demo staff accounts at /staff/login (password for all: {DEMO_PASSWORD}):")
    for email, role, agency_code in accounts:
        click.echo(f"  {email:32} {role:15} {agency_code or ''}")
    complaints = seed_demo_cases(current_app, seed=seed)
    if complaints.made:
        click.echo(f"Seeded {complaints.made} demo complaint cases (/staff/cases).")
    if complaints.sample:
        number, password = complaints.sample
        click.echo(f"Follow a demo case at /complaints/follow: {number}, password {password}")


@hookimpl
def register_commands() -> list[click.Command]:
    return [demo]
