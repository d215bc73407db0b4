"""The demo organisation and its citizens' answers, wave by wave.

A ministry-level city government with a land office and a household registration
office, three counters each. Every campaign of ``collector.demo.campaigns`` gets
its responses: in a past wave somewhat more than each unit's target, in the
current wave as many as the working days so far allow. Responses fall on office
days and hours; QR and paper answers record their campaign (paper ones their batch
and the counter clerk who keyed them); online answers from the agency's website and
kiosk answers none, kiosk ones their device (``collector.demo.kiosks``). What the
answers say comes from ``collector.demo.story``.
"""

from __future__ import annotations

import math
import random
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from functools import partial
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlmodel import col

from collector.answers.records import Prepared
from collector.answers.records import Submission
from collector.answers.submission import InvalidSubmission
from collector.answers.submission import prepare
from collector.answers.writer import insert_batch
from collector.core.db import get_engine
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.core.models import User
from collector.core.plugins import get_plugins
from collector.core.questionnaires import definition_of
from collector.core.workdays import taiwan_calendar
from collector.demo import datafiles
from collector.demo import story
from collector.demo.campaigns import DemoCampaign
from collector.demo.comments import Recent
from collector.demo.kiosks import KIOSK_SURVEY
from collector.demo.kiosks import kiosk_answers
from collector.demo.kiosks import record_contact
from collector.demo.kiosks import seed_demo_kiosks
from collector.demo.respondents import Respondent
from collector.demo.respondents import answers_for
from collector.demo.waves import Wave
from collector.demo.waves import office_days

ORGANISATION = datafiles.read("organisation")
MINISTRY = (
    ORGANISATION["ministry"]["code"],
    ORGANISATION["ministry"]["name_zh"],
    ORGANISATION["ministry"]["name_en"],
)
AGENCIES: list[dict[str, Any]] = ORGANISATION["agencies"]

CHANNELS: dict[str, list[tuple[str, float]]] = {
    "demo-land/reg": [("qr", 0.5), ("paper", 0.25), ("kiosk", 0.15), ("online", 0.1)],
    "demo-household/main": [("qr", 0.5), ("paper", 0.25), ("kiosk", 0.15), ("online", 0.1)],
    "": [("qr", 0.6), ("paper", 0.3), ("online", 0.1)],
}
"""How answers arrive, by unit: only the two main counters have a kiosk, showing
:data:`collector.demo.kiosks.KIOSK_SURVEY` (other questionnaires there: QR instead)."""

OVERSHOOT = (1.3, 1.45)
"""A closed wave ends with this many times its target in answers, online and kiosk ones
(outside the campaign) included: counters keep inviting until the last day."""
ENGLISH = 0.04
"""The share of visitors who answer in English."""


def ensure_agencies(app: Flask) -> tuple[list[Agency], dict[str, list[Unit]]] | None:
    """The demo ministry, agencies and units; None when the ministry exists already."""
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
        units: dict[str, list[Unit]] = {}
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
            for code, zh, en in spec["units"]:
                unit = Unit(agency_id=agency.id, code=code, name_zh=zh, name_en=en)
                session.add(unit)
                session.flush()
                units[agency.code].append(unit)
        return agencies, units


def _moment(rng: random.Random, day: date) -> datetime:
    """A moment in office hours (08:30 to 17:00 in Taiwan, UTC+8) on ``day``."""
    minutes = rng.randint(30, 540)  # 00:30 to 09:00 UTC
    return datetime.combine(day, time(0, 0), tzinfo=UTC) + timedelta(minutes=minutes)


def _channel(rng: random.Random, agency: str, unit: str, slug: str) -> str:
    pairs = CHANNELS.get(f"{agency}/{unit}", CHANNELS[""])
    channel = rng.choices([c for c, _ in pairs], [w for _, w in pairs])[0]
    return "qr" if channel == "kiosk" and slug != KIOSK_SURVEY else channel


def _season(day: date) -> float:
    """Summer is the busy season (school-year moves, ID cards before travel): a small dip."""
    return -0.08 if day.month in (7, 8) else 0.0


