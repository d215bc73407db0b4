"""The kiosk's hooks (collector.kiosk.hooks): ``submission_device`` lets only a paired
tablet claim the channel ``kiosk`` on ``POST /api/v1/responses``."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Response
from tests.helpers.answers import api_body
from tests.helpers.database import count_rows
from tests.helpers.kiosk import paired_tablet
from tests.helpers.web import login

PATH = "/api/v1/responses"


def credential(app: Flask) -> tuple[str, int]:
    """A paired tablet's credential (as its cookie holds it) and the kiosk's id."""
    tablet, kiosk_id = paired_tablet(app)
    cookie = tablet.get_cookie("collector_kiosk", path="/kiosk")
    assert cookie is not None
    return cookie.value, kiosk_id


@pytest.mark.parametrize("fast", [True, False])
def test_the_api_refuses_the_kiosk_channel_without_a_device(staff_app: Flask, fast: bool) -> None:
    staff_app.config["API_FAST_PATH"] = fast
    client = staff_app.test_client()
    refused = client.post(PATH, json=api_body(channel="kiosk"))
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"channel"}
    assert "registered device" in refused.get_json()["errors"]["channel"]
    client.set_cookie("collector_kiosk", "guessed")
    forged = client.post(PATH, json=api_body(channel="kiosk"))
    assert forged.status_code == 422 and "channel" in forged.get_json()["errors"]
    assert count_rows(staff_app, Response) == 0
    assert client.post(PATH, json=api_body(channel="qr")).status_code == 201  # others: as before


@pytest.mark.parametrize("fast", [True, False])
def test_a_paired_tablet_may_claim_the_kiosk_channel_and_is_recorded(
    staff_app: Flask, fast: bool
) -> None:
    staff_app.config["API_FAST_PATH"] = fast
    value, kiosk_id = credential(staff_app)
    client = staff_app.test_client()  # the test client sends its own cookies only
    client.set_cookie("collector_kiosk", value)
    stored = client.post(PATH, json=api_body(channel="kiosk"))
    assert stored.status_code == 201, stored.get_json()
    with session_scope(staff_app) as session:
        response = session.execute(select(Response)).scalar_one()
    assert (response.channel, response.kiosk_id) == ("kiosk", kiosk_id)
    # Not for another agency's answers, and not once revoked.
    other = client.post(PATH, json=api_body(channel="kiosk", agency="beta", unit=None))
    assert other.status_code == 422 and "channel" in other.get_json()["errors"]
    admin, auth = login(staff_app, "admin@alpha.example.test")
    page = admin.get(f"/staff/kiosks/{kiosk_id}")
    revoke = admin.post(f"/staff/kiosks/{kiosk_id}/revoke", data={"csrf_token": auth.csrf()})
    assert page.status_code == 200 and revoke.status_code in (302, 303)
    revoked = client.post(PATH, json=api_body(channel="kiosk"))
    assert revoked.status_code == 422 and "channel" in revoked.get_json()["errors"]
