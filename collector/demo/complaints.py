"""Demo complaint cases: policies, categories with reply templates and about 40 cases
in every state (``collector.demo.complaint_cases``), made through the case service so
that their histories are real.

A case is received ``age`` days ago and its later steps follow on the next days;
each is dated its day through the service's own clock (a transfer restarts the
deadline on its day, a closing fixes the retention date from its day), so some
cases are overdue and some due soon. The story's two older cases are received in
the wave before the improvement. The e-mails the service returns are not sent:
demo complainants are fictitious.
"""

from __future__ import annotations

import random
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
from collector.complaints.replies import fill_template
from collector.complaints.service import CaseService
from collector.core.db import session_scope
from collector.core.hooktypes import Actor
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintPolicy
from collector.core.models import Unit
from collector.core.models import User
from collector.demo.complaint_cases import CASES
from collector.demo.complaint_cases import HOUSEHOLD
from collector.demo.complaint_cases import PEOPLE
from collector.demo.complaint_cases import STORY_CASES
from collector.demo.complaint_cases import Case
from collector.demo.story import IMPROVEMENT
from collector.demo.waves import Wave
from collector.demo.waves import demo_waves

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
            "name_zh": "櫃台服務與洽公環境",
            "name_en": "Counter service and premises",
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
            "name_zh": "櫃台服務與洽公環境",
            "name_en": "Counter service and premises",
            "unit": "main",
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


@dataclass(frozen=True)
class DemoCases:
    made: int  # 0: the demo agencies already had complaint categories
    sample: tuple[str, str] | None  # a case number and its password, to try the follow page


PLACEHOLDER_ZH = "{請承辦人填寫處理情形}"
PLACEHOLDER_EN = "{the handler writes the answer}"
DEFAULT_TEXTS = {
    "note": "已電話聯繫陳情人，了解詳細情形。",
    "supplement": "請提供發生的日期、時間及地點。",
    "supplied": "陳情人來電補充發生的日期及時間。",
    "extend": "需會同相關單位現場會勘，延長處理期間 10 日。",
}
"""What a step says when its case gives no words of its own."""


def reply_text(case: Case, row: Complaint, agency: Agency, effective: date | None) -> str:
    """The category's template filled in as the handler would, with the case's answer."""
    template, placeholder = (
        (REPLY_EN, PLACEHOLDER_EN) if case.english else (REPLY_ZH, PLACEHOLDER_ZH)
    )
    person = PEOPLE[case.person] if case.person else None
    values = {
        "case_number": row.case_number,
        "name": person.name if person else ("complainant" if case.english else "陳情人"),
        "subject": row.subject,
        "received_on": row.received_on.isoformat(),
        "agency": agency.name_en if case.english else agency.name_zh,
    }
    answer = case.reply
    if effective is not None:
        answer = answer.replace(
            "{effective}", f"{effective.year - 1911}年{effective.month}月{effective.day}日"
        )
    return fill_template(template, values).replace(placeholder, answer)


