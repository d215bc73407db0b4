"""Campaigns stored directly for tests (bypassing the pages under test elsewhere)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select

from collector.campaigns.service import link_token
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.core.questionnaires import current_version

SLUG = "citizen-satisfaction"


def make_campaign(
    app: Flask,
    agency_code: str = "alpha",
    *,
    status: str = "open",
    starts_on: date = date(2026, 11, 1),
    ends_on: date = date(2026, 12, 31),
    units: tuple[str, ...] = ("c1",),
    title: str = "2026 臨櫃滿意度調查",
    slug: str = SLUG,
) -> dict[str, Any]:
    """A campaign of ``agency_code`` for ``units``; ids, the first unit and its token."""
    with session_scope(app) as session:
        agency = session.execute(select(Agency).where(Agency.code == agency_code)).scalar_one()
        with app.app_context():
            version = current_version(app, session, slug)
        assert isinstance(version, QuestionnaireVersion)
        campaign = Campaign(
            agency_id=agency.id,
            questionnaire_version_id=version.id,
            title=title,
            starts_on=starts_on,
            ends_on=ends_on,
            status=status,
            target_n=1068,
            margin=0.03,
            confidence=0.95,
        )
        session.add(campaign)
        session.flush()
        unit_ids = []
        for code in units:
            unit = session.execute(
                select(Unit).where(Unit.agency_id == agency.id, Unit.code == code)
            ).scalar_one()
            session.add(CampaignUnit(campaign_id=campaign.id, unit_id=unit.id))
            unit_ids.append(unit.id)
        session.flush()
        campaign_id = campaign.id
    with app.app_context():
        token = link_token(campaign_id, unit_ids[0], app)
    return {
        "campaign_id": campaign_id,
        "unit_id": unit_ids[0],
        "unit_ids": unit_ids,
        "token": token,
    }
