"""The demo's counter kiosks: one paired tablet at each counter that takes kiosk answers.

A kiosk answer in the demo is one the kiosk page could have taken: it names its device
(``kiosk_id``), answers only the closed questions the tablet shows
(``collector.kiosk.screens.KIOSK_WIDGETS``; free text is left to the survey page), is
written in the kiosk's questionnaire, and carries no campaign (the tablet is not a
sampled invitation), so it counts in the calendar waves under the channel *Kiosk*.
The devices are registered and paired as the console would leave them; their
credentials are random and thrown away, so a demo user pairs a real tablet by asking the
console for a new pairing code.
"""

from __future__ import annotations

import secrets
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlmodel import col

from collector.access.passwords import hash_password
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Unit
from collector.core.plugins import PluginSet
from collector.kiosk.models import Kiosk
from collector.kiosk.screens import KIOSK_WIDGETS
from collector.kiosk.service import digest
from surveys import Questionnaire

KIOSK_SURVEY = "citizen-satisfaction"
"""The questionnaire every demo kiosk shows."""

DEMO_PIN = "2468"
"""The demo kiosks' staff PIN (README, "The demo"). Demo data only."""


def seed_demo_kiosks(app: Flask, counters: list[tuple[str, str]], since: date) -> dict[str, int]:
    """A paired kiosk at each ``(agency code, unit code)`` counter, paired on ``since``:
    the kiosk ids by ``"agency/unit"``."""
    paired = datetime.combine(since, time(0, 30), tzinfo=UTC)
    ids: dict[str, int] = {}
    with session_scope(app) as session:
        for agency_code, unit_code in counters:
            agency = session.execute(
                select(Agency).where(col(Agency.code) == agency_code)
            ).scalar_one()
            unit = session.execute(
                select(Unit).where(col(Unit.agency_id) == agency.id, col(Unit.code) == unit_code)
            ).scalar_one()
            assert agency.id is not None and unit.id is not None  # stored rows
            kiosk = Kiosk(
                agency_id=agency.id,
                unit_id=unit.id,
                name=f"{unit.name_zh}平板",
                questionnaire=KIOSK_SURVEY,
                credential_hash=digest(secrets.token_urlsafe(32)),
                pin_hash=hash_password(DEMO_PIN, app),
                created_at=paired,
                paired_at=paired,
                queue_length=0,
                app_version="1",
            )
            session.add(kiosk)
            session.flush()
            assert kiosk.id is not None  # flushed
            ids[f"{agency_code}/{unit_code}"] = kiosk.id
        session.commit()
    return ids


def kiosk_answers(
    plugins: PluginSet, questionnaire: Questionnaire, answers: dict[str, Any]
) -> dict[str, Any]:
    """The answers a kiosk could have taken: those to the questions its screens show."""
    shown = {
        q.key
        for q in questionnaire.questions()
        if plugins.question_type(questionnaire, q.key).widget in KIOSK_WIDGETS
    }
    return {key: value for key, value in answers.items() if key in shown}


def record_contact(app: Flask, kiosks: dict[str, int], last: dict[int, datetime]) -> None:
    """Each kiosk's last contact: its last answer (a kiosk without answers keeps none)."""
    with session_scope(app) as session:
        for kiosk_id in kiosks.values():
            kiosk = session.get(Kiosk, kiosk_id)
            if kiosk is not None and kiosk_id in last:
                kiosk.last_seen_at = last[kiosk_id]
        session.commit()
