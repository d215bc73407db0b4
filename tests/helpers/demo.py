"""The demo seeded for tests (``collector demo`` on a fixed day), and what it stored,
read back as plain rows so that several tests can look at one seeding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import aliased

from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintEvent
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import StaffInvitation
from collector.core.models import Unit
from collector.kiosk.models import Kiosk
from tests.helpers.staff import FAST_HASH

DEMO_NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
"""Monday 23 November 2026, 10:00 in Taiwan: the demo's waves are 113年下半年 to 115年下半年."""
DEMO_TODAY = date(2026, 11, 23)


def demo_app(make_app: Any, tmp_path: Path, *args: str) -> Flask:
    """An app on the test's database with the demo seeded on :data:`DEMO_NOW`; without the
    complaint history (``--no-case-history``) unless ``--case-history`` is asked."""
    app = make_app(
        CLOCK=lambda: DEMO_NOW,
        PASSWORD_HASH=FAST_HASH,
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    if "--case-history" not in args:
        args = (*args, "--no-case-history")
    result = app.test_cli_runner().invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    app.config["DEMO_OUTPUT"] = result.output
    return app


@dataclass(frozen=True)
class Answer:
    """One stored response, flattened."""

    slug: str
    agency: str
    unit: str | None
    campaign: str | None  # the campaign's title
    channel: str
    language: str
    submitted_at: datetime
    batch: str | None
    entered_by: int | None
    kiosk: tuple[str, str, str] | None  # the device's agency, unit and questionnaire
    numbers: dict[str, float | None]
    texts: dict[str, str | None]

    def rating(self, key: str) -> int | None:
        value = self.numbers.get(key)
        return None if value is None else int(value)


@dataclass(frozen=True)
class Case:
    number: str
    agency: str
    category: str
    category_agency: str
    unit: str | None
    status: str
    outcome: str | None
    language: str
    subject: str
    description: str
    replies: list[str]


@dataclass(frozen=True)
class DemoCampaign:
    id: int
    title: str
    agency: str
    slug: str
    status: str
    starts_on: date
    ends_on: date
    target_n: int
    invited: int
    used: int


@dataclass(frozen=True)
class DemoData:
    answers: list[Answer]
    cases: list[Case]
    campaigns: list[DemoCampaign]
    output: str


def read_demo(app: Flask) -> DemoData:
    """Everything the demo stored that the tests look at."""
    with session_scope(app) as session:
        agencies = {a.id: a.code for a in session.execute(select(Agency)).scalars()}
        units = {u.id: u.code for u in session.execute(select(Unit)).scalars()}
        slugs = {v.id: v.slug for v in session.execute(select(QuestionnaireVersion)).scalars()}
        campaigns = {c.id: c for c in session.execute(select(Campaign)).scalars()}
        kiosks = {
            k.id: (agencies[k.agency_id], units[k.unit_id], k.questionnaire)
            for k in session.execute(select(Kiosk)).scalars()
        }
        answers = [
            Answer(
                slug=slugs[r.questionnaire_version_id],
                agency=agencies[r.agency_id],
                unit=units.get(r.unit_id) if r.unit_id else None,
                campaign=campaigns[r.campaign_id].title if r.campaign_id else None,
                channel=r.channel,
                language=r.language,
                submitted_at=r.submitted_at,
                batch=r.batch,
                entered_by=r.entered_by,
                kiosk=kiosks[r.kiosk_id] if r.kiosk_id else None,
                numbers={k: v[0][0] for k, v in r.answers.items() if v},
                texts={k: v[0][1] for k, v in r.answers.items() if v},
            )
            for r in session.execute(select(Response)).scalars()
        ]
        replies: dict[int, list[str]] = {}
        for event in session.execute(
            select(ComplaintEvent).where(ComplaintEvent.kind == "reply")
        ).scalars():
            replies.setdefault(event.complaint_id, []).append(event.body)
        category = aliased(ComplaintCategory)
        cases = [
            Case(
                number=c.case_number,
                agency=agencies[c.agency_id],
                category=cat.code,
                category_agency=agencies[cat.agency_id],
                unit=units.get(c.unit_id) if c.unit_id else None,
                status=c.status,
                outcome=c.outcome,
                language=c.language,
                subject=c.subject,
                description=c.description,
                replies=replies.get(c.id, []),
            )
            for c, cat in session.execute(
                select(Complaint, category).join(category, category.id == Complaint.category_id)
            ).all()
        ]
        invitations: dict[int, list[bool]] = {}
        for invitation in session.execute(select(StaffInvitation)).scalars():
            invitations.setdefault(invitation.campaign_id, []).append(invitation.used)
        stored_campaigns = [
            DemoCampaign(
                id=c.id,
                title=c.title,
                agency=agencies[c.agency_id],
                slug=slugs[c.questionnaire_version_id],
                status=c.status,
                starts_on=c.starts_on,
                ends_on=c.ends_on,
                target_n=c.target_n,
                invited=len(invitations.get(c.id, [])),
                used=sum(invitations.get(c.id, [])),
            )
            for c in campaigns.values()
            if c.id is not None
        ]
    return DemoData(answers, cases, stored_campaigns, app.config.get("DEMO_OUTPUT", ""))


def top_two(answers: list[Answer], key: str) -> float:
    """The share (0-100) of ratings of ``key`` that are 4 or 5, "not applicable" left out."""
    ratings = [a.rating(key) for a in answers if a.rating(key) is not None]
    assert ratings, f"no ratings of {key}"
    return 100 * sum(1 for r in ratings if r is not None and r >= 4) / len(ratings)
