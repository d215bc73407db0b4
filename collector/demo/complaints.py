"""Demo complaint cases: policies, categories with reply templates and about 40 cases
in every state, made through the case service so that their histories are real.

A case is received ``age`` days ago and its later steps follow on the next days;
each is dated its day through the service's own clock (a transfer restarts the
deadline on its day, a closing fixes the retention date from its day), so some
cases are overdue and some due soon. The e-mails the service returns are not sent:
demo complainants are fictitious.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.identity import actor_for_user
from collector.complaints import lifecycle
from collector.complaints import records
from collector.complaints.service import CaseService
from collector.core.db import session_scope
from collector.core.hooktypes import Actor
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintPolicy
from collector.core.models import Unit
from collector.core.models import User

DEMO_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""Demo complainants are fictitious: their case passwords are hashed with light
Argon2id parameters so that seeding stays fast (one is printed to try the follow page)."""

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
    "本所處理情形如下：\n\n{請承辦人填寫處理情形}\n\n"
    "感謝您的寶貴意見。如有疑問，請洽本所服務台。\n\n{agency} 敬上"
)


REPLY_EN = (
    'Dear {name},\n\nThank you for your message of {received_on} about "{subject}" '
    "(case {case_number}). Here is how we handled it:\n\n{the handler writes the answer}\n\n"
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


@dataclass(frozen=True)
class _Story:
    """What a demo case's steps need besides the case: the agencies, the categories and
    what the complainant wrote."""

    agencies: dict[str, Agency]
    categories: dict[str, list[ComplaintCategory]]
    agency: Agency
    name: str
    subject: str
    received: date


Step = Callable[[CaseService, Complaint, _Story], object]


def _reply(service: CaseService, case: Complaint, story: _Story) -> object:
    body = REPLY_ZH.replace("{請承辦人填寫處理情形}", "已完成改善。").format(
        name=story.name,
        received_on=story.received.isoformat(),
        subject=story.subject,
        case_number=case.case_number,
        agency=story.agency.name_zh,
    )
    return service.reply(case, body=body)


def _transfer(service: CaseService, case: Complaint, story: _Story) -> object:
    return service.transfer_to_agency(
        case,
        agency=story.agencies["demo-household"],
        category=story.categories["demo-household"][0],
        reason="陳情事項屬戶籍登記，依行政程序法第 17 條移送戶政事務所。",
    )


STEPS: dict[str, Step] = {
    "start": lambda service, case, _: service.start(case),
    "note": lambda service, case, _: service.note(case, text="已電話聯繫陳情人，了解詳細情形。"),
    "supplement": lambda service, case, _: service.request_supplement(
        case, reason="請提供發生的日期、時間及地點。"
    ),
    "supplied": lambda service, case, _: service.resume(case, text="陳情人來電補充：上週三上午。"),
    "extend": lambda service, case, _: service.extend(
        case, days=10, reason="需會同相關單位現場會勘。"
    ),
    "reply": _reply,
    "decline": lambda service, case, _: service.decline(
        case, ground="no_concrete_content", reason="陳情內容未具體指明事實，無法查處。"
    ),
    "transfer": _transfer,
}
"""What each step of ``DEMO_PLAN`` does; ``close:<outcome>`` closes with that outcome."""


def _step(name: str) -> Step:
    if name.startswith("close:"):
        outcome = name.split(":", 1)[1]
        return lambda service, case, _: service.close(case, outcome=outcome)
    return STEPS[name]


def _at(day: date) -> datetime:
    """10:00 in Taiwan on ``day``: the moment a demo action is dated."""
    return datetime.combine(day, time(2, 0), tzinfo=UTC)


def _demo_agencies(session: Session) -> dict[str, Agency] | None:
    """The demo agencies, when they exist and have no complaint categories yet."""
    agencies = {
        a.code: a
        for a in session.execute(
            select(Agency).where(col(Agency.code).in_(list(DEMO_CATEGORIES)))
        ).scalars()
    }
    if len(agencies) < len(DEMO_CATEGORIES):
        return None
    taken = session.execute(
        select(col(ComplaintCategory.id)).where(
            col(ComplaintCategory.agency_id).in_([a.id for a in agencies.values()])
        )
    ).first()
    return None if taken is not None else agencies


def _categories(
    session: Session, agencies: dict[str, Agency], users: dict[str, User]
) -> dict[str, list[ComplaintCategory]]:
    """Each demo agency's policy and categories (with reply templates), stored."""
    categories: dict[str, list[ComplaintCategory]] = {}
    for code, specs in DEMO_CATEGORIES.items():
        agency = agencies[code]
        assert agency.id is not None  # a stored agency
        session.add(ComplaintPolicy(agency_id=agency.id, **DEMO_POLICIES[code]))
        units = {
            u.code: u.id
            for u in session.execute(select(Unit).where(col(Unit.agency_id) == agency.id)).scalars()
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
    return categories


class _Seeder:
    """Files the demo cases of ``DEMO_PLAN`` and plays their steps, each on its day."""

    def __init__(
        self,
        app: Flask,
        session: Session,
        agencies: dict[str, Agency],
        categories: dict[str, list[ComplaintCategory]],
        users: dict[str, User],
        today: date,
    ) -> None:
        self.app, self.session, self.today = app, session, today
        self.agencies, self.categories, self.users = agencies, categories, users

    def actor_of(self, code: str) -> Actor:
        users = self.users
        user = users.get(f"cases@{code}.example") or users.get(f"admin@{code}.example")
        if user is None:
            raise RuntimeError(f"seed the demo staff of {code} first")
        return actor_for_user(user, source="demo", db=self.session)

    def service(self, actor: Actor | None, day: date) -> CaseService:
        moment = _at(day)
        return CaseService(
            self.app, self.session, actor, now=lambda: moment, password_hasher=DEMO_HASHER
        )

    def file(self, index: int, code: str, received: date, steps: list[str]) -> tuple[Any, _Story]:
        subject, description = DEMO_COMPLAINTS[index % len(DEMO_COMPLAINTS)]
        name, phone, address = DEMO_PEOPLE[index % len(DEMO_PEOPLE)]
        channel = ("online", "phone", "counter", "letter", "email")[index % 5]
        category = self.categories[code][index % len(self.categories[code])]
        staff = None if channel == "online" else self.actor_of(code)
        filed = self.service(staff, received).new_case(
            agency=self.agencies[code],
            category=category,
            subject=subject,
            description=description,
            channel=channel,
            language="en" if subject.isascii() else "zh-Hant-TW",
            confidential="confidential" in steps,
            name=name,
            email=f"demo{index}@citizen.example",
            phone=phone,
            address=address,
            reply_channel="letter" if channel == "letter" else "email",
            read_back_confirmed=True if channel in ("phone", "counter") else None,
        )
        story = _Story(self.agencies, self.categories, self.agencies[code], name, subject, received)
        return filed, story

    def play(
        self, rng: random.Random, code: str, case: Complaint, story: _Story, steps: list[str]
    ) -> None:
        actor = self.actor_of(code)
        day = story.received
        for name in steps:
            if name == "confidential":
                continue
            day = min(self.today, day + timedelta(days=rng.randint(0, 3)))
            _step(name)(self.service(actor, day), case, story)

    def refresh_open_cases(self) -> None:
        """Every open case's due date on today's view of its (now dated) history."""
        statement = select(Complaint).where(
            col(Complaint.status).in_(lifecycle.OPEN),
            col(Complaint.agency_id).in_([a.id for a in self.agencies.values()]),
        )
        for case in self.session.execute(statement).scalars():
            records.refresh_due(self.app, self.session, case, self.today)
            self.session.add(case)


def seed_demo_cases(app: Flask, seed: int = 20261123) -> DemoCases:
    """Complaint policies, categories and the demo cases; 0 made when they exist."""
    with session_scope(app) as session:
        agencies = _demo_agencies(session)
    if agencies is None:
        return DemoCases(0, None)
    rng = random.Random(seed)
    today = records.today_for(app)
    sample: tuple[str, str] | None = None
    with app.app_context(), session_scope(app) as session:
        agencies = {code: session.get(Agency, a.id) for code, a in agencies.items()}  # type: ignore[misc]  # read just above: every row exists
        users = {u.email: u for u in session.execute(select(User)).scalars()}
        categories = _categories(session, agencies, users)
        seeder = _Seeder(app, session, agencies, categories, users, today)
        for index, (code, age, steps) in enumerate(DEMO_PLAN):
            filed, story = seeder.file(index, code, today - timedelta(days=age), steps)
            if sample is None and filed.case.channel == "online":
                sample = (filed.case.case_number, filed.password)
            seeder.play(rng, code, filed.case, story, steps)
        seeder.refresh_open_cases()
    return DemoCases(len(DEMO_PLAN), sample)
