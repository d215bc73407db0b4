"""Storing responses for the results and export tests (through the shared checker)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from collector.answers.records import Submission
from collector.answers.submission import submit
from collector.core.clock import utcnow
from collector.core.db import session_scope
from collector.core.models import Agency, Response, Unit
from collector.core.plugins import get_plugins
from collector.core.questionnaires import current_version, definition_of
from tests.conftest import CITIZEN_ANSWERS

SLUG = "citizen-satisfaction"


def add_responses(
    app: Flask,
    agency_code: str,
    unit_code: str | None = "c1",
    count: int = 1,
    *,
    channel: str = "online",
    days_ago: int = 0,
    campaign_id: int | None = None,
    **answers: Any,
) -> list[str]:
    """``count`` citizen-satisfaction responses (CITIZEN_ANSWERS with ``answers`` on top)."""
    receipts = []
    with app.app_context():
        plugins = get_plugins(app)
        with session_scope(app) as session:
            agency = session.execute(select(Agency).where(Agency.code == agency_code)).scalar_one()
            unit = None
            if unit_code:
                unit = session.execute(
                    select(Unit).where(Unit.agency_id == agency.id, Unit.code == unit_code)
                ).scalar_one()
            version = current_version(app, session, SLUG)
            session.expunge_all()
        assert version is not None
        questionnaire = definition_of(version)
        for _ in range(count):
            saved = submit(
                app,
                plugins,
                questionnaire,
                Submission(
                    questionnaire=version,
                    agency=agency,
                    unit=unit,
                    channel=channel,
                    language="zh-Hant-TW",
                    answers={**CITIZEN_ANSWERS, **answers},
                    campaign_id=campaign_id,
                ),
            )
            receipts.append(saved.receipt)
    if days_ago:
        with session_scope(app) as session:
            session.execute(
                update(Response)
                .where(Response.receipt.in_(receipts))  # type: ignore[attr-defined]
                .values(submitted_at=utcnow() - timedelta(days=days_ago))
            )
    return receipts
