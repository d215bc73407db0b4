"""The demo's internal staff surveys: one a year per agency, in October, through the
staff-survey service.

Each survey hands out links by head-count per unit (as an office without a staff
list does), stores the answers of most invitees the way the survey page does
(spending one token per answer, the answer dated to its day and unlinkable), then
closes. A survey whose three weeks have not ended by today is not made.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from functools import partial

from flask import Flask
from sqlalchemy import select
from sqlalchemy import update
from sqlmodel import col

from collector.answers.records import Submission
from collector.answers.submission import InvalidSubmission
from collector.answers.submission import prepare
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import QuestionnaireVersion
from collector.core.models import StaffInvitation
from collector.core.plugins import get_plugins
from collector.core.questionnaires import definition_of
from collector.demo import story
from collector.demo.comments import Recent
from collector.demo.lookup import admin_actor
from collector.demo.lookup import unit_ids
from collector.demo.lookup import units_by_code
from collector.demo.respondents import Respondent
from collector.demo.respondents import answers_for
from collector.demo.waves import ROC_OFFSET
from collector.demo.waves import Wave
from collector.staff_survey import service as staff_survey

HEADCOUNT: dict[str, dict[str, int]] = {
    "demo-land": {"reg": 20, "survey": 18, "info": 8},
    "demo-household": {"main": 16, "branch": 8, "id": 7},
}
"""Staff per unit: who is invited each year."""

TAKE_PART = (0.72, 0.9)
"""The share of invitees who answer (a range: it differs by year and office)."""


@dataclass(frozen=True)
class Fieldwork:
    year: int

    @property
    def starts_on(self) -> date:
        return date(self.year, 10, 1)

    @property
    def ends_on(self) -> date:
        return date(self.year, 10, 21)

    @property
    def title(self) -> str:
        return f"{self.year - ROC_OFFSET}年度內部員工滿意度調查"


def fieldworks(waves: list[Wave], today: date) -> list[Fieldwork]:
    """The October surveys inside the demo's waves that were over by ``today``."""
    years = sorted({w.year for w in waves if w.half == 2})
    return [f for f in (Fieldwork(y) for y in years) if f.ends_on < today]


def seed_staff_surveys(
    app: Flask, rng: random.Random, waves: list[Wave], version: QuestionnaireVersion, today: date
) -> int:
    """Every agency's October surveys; returns how many answers were stored."""
    effective = story.IMPROVEMENT.effective(waves)
    questionnaire = definition_of(version)
    plugins = get_plugins(app)
    stored = 0
    for index, work in enumerate(fieldworks(waves, today)):
        for code, heads in HEADCOUNT.items():
            with session_scope(app) as session:
                agency = session.execute(
                    select(Agency).where(col(Agency.code) == code)
                ).scalar_one()
                actor = admin_actor(session, code)
                units = units_by_code(session, agency.id)
                campaign = staff_survey.create(
                    session,
                    agency=agency,
                    version=version,
                    title=work.title,
                    starts_on=work.starts_on,
                    ends_on=work.ends_on,
                    actor=actor,
                )
                ids = unit_ids(units)
                counts = {ids[c]: n for c, n in heads.items()}
                tokens = staff_survey.issue_counted(session, campaign, counts, actor)
                session.expunge_all()
            assert campaign.id is not None and agency.id is not None  # stored rows
            after = (
                effective is not None
                and work.starts_on >= effective
                and code == story.IMPROVEMENT.agency
            )
            rate = rng.uniform(*TAKE_PART)
            recent = Recent()
            for unit_code, n in heads.items():
                unit = units[unit_code]
                for token in rng.sample(tokens[ids[unit_code]], round(n * rate)):
                    day = work.starts_on + timedelta(days=rng.randint(0, 20))
                    respondent = Respondent(
                        agency=code,
                        unit=None,
                        day=day,
                        language="zh-Hant-TW",
                        latent=rng.gauss(story.STAFF_BASE + story.STAFF_TREND * index, 0.55),
                        after=after,
                        offset=partial(story.staff_offset, code, after=after),
                    )
                    raw = answers_for(rng, questionnaire, plugins, respondent, 0.6, recent.of(code))
                    recent.add(raw.get(questionnaire.analysis.comment or ""), code)
                    submission = Submission(
                        questionnaire=version,
                        agency=agency,
                        unit=unit,
                        channel="online",
                        language="zh-Hant-TW",
                        answers=raw,
                        campaign_id=campaign.id,
                    )
                    try:
                        prepared = prepare(plugins, questionnaire, submission)
                    except InvalidSubmission:
                        continue
                    prepared.submitted_at = datetime.combine(day, time(3, 0), tzinfo=UTC)
                    target = staff_survey.Target(
                        token_hash=staff_survey.hash_token(token),
                        campaign_id=campaign.id,
                        agency_id=agency.id,
                        unit_id=unit.id,
                        version_id=campaign.questionnaire_version_id,
                    )
                    stored += staff_survey.store_answer(app, target, prepared)
            _close(app, campaign.id, agency_code=code, sent=work.starts_on)
    return stored


def _close(app: Flask, campaign_id: int, *, agency_code: str, sent: date) -> None:
    """Close the survey as its administrator would; its links were handed out on its
    first day and the survey was set up two weeks before."""
    with session_scope(app) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None  # made above
        staff_survey.close(session, campaign, admin_actor(session, agency_code))
        campaign.created_at = datetime.combine(sent - timedelta(days=14), time(2, 0), tzinfo=UTC)
        session.add(campaign)
        session.execute(
            update(StaffInvitation)
            .where(col(StaffInvitation.campaign_id) == campaign_id)
            .values(sent_at=datetime.combine(sent, time(1, 0), tzinfo=UTC))
        )
