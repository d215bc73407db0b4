"""Kiosks as staff and tablets make them: registered through the console's page (the
pairing code read off it), paired through the tablet's page, answers sent as kiosk.js
sends them."""

from __future__ import annotations

import re
import secrets
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.organisation import unit_id
from tests.helpers.web import csrf_token
from tests.helpers.web import login

ADMIN = "admin@alpha.example.test"
PIN = "246810"
CODE = re.compile(r'class="receipt-code pairing-code">([0-9A-Z]{4}-[0-9A-Z]{4})<')


def register(
    app: Flask, email: str = ADMIN, unit: str = "c1", name: str = "櫃台 1 平板", pin: str = PIN
) -> tuple[int, str]:
    """Register a kiosk in the console as ``email``: its id and pairing code."""
    client, _auth = login(app, email)
    page = client.get("/staff/kiosks/new")
    assert page.status_code == 200, page.text
    answer = client.post(
        "/staff/kiosks/new",
        data={
            "csrf_token": csrf_token(page.text),
            "name": name,
            "unit": str(unit_id(app, "alpha", unit)),
            "questionnaire": "citizen-satisfaction",
            "pin": pin,
            "pin_again": pin,
        },
    )
    assert answer.status_code == 303, answer.text
    kiosk_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    shown = client.get(answer.headers["Location"])
    match = CODE.search(shown.text)
    assert match, shown.text
    return kiosk_id, match.group(1)


def make_kiosk(app: Flask) -> dict[str, Any]:
    """The access matrix's sample: a kiosk of agency alpha (registered, not paired)."""
    kiosk_id, _code = register(app)
    return {"kiosk_id": kiosk_id}


def pair(client: FlaskClient, code: str) -> Any:
    page = client.get("/kiosk/pair")
    return client.post("/kiosk/pair", data={"csrf_token": csrf_token(page.text), "code": code})


def paired_tablet(app: Flask, **register_args: Any) -> tuple[FlaskClient, int]:
    """A test client holding a paired kiosk's credential, and the kiosk's id."""
    kiosk_id, code = register(app, **register_args)
    tablet = app.test_client()
    answer = pair(tablet, code)
    assert answer.status_code == 303, answer.text
    return tablet, kiosk_id


ANSWERS: dict[str, Any] = {
    "service_type": "certificate",
    "first_visit": "yes",
    "courtesy_attitude": "5",
    "courtesy_proactive": "4",
    "prof_knowledge": "5",
    "prof_efficiency": "4",
    "prof_consistency": "4",
    "measures_online": "na",
    "measures_information": "4",
    "measures_wait": "3",
    "env_signage": "4",
    "env_comfort": "5",
    "env_facilities": "4",
    "overall_satisfaction": "5",
}


def queued(
    key: str | None = None, seconds: float = 40, version: int = 1, **overrides: Any
) -> dict[str, Any]:
    """One queued answer as kiosk.js sends it."""
    sent = datetime.now(UTC) - timedelta(minutes=5)
    return {
        "key": key or secrets.token_hex(18),
        "version": version,
        "language": "zh-Hant-TW",
        "answers": dict(ANSWERS),
        "started_at": (sent - timedelta(seconds=seconds)).isoformat(),
        "submitted_at": sent.isoformat(),
    } | overrides


def send(tablet: FlaskClient, item: dict[str, Any], queue: int = 1) -> Any:
    return tablet.post(
        "/kiosk/api/responses",
        json=item,
        headers={"X-Kiosk-Queue": str(queue), "X-Kiosk-Version": "1.0"},
    )