class CaseSeeder:
    """Files the demo cases and plays their steps, each on its day."""

    def __init__(
        self,
        app: Flask,
        session: Session,
        agencies: dict[str, Agency],
        categories: dict[str, dict[str, ComplaintCategory]],
        users: dict[str, User],
        today: date,
        effective: date | None,
    ) -> None:
        self.app, self.session, self.today, self.effective = app, session, today, effective
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

    def file(self, index: int, case: Case, received: date) -> Any:
        person = PEOPLE[case.person] if case.person else None
        staff = None if case.channel == "online" else self.actor_of(case.agency)
        return self.service(staff, received).new_case(
            agency=self.agencies[case.agency],
            category=self.categories[case.agency][case.category],
            subject=case.subject,
            description=case.description,
            channel=case.channel,
            language="en" if case.english else "zh-Hant-TW",
            anonymous=person is None,
            confidential=case.confidential,
            name=person.name if person else None,
            email=f"demo{index}@citizen.example" if person else None,
            phone=person.phone if person else None,
            address=person.address if person else None,
            reply_channel="letter" if case.channel == "letter" else "email",
            read_back_confirmed=True if case.channel in ("phone", "counter") else None,
        )

    def play(self, rng: random.Random, case: Case, row: Complaint, received: date) -> None:
        actor = self.actor_of(case.agency)
        day = received
        for name in case.steps:
            day = min(self.today, day + timedelta(days=rng.randint(0, 3)))
            self.step(name, case, row, self.service(actor, day))

    def step(self, name: str, case: Case, row: Complaint, service: CaseService) -> None:
        text = case.texts.get(name) or DEFAULT_TEXTS.get(name, "")
        if name == "start":
            service.start(row)
        elif name == "note":
            service.note(row, text=text)
        elif name == "supplement":
            service.request_supplement(row, reason=text)
        elif name == "supplied":
            service.resume(row, text=text)
        elif name == "extend":
            service.extend(row, days=10, reason=text)
        elif name == "reply":
            agency = self.agencies[case.agency]
            service.reply(row, body=reply_text(case, row, agency, self.effective))
        elif name.startswith("close:"):
            service.close(row, outcome=name.split(":", 1)[1])
        elif name == "decline":
            service.decline(
                row,
                ground="no_concrete_content",
                reason="陳情內容未具體指明事實（時間、地點、承辦業務），無法查處。",
            )
        elif name == "transfer":
            service.transfer_to_agency(
                row,
                agency=self.agencies[HOUSEHOLD],
                category=self.categories[HOUSEHOLD]["household"],
                reason=text,
            )
        elif name.startswith("unit:"):
            code = name.split(":", 1)[1]
            unit = self.session.execute(
                select(Unit).where(col(Unit.agency_id) == row.agency_id, col(Unit.code) == code)
            ).scalar_one()
            service.transfer_to_unit(row, unit_id=unit.id, reason=text)
        else:
            raise ValueError(f"unknown demo step {name!r}")

    def refresh_open_cases(self) -> None:
        """Every open case's due date on today's view of its (now dated) history."""
        statement = select(Complaint).where(
            col(Complaint.status).in_(lifecycle.OPEN),
            col(Complaint.agency_id).in_([a.id for a in self.agencies.values()]),
        )
        for case in self.session.execute(statement).scalars():
            records.refresh_due(self.app, self.session, case, self.today)
            self.session.add(case)


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
) -> dict[str, dict[str, ComplaintCategory]]:
    """Each demo agency's policy and categories (with reply templates), stored."""
    categories: dict[str, dict[str, ComplaintCategory]] = {}
    for code, specs in DEMO_CATEGORIES.items():
        agency = agencies[code]
        assert agency.id is not None  # a stored agency
        session.add(ComplaintPolicy(agency_id=agency.id, **DEMO_POLICIES[code]))
        units = {
            u.code: u.id
            for u in session.execute(select(Unit).where(col(Unit.agency_id) == agency.id)).scalars()
        }
        categories[code] = {}
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
            categories[code][spec["code"]] = row
    session.flush()
    return categories


def story_cases(waves: list[Wave], today: date) -> list[tuple[date, Case]]:
    """The story's cases with the day each was received: in the wave before the
    improvement, when the improvement has taken effect (none otherwise)."""
    index = IMPROVEMENT.wave_index(waves)
    if index >= len(waves) or waves[index].starts_on > today:
        return []
    start = waves[index - 1].starts_on
    return [(start + timedelta(days=days), case) for days, case in STORY_CASES]


def plan(waves: list[Wave], today: date) -> list[tuple[date, Case]]:
    """Every demo case with the day it was received, oldest first."""
    current = [(today - timedelta(days=case.age), case) for case in CASES]
    return sorted(story_cases(waves, today) + current, key=lambda pair: pair[0])


def seed_demo_cases(app: Flask, seed: int = 20261123, waves: int = 5) -> DemoCases:
    """Complaint policies, categories and the demo cases; 0 made when they exist."""
    with session_scope(app) as session:
        agencies = _demo_agencies(session)
    if agencies is None:
        return DemoCases(0, None)
    rng = random.Random(seed)
    today = records.today_for(app)
    wave_list = demo_waves(today, waves)
    cases = plan(wave_list, today)
    sample: tuple[str, str] | None = None
    with app.app_context(), session_scope(app) as session:
        agencies = {code: session.get(Agency, a.id) for code, a in agencies.items()}  # type: ignore[misc]  # read just above: every row exists
        users = {u.email: u for u in session.execute(select(User)).scalars()}
        categories = _categories(session, agencies, users)
        effective = IMPROVEMENT.effective(wave_list)
        seeder = CaseSeeder(app, session, agencies, categories, users, today, effective)
        for index, (received, case) in enumerate(cases):
            filed = seeder.file(index, case, received)
            if case.channel == "online" and case.person is not None:
                sample = (filed.case.case_number, filed.password)  # the latest: to follow
            seeder.play(rng, case, filed.case, received)
        seeder.refresh_open_cases()
    return DemoCases(len(cases), sample)
