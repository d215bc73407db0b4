"""The demo's survey campaigns: one per agency, questionnaire and wave, made through
the campaign service as an agency administrator would make them.

Each campaign has a sampling design an evaluator can check: the target comes
from a ±5-point margin at 95 % confidence with the finite-population correction
for the visitors of the half-year, allocated to the units in proportion to their
visitors. Past waves' campaigns are closed; the current wave's are open, so their
QR links (``/c/<token>``) work at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.campaigns.service import NewCampaign
from collector.campaigns.service import compute_target
from collector.campaigns.service import create_campaign
from collector.campaigns.service import set_status
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.demo import datafiles
from collector.demo.lookup import admin_actor
from collector.demo.lookup import unit_ids
from collector.demo.lookup import units_by_code
from collector.demo.waves import Wave


@dataclass(frozen=True)
class Design:
    """How one agency samples one questionnaire each wave."""

    agency: str
    slug: str
    title: str  # after the wave's name: 115年下半年 + title
    population: dict[str, int]  # unit code -> visitors (or cases) in a half-year
    margin: float
    instructions: str


DESIGNS = [Design(**entry) for entry in datafiles.read("designs")]
"""Every campaign the demo runs, each wave."""


@dataclass(frozen=True)
class DemoCampaign:
    """A stored demo campaign and what its units are to collect."""

    id: int
    design: Design
    wave: Wave
    targets: dict[str, int]  # unit code -> target


def _allocate(total: int, population: dict[str, int]) -> dict[str, int]:
    """Proportional allocation, each unit's share rounded up."""
    whole = sum(population.values())
    return {code: math.ceil(total * n / whole) for code, n in population.items()}


def _created_at(starts_on: date) -> datetime:
    """Campaigns are prepared two weeks before their wave (10:00 in Taiwan)."""
    return datetime.combine(starts_on - timedelta(days=14), time(2, 0), tzinfo=UTC)


def seed_campaigns(
    app: Flask,
    session: Session,
    waves: list[Wave],
    versions: dict[str, QuestionnaireVersion],
    today: date,
) -> list[DemoCampaign]:
    """Every design's campaign for every wave; the current wave's stay open."""
    agencies = {a.code: a for a in session.execute(select(Agency)).scalars()}
    made: list[DemoCampaign] = []
    for design in DESIGNS:
        version = versions.get(design.slug)
        agency = agencies.get(design.agency)
        if version is None or agency is None:
            continue  # the questionnaire's plugin is not loaded
        assert version.id is not None and agency.id is not None  # stored rows
        actor = admin_actor(session, design.agency)
        units = units_by_code(session, agency.id)
        plan = compute_target(design.margin, 0.95, population=sum(design.population.values()))
        targets = _allocate(plan.target, design.population)
        ids = unit_ids(units)
        by_id = {ids[code]: unit for code, unit in units.items()}
        for wave in waves:
            new = NewCampaign(
                title=f"{wave.label_zh}{design.title}",
                questionnaire_version_id=version.id,
                unit_ids=[ids[code] for code in design.population],
                starts_on=wave.starts_on,
                ends_on=wave.ends_on,
                target_n=plan.target,
                sampling_instructions=design.instructions,
                margin=design.margin,
                confidence=0.95,
                population=sum(design.population.values()),
                design_effect=None,
                unit_targets={ids[c]: t for c, t in targets.items()},
                unit_populations={ids[c]: n for c, n in design.population.items()},
            )
            campaign = create_campaign(session, new, agency_id=agency.id, units=by_id, actor=actor)
            campaign.created_at = _created_at(wave.starts_on)
            set_status(session, campaign, "open", actor=actor)
            if wave.ends_on < today:
                set_status(session, campaign, "closed", actor=actor)
            assert campaign.id is not None  # flushed by the service
            made.append(DemoCampaign(campaign.id, design, wave, targets))
    session.flush()
    return made


def open_links(session: Session, today: date) -> list[tuple[Campaign, Agency, Unit]]:
    """The demo agencies' campaigns taking responses today, with each of their units
    (oldest campaign first), to print their QR links."""
    rows = session.execute(
        select(Campaign, Agency, Unit)
        .join(Agency, col(Agency.id) == Campaign.agency_id)
        .join(CampaignUnit, col(CampaignUnit.campaign_id) == Campaign.id)
        .join(Unit, col(Unit.id) == CampaignUnit.unit_id)
        .where(
            col(Agency.code).in_(sorted({d.agency for d in DESIGNS})),
            col(Campaign.status) == "open",
            col(Campaign.starts_on) <= today,
            col(Campaign.ends_on) >= today,
        )
        .order_by(col(Campaign.id), col(Unit.id))
    ).all()
    return [(campaign, agency, unit) for campaign, agency, unit in rows]
