"""Campaigns and staff surveys for tests, made through the services the pages use
(``campaigns.service``, ``staff_survey.service``), as an administrator of the agency."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlmodel import Session

from collector.campaigns.service import NewCampaign
from collector.campaigns.service import create_campaign
from collector.campaigns.service import link_token
from collector.campaigns.service import set_status
from collector.core.db import session_scope
from collector.core.hooktypes import Actor
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit
from collector.core.questionnaires import current_version
from collector.staff_survey import service as staff_survey

SLUG = "citizen-satisfaction"

STEPS = {"draft": (), "open": ("open",), "closed": ("open", "closed")}
"""The status changes that bring a new (draft) campaign to each status."""


def _setting_up(app: Flask, session: Session, agency_code: str, slug: str) -> Any:
    """The agency, an administrator of it (no account: ``test`` in the audit log) and
    the current version of ``slug``."""
    agency = session.execute(select(Agency).where(Agency.code == agency_code)).scalar_one()
    assert agency.id is not None
    admin = Actor(None, "agency_admin", agency.id, frozenset({agency.id}), "test")
    version = current_version(app, session, slug)
    assert isinstance(version, QuestionnaireVersion) and version.id is not None
    return agency, admin, version


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
    **settings: Any,
) -> dict[str, Any]:
    """A campaign of ``agency_code`` for ``units`` (``settings``: more of
    :class:`NewCampaign`, over a target of 1068 for ±3% at 95%); ids, the first unit
    and its token. The staff questionnaire gives an open staff survey instead (its
    ``status`` and ``settings`` do not apply), as the staff-survey page makes one."""
    with app.app_context(), session_scope(app) as session:
        agency, admin, version = _setting_up(app, session, agency_code, slug)
        chosen = {
            code: session.execute(
                select(Unit).where(Unit.agency_id == agency.id, Unit.code == code)
            ).scalar_one()
            for code in units
        }
        unit_ids = [unit.id for unit in chosen.values()]
        if slug == staff_survey.SLUG:
            campaign = staff_survey.create(
                session,
                agency=agency,
                version=version,
                title=title,
                starts_on=starts_on,
                ends_on=ends_on,
                actor=admin,
            )
        else:
            target = {"target_n": 1068, "margin": 0.03, "confidence": 0.95}
            new = NewCampaign(
                title=title,
                questionnaire_version_id=version.id,
                unit_ids=unit_ids,
                starts_on=starts_on,
                ends_on=ends_on,
                **(target | settings),
            )
            units_by_id = {unit.id: unit for unit in chosen.values()}
            campaign = create_campaign(
                session, new, agency_id=agency.id, units=units_by_id, actor=admin
            )
            for step in STEPS[status]:
                set_status(session, campaign, step, actor=admin)
        campaign_id = campaign.id
        assert campaign_id is not None
        token = link_token(campaign_id, unit_ids[0], app)
    return {
        "campaign_id": campaign_id,
        "unit_id": unit_ids[0],
        "unit_ids": unit_ids,
        "token": token,
    }
