"""The console's kiosk pages (collector.kiosk.console_views): the last contact in the
agencies' local time, written as the console writes dates (the ROC year in Chinese)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import Flask

from tests.helpers.kiosk import ADMIN
from tests.helpers.kiosk import paired_tablet
from tests.helpers.staff import Clock
from tests.helpers.web import login


def test_last_contact_is_shown_in_taipei_time(staff_app: Flask, clock: Clock) -> None:
    tablet, kiosk_id = paired_tablet(staff_app)
    clock.now = datetime(2026, 12, 3, 6, 5, tzinfo=UTC)  # 14:05 in Taipei
    assert tablet.post("/kiosk/api/contact", headers={"X-Kiosk-Queue": "2"}).status_code == 204
    client, _auth = login(staff_app, ADMIN)
    listing = client.get("/staff/kiosks").text
    assert "民國115年12月3日 14:05" in listing
    assert "06:05" not in listing and "UTC" not in listing
    page = client.get(f"/staff/kiosks/{kiosk_id}").text
    assert "民國115年12月3日 14:05" in page
    english = client.get("/staff/kiosks?lang=en").text
    assert "Dec 3, 2026, 2:05:00\u202fPM" in english or "Dec 3, 2026, 2:05:00 PM" in english


def test_the_quiet_kiosks_panel_says_local_time(staff_app: Flask, clock: Clock) -> None:
    tablet, _kiosk_id = paired_tablet(staff_app)
    clock.now = datetime(2026, 12, 3, 6, 5, tzinfo=UTC)
    tablet.post("/kiosk/api/contact")
    clock.advance(hours=3)  # quiet for longer than KIOSK_QUIET_MINUTES
    client, _auth = login(staff_app, ADMIN)
    home = client.get("/staff/").text
    assert "最後連線 民國115年12月3日 14:05" in home


def test_the_kiosk_page_names_its_questionnaire_by_title(staff_app: Flask) -> None:
    _tablet, kiosk_id = paired_tablet(staff_app)
    client, _auth = login(staff_app, ADMIN)
    page = client.get(f"/staff/kiosks/{kiosk_id}").text
    assert "<dd>民眾服務滿意度調查</dd>" in page and "citizen-satisfaction<" not in page
    english = client.get(f"/staff/kiosks/{kiosk_id}?lang=en").text
    assert "<dd>Citizen Service Satisfaction Survey</dd>" in english
