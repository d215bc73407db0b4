"""The tablet's endpoints (collector.kiosk.device_views): pairing, sending queued answers
once each, the device's limits, a revoked credential refused at once."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Response
from collector.kiosk.models import Kiosk
from tests.helpers.database import audit_events
from tests.helpers.kiosk import pair
from tests.helpers.kiosk import paired_tablet
from tests.helpers.kiosk import queued
from tests.helpers.kiosk import register
from tests.helpers.kiosk import send
from tests.helpers.web import csrf_token
from tests.helpers.web import login


def kiosk_responses(app: Flask) -> list[Response]:
    with session_scope(app) as session:
        return list(session.execute(select(Response).where(Response.channel == "kiosk")).scalars())


def test_pairing_gives_an_httponly_cookie_scoped_to_the_kiosk(staff_app: Flask) -> None:
    _kiosk_id, code = register(staff_app)
    tablet = staff_app.test_client()
    answer = pair(tablet, code.lower().replace("-", " "))
    assert answer.status_code == 303
    cookie = answer.headers["Set-Cookie"]
    assert "collector_kiosk=" in cookie and "HttpOnly" in cookie and "Path=/kiosk" in cookie
    assert "SameSite=Strict" in cookie
    assert tablet.get("/kiosk/").status_code == 200
    # The code is used up.
    again = pair(staff_app.test_client(), code)
    assert again.status_code == 422
    assert [e.target for e in audit_events(staff_app, "kiosk.paired")] == [f"kiosk:{_kiosk_id}"]


def test_an_unpaired_browser_is_sent_to_pairing(staff_app: Flask) -> None:
    client = staff_app.test_client()
    assert client.get("/kiosk/").headers["Location"].endswith("/kiosk/pair")
    assert send(client, queued()).status_code == 401


def test_a_queued_answer_is_stored_once_with_device_and_client_time(staff_app: Flask) -> None:
    tablet, kiosk_id = paired_tablet(staff_app)
    item = queued()
    first, second = send(tablet, item, queue=3), send(tablet, item, queue=2)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json["receipt"] == second.json["receipt"]
    [stored] = kiosk_responses(staff_app)
    assert stored.kiosk_id == kiosk_id
    assert stored.client_submitted_at is not None
    assert stored.client_submitted_at.isoformat()[:19] == item["submitted_at"][:19]
    with session_scope(staff_app) as session:
        kiosk = session.get(Kiosk, kiosk_id)
        assert kiosk is not None
        assert (kiosk.queue_length, kiosk.app_version) == (2, "1.0")
        assert kiosk.last_seen_at is not None


def test_too_fast_and_invalid_answers_are_refused(staff_app: Flask) -> None:
    tablet, _ = paired_tablet(staff_app)
    assert send(tablet, queued(seconds=1)).status_code == 422
    bad = queued(answers={"overall_satisfaction": "9"})
    assert send(tablet, bad).status_code == 422
    assert send(tablet, queued(key="short")).status_code == 400
    assert kiosk_responses(staff_app) == []


def test_the_rate_limit_counts_per_device(make_app, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers.database import STAFF

    app = make_app(seed=STAFF, CLOCK=clock, KIOSK_RESPONSES_LIMIT="2 per hour")
    tablet, _ = paired_tablet(app)
    other, _ = paired_tablet(app, unit="c2")
    assert [send(tablet, queued()).status_code for _ in range(3)] == [201, 201, 429]
    assert send(other, queued()).status_code == 201


def test_a_revoked_kiosk_is_refused_on_its_next_request(staff_app: Flask) -> None:
    tablet, kiosk_id = paired_tablet(staff_app)
    assert send(tablet, queued()).status_code == 201
    client, _auth = login(staff_app, "admin@alpha.example.test")
    page = client.get(f"/staff/kiosks/{kiosk_id}")
    answer = client.post(
        f"/staff/kiosks/{kiosk_id}/revoke", data={"csrf_token": csrf_token(page.text)}
    )
    assert answer.status_code == 303
    assert send(tablet, queued()).status_code == 401
    assert tablet.get("/kiosk/").status_code == 302
    assert [e.target for e in audit_events(staff_app, "kiosk.revoked")] == [f"kiosk:{kiosk_id}"]


def test_the_staff_pin_leaves_kiosk_mode(staff_app: Flask) -> None:
    tablet, _ = paired_tablet(staff_app)
    assert tablet.post("/kiosk/api/leave", json={"pin": "0000"}).status_code == 403
    assert tablet.post("/kiosk/api/leave", json={"pin": "246810"}).status_code == 204
    assert len(audit_events(staff_app, "kiosk.left")) == 1


def test_the_page_carries_every_configured_language(staff_app: Flask) -> None:
    tablet, _ = paired_tablet(staff_app)
    page = tablet.get("/kiosk/")
    assert page.headers["Cache-Control"] == "no-store"
    assert '"zh-Hant-TW"' in page.text and '"en"' in page.text
    assert "<script>" not in page.text  # no inline script: the data is JSON
    assert "service_type_other" not in page.text  # free text stays off the kiosk


def test_the_kiosk_page_and_assets_are_gzipped_and_its_text_is_utf8(staff_app: Flask) -> None:
    import gzip

    tablet, _kiosk_id = paired_tablet(staff_app)
    plain = tablet.get("/kiosk/")
    assert "Content-Encoding" not in plain.headers  # the client did not ask
    assert "เริ่มตอบ" in plain.text and "\\u0e40" not in plain.text  # UTF-8, not escapes
    for path in ("/kiosk/", "/kiosk/static/kiosk.js", "/kiosk/static/kiosk.css", "/kiosk/sw.js"):
        packed = tablet.get(path, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.vary
        assert len(gzip.decompress(packed.data)) > len(packed.data)
    assert gzip.decompress(tablet.get("/kiosk/", headers={"Accept-Encoding": "gzip"}).data) == (
        plain.data
    )
    # The pairing page holds a CSRF token: never compressed (BREACH).
    pairing = staff_app.test_client().get("/kiosk/pair", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in pairing.headers


def test_the_kiosk_and_every_page_share_one_font_stylesheet(staff_app: Flask) -> None:
    """The fonts of each language live in /static/fonts.css alone: the kiosk and the
    other pages link it before their own stylesheet, and the kiosk keeps it offline."""
    tablet, _ = paired_tablet(staff_app)
    kiosk = tablet.get("/kiosk/").text
    survey = staff_app.test_client().get("/s/alpha/c1/citizen-satisfaction").text
    for page, own in ((kiosk, "/kiosk/static/kiosk.css"), (survey, "/static/style.css")):
        assert page.index('href="/static/fonts.css"') < page.index(f'href="{own}"')
    fonts = tablet.get("/static/fonts.css")
    assert fonts.status_code == 200 and ":lang(th)" in fonts.text
    for own in ("/kiosk/static/kiosk.css", "/static/style.css"):
        assert ":lang(" not in tablet.get(own).text  # said once, in fonts.css
    assert '"../static/fonts.css"' in tablet.get("/kiosk/sw.js").text
