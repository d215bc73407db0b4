"""Survey answers for tests: a complete citizen-satisfaction answer set, an API body, and
responses stored through the shared checker (for the results and export tests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy import update

from collector.answers.records import Submission
from collector.answers.submission import submit
from collector.core.clock import utcnow
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Response
from collector.core.models import Unit
from collector.core.plugins import get_plugins
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from surveys.examples import CITIZEN_ANSWERS as EXAMPLE

SLUG = "citizen-satisfaction"

CITIZEN_ANSWERS: dict[str, Any] = {**EXAMPLE, "comment": "櫃台很親切 𠊎"}
"""The example response, with a comment outside the Basic Multilingual Plane (Hakka)."""

PAPER_KEYED: dict[str, str] = {
    "service_type": "2",  # certificate
    "first_visit": "2",  # no
    "env_signage": "4",
    "env_comfort": "5",
    "env_facilities": "n",
    "courtesy_attitude": "5",
    "courtesy_proactive": "4",
    "prof_knowledge": "4",
    "prof_efficiency": "3",
    "prof_consistency": "4",
    "measures_online": "0",
    "measures_information": "4",
    "measures_wait": "2",
    "overall_satisfaction": "4",
    "recommend": "8",
    "comment": "字很小",
    "sex": "2",  # female
    "age_group": "7",  # 65plus
}
"""A paper citizen-satisfaction questionnaire as counter staff key it in (``/staff/paper/entry``)."""


def api_body(**overrides: Any) -> dict[str, Any]:
    """A complete, valid ``POST /api/v1/responses`` body for agency alpha, unit c1."""
    data = {
        "questionnaire": SLUG,
        "agency": "alpha",
        "unit": "c1",
        "channel": "online",
        "language": "zh-Hant-TW",
        "answers": dict(CITIZEN_ANSWERS),
    }
    data.update(overrides)
    return data


def retried(client: Any, key: str, body: dict[str, Any]) -> None:
    """Post ``body`` to the API twice with one ``Idempotency-Key``: both are 201 with one
    receipt, and the second says it was replayed."""
    headers = {"Idempotency-Key": key}
    first = client.post("/api/v1/responses", json=body, headers=headers)
    second = client.post("/api/v1/responses", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["receipt"] == second.get_json()["receipt"]
    assert second.headers["Idempotent-Replayed"] == "true"


def add_responses(
    app: Flask,
    agency_code: str,
    unit_code: str | None = "c1",
    count: int = 1,
    *,
    channel: str = "online",
    days_ago: int = 0,
    campaign_id: int | None = None,
    batch: str | None = None,
    entered_by: int | None = None,
    **answers: Any,
) -> list[str]:
    """``count`` citizen-satisfaction responses (CITIZEN_ANSWERS with ``answers`` on top);
    keyed-in ones (``channel="paper"``) with their ``batch`` and who keyed them."""
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
                    batch=batch,
                    entered_by=entered_by,
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


def make_keyed(app: Flask, agency_code: str = "alpha") -> dict[str, Any]:
    """A paper questionnaire keyed in at ``agency_code``'s c1, for the routes of one keyed
    questionnaire: ``{"response_id": id}``."""
    (receipt,) = add_responses(app, agency_code, "c1", channel="paper", batch="B-1")
    with session_scope(app) as session:
        found = session.execute(select(Response.id).where(Response.receipt == receipt))  # type: ignore[arg-type]
        return {"response_id": found.scalar_one()}