class ResponseSeeder:
    """Makes the responses of every demo campaign, in one deterministic order."""

    def __init__(self, app: Flask, rng: random.Random, waves: list[Wave], today: date) -> None:
        self.app, self.rng, self.waves, self.today = app, rng, waves, today
        self.plugins = get_plugins(app)
        self.calendar = taiwan_calendar()
        self.effective = story.IMPROVEMENT.effective(waves)
        self.recent = Recent()
        with session_scope(app) as session:
            self.agencies = {a.code: a for a in session.execute(select(Agency)).scalars()}
            self.units = {
                (a.code, u.code): u
                for a in self.agencies.values()
                for u in session.execute(select(Unit).where(col(Unit.agency_id) == a.id)).scalars()
            }
            self.clerks = {
                u.agency_id: u.id
                for u in session.execute(
                    select(User).where(col(User.role) == "counter_staff")
                ).scalars()
            }
            session.expunge_all()
        counters = [(a, u) for a, u in (key.split("/") for key in CHANNELS if key)]
        self.kiosks = seed_demo_kiosks(app, counters, waves[0].starts_on)
        self.last_contact: dict[int, datetime] = {}

    def seed(self, campaigns: list[DemoCampaign], versions: dict[str, QuestionnaireVersion]) -> int:
        total = 0
        for campaign in campaigns:
            batch = self._campaign(campaign, versions[campaign.design.slug])
            for start in range(0, len(batch), 2000):
                insert_batch(get_engine(self.app), batch[start : start + 2000])
            total += len(batch)
        record_contact(self.app, self.kiosks, self.last_contact)
        return total

    def _campaign(self, campaign: DemoCampaign, version: QuestionnaireVersion) -> list[Prepared]:
        rng = self.rng
        wave = campaign.wave
        index = self.waves.index(wave)
        days = office_days(wave, min(self.today, wave.ends_on + timedelta(days=1)), self.calendar)
        every = office_days(wave, wave.ends_on + timedelta(days=1), self.calendar)
        if not days:
            return []
        share = len(days) / len(every)
        agency = self.agencies[campaign.design.agency]
        questionnaire = definition_of(version)
        visits: list[tuple[datetime, date, str]] = []
        for code, target in campaign.targets.items():
            for _ in range(math.floor(target * rng.uniform(*OVERSHOOT) * share)):
                day = rng.choice(days)
                visits.append((_moment(rng, day), day, code))
        visits.sort()  # in the order of the visits, so that comments do not repeat closely
        batch: list[Prepared] = []
        for when, day, code in visits:
            unit = self.units[(agency.code, code)]
            after = story.improved(agency.code, code, day, self.effective)
            mean = story.latent_mean(agency.code, code, index) + _season(day)
            respondent = Respondent(
                agency=agency.code,
                unit=code,
                day=day,
                language="en" if rng.random() < ENGLISH else "zh-Hant-TW",
                latent=rng.gauss(mean, story.NOISE),
                after=after,
                offset=partial(story.item_offset, agency.code, code, after=after),
            )
            office, counter = (agency.code, version.slug), (agency.code, version.slug, code)
            raw = answers_for(
                rng,
                questionnaire,
                self.plugins,
                respondent,
                story.ITEM_NOISE,
                self.recent.of(office, counter),
            )
            self.recent.add(raw.get(questionnaire.analysis.comment or ""), office, counter)
            channel = _channel(rng, agency.code, code, version.slug)
            kiosk = self.kiosks.get(f"{agency.code}/{code}") if channel == "kiosk" else None
            if kiosk is not None:
                raw = kiosk_answers(self.plugins, questionnaire, raw)
            submission = Submission(
                questionnaire=version,
                agency=agency,
                unit=unit,
                channel=channel,
                language=respondent.language,
                answers=raw,
                started_at=when - timedelta(seconds=rng.randint(70, 420)),
                campaign_id=None if channel in ("online", "kiosk") else campaign.id,
                kiosk_id=kiosk,
                client_submitted_at=when if kiosk is not None else None,
            )
            if channel == "paper":
                submission.batch = f"{wave.roc_year}{day.month:02d}-{code}"
                submission.entered_by = self.clerks.get(agency.id)
            try:
                prepared = prepare(self.plugins, questionnaire, submission)
            except InvalidSubmission:
                continue  # a generated answer broke an agency's rule: not stored
            prepared.submitted_at = when
            if kiosk is not None:
                self.last_contact[kiosk] = max(when, self.last_contact.get(kiosk, when))
            batch.append(prepared)
        return batch
