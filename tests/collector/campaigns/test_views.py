"""Survey campaigns in the staff console and their signed links (collector.campaigns.views)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.links import DEVELOPMENT_BASE_URL
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.core.models import Response
from collector.core.models import Unit
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.campaigns import make_campaign
from tests.helpers.database import audit_events
from tests.helpers.organisation import agency_id
from tests.helpers.staff import Clock
from tests.helpers.web import Auth
from tests.helpers.web import csrf_token
from tests.helpers.web import form_data
from tests.helpers.web import hidden
from tests.helpers.web import login

ADMIN = "admin@alpha.example.test"
ANALYST = "analyst@alpha.example.test"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SVG = "{http://www.w3.org/2000/svg}"


def unit_ids(app: Flask, agency: str) -> dict[str, int]:
    with session_scope(app) as session:
        rows = session.execute(
            select(Unit.code, Unit.id).where(Unit.agency_id == agency_id(app, agency))
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def campaigns(app: Flask) -> list[Campaign]:
    with session_scope(app) as session:
        rows = list(session.execute(select(Campaign).order_by(Campaign.id)).scalars())
        session.expunge_all()
    return rows


def create_form(app: Flask, auth: Auth, **fields: Any) -> dict[str, Any]:
    units = unit_ids(app, "alpha")
    data: dict[str, Any] = {
        "title": "2026 臨櫃服務滿意度調查",
        "questionnaire": "citizen-satisfaction",
        "units": [str(units["c1"]), str(units["c2"])],
        "starts_on": "2026-11-23",
        "ends_on": "2026-12-31",
        "target_mode": "computed",
        "margin": "3",
        "confidence": "0.95",
        "population": "",
        "design_effect": "1",
        "sampling_instructions": "每第 5 位洽公民眾邀請填答",
        "csrf_token": auth.csrf(),
    }
    data.update(fields)
    return data


# -- creating -------------------------------------------------------------------


def test_home_links_campaigns_for_roles_that_may_read_them(staff_app: Flask) -> None:
    for email, linked in ((ADMIN, True), (ANALYST, True), ("counter@alpha.example.test", False)):
        client, _ = login(staff_app, email)
        assert ('href="/staff/campaigns"' in client.get("/staff/").text) is linked, email


def test_admin_creates_a_campaign_with_a_computed_target(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    form = client.get("/staff/campaigns/new")
    assert form.status_code == 200
    assert "citizen-satisfaction" in form.text and "staff-satisfaction" not in form.text
    assert 'type="checkbox"' in form.text and "第一櫃台" in form.text
    response = client.post("/staff/campaigns/new", data=create_form(staff_app, auth))
    assert response.status_code == 303, response.text
    (campaign,) = campaigns(staff_app)
    assert campaign.agency_id == agency_id(staff_app, "alpha")
    assert campaign.status == "draft"
    assert campaign.target_n == 1068
    assert campaign.margin == 0.03 and campaign.confidence == 0.95
    assert campaign.sampling_instructions == "每第 5 位洽公民眾邀請填答"
    assert response.headers["Location"].endswith(f"/staff/campaigns/{campaign.id}")
    page = client.get(response.headers["Location"]).text
    assert "1,068" in page and "n0 = z²" in page and "每第 5 位" in page
    assert page.count("/c/") == 2  # one signed link per unit
    (event,) = audit_events(staff_app, "campaign.created")
    assert event.actor_label == ADMIN and event.target == f"campaign:{campaign.id}"


def test_compute_shows_the_target_and_stores_nothing(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    data = create_form(staff_app, auth, population="300", compute="1")
    response = client.post("/staff/campaigns/new", data=data)
    assert response.status_code == 200
    assert "235" in response.text and "n0 / (1 + (n0 − 1) / N)" in response.text
    assert campaigns(staff_app) == []
    data.pop("compute")
    assert client.post("/staff/campaigns/new", data=data).status_code == 303
    (campaign,) = campaigns(staff_app)
    assert campaign.target_n == 235 and campaign.population == 300


def test_a_typed_target(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    data = create_form(staff_app, auth, target_mode="typed", target_n="500", margin="")
    assert client.post("/staff/campaigns/new", data=data).status_code == 303
    (campaign,) = campaigns(staff_app)
    assert campaign.target_n == 500 and campaign.margin is None
    assert "自行輸入" in client.get(f"/staff/campaigns/{campaign.id}").text
    missing = create_form(staff_app, auth, target_mode="typed", target_n="")
    assert client.post("/staff/campaigns/new", data=missing).status_code == 422


def test_invalid_forms_are_refused(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    beta_unit = unit_ids(staff_app, "beta")["c1"]
    for fields in (
        {"title": ""},
        {"units": []},
        {"units": [str(beta_unit)]},  # another agency's unit
        {"ends_on": "2026-11-01"},  # before the start
        {"margin": "0"},
        {"margin": "abc"},
        {"questionnaire": "staff-satisfaction"},  # not a citizen questionnaire
        {"starts_on": "not a date"},
    ):
        response = client.post("/staff/campaigns/new", data=create_form(staff_app, auth, **fields))
        assert response.status_code == 422, fields
    assert campaigns(staff_app) == []


def test_no_mass_assignment(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    data = create_form(
        staff_app,
        auth,
        agency_id=str(agency_id(staff_app, "beta")),
        agency="beta",
        status="open",
        created_by="1",
        target_n="5",
    )
    assert client.post("/staff/campaigns/new", data=data).status_code == 303
    (campaign,) = campaigns(staff_app)
    assert campaign.agency_id == agency_id(staff_app, "alpha")
    assert campaign.status == "draft" and campaign.target_n == 1068


def test_csrf_is_required(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    data = create_form(staff_app, auth)
    data.pop("csrf_token")
    assert client.post("/staff/campaigns/new", data=data).status_code == 400
    assert campaigns(staff_app) == []
    ids = make_campaign(staff_app, status="draft")
    url = f"/staff/campaigns/{ids['campaign_id']}/open"
    assert client.post(url, data={}).status_code == 400
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 400
    assert campaigns(staff_app)[0].status == "draft"


def test_who_may_do_what(staff_app: Flask) -> None:
    ids = make_campaign(staff_app, status="draft")
    detail = f"/staff/campaigns/{ids['campaign_id']}"
    poster = f"{detail}/units/{ids['unit_id']}/poster.svg"
    analyst, auth = login(staff_app, ANALYST)
    assert analyst.get("/staff/campaigns").status_code == 200
    page = analyst.get(detail)
    assert page.status_code == 200 and "poster.svg" not in page.text and "/open" not in page.text
    assert analyst.get("/staff/campaigns/new").status_code == 403
    assert analyst.post(f"{detail}/open", data={"csrf_token": auth.csrf()}).status_code == 403
    assert analyst.get(poster).status_code == 403
    counter, _ = login(staff_app, "counter@alpha.example.test")
    assert counter.get("/staff/campaigns").status_code == 403
    assert counter.get(detail).status_code == 403
    assert campaigns(staff_app)[0].status == "draft"
    anonymous = staff_app.test_client()
    assert "/staff/login" in anonymous.get(detail).headers["Location"]


def test_open_and_close_are_audited(staff_app: Flask) -> None:
    ids = make_campaign(staff_app, status="draft")
    detail = f"/staff/campaigns/{ids['campaign_id']}"
    client, auth = login(staff_app, ADMIN)
    assert client.post(f"{detail}/close", data={"csrf_token": auth.csrf()}).status_code == 409
    assert client.post(f"{detail}/open", data={"csrf_token": auth.csrf()}).status_code == 303
    assert campaigns(staff_app)[0].status == "open"
    assert client.post(f"{detail}/open", data={"csrf_token": auth.csrf()}).status_code == 409
    assert client.post(f"{detail}/close", data={"csrf_token": auth.csrf()}).status_code == 303
    assert campaigns(staff_app)[0].status == "closed"
    assert client.post(f"{detail}/open", data={"csrf_token": auth.csrf()}).status_code == 303
    assert [e.detail for e in audit_events(staff_app, "campaign.opened")] == [
        '{"from":"draft","to":"open"}',
        '{"from":"closed","to":"open"}',
    ]
    assert len(audit_events(staff_app, "campaign.closed")) == 1
    assert client.get(detail).status_code == 200


def test_another_agencys_campaign_is_404_everywhere(staff_app: Flask) -> None:
    ids = make_campaign(staff_app, status="draft")
    beta_campaign = make_campaign(staff_app, "beta", status="draft")
    detail = f"/staff/campaigns/{ids['campaign_id']}"
    for email in ("admin@beta.example.test", "analyst@beta.example.test"):
        client, auth = login(staff_app, email)
        assert client.get(detail).status_code == 404
        assert client.get(f"{detail}/units/{ids['unit_id']}/poster.svg").status_code == 404
        for action in ("open", "close"):
            response = client.post(f"{detail}/{action}", data={"csrf_token": auth.csrf()})
            assert response.status_code == 404
        assert "2026" in client.get("/staff/campaigns").text  # beta's own is listed
    admin, _ = login(staff_app, ADMIN)
    listing = admin.get("/staff/campaigns").text
    listing = listing[listing.index("<main") :]  # the navigation links "new campaign" too
    assert listing.count("/staff/campaigns/") == 2  # alpha's campaign and the "new" link
    # alpha's campaign with beta's unit in the poster URL: 404
    beta_unit = beta_campaign["unit_id"]
    assert admin.get(f"{detail}/units/{beta_unit}/poster.svg").status_code == 404
    assert campaigns(staff_app)[0].status == "draft"
    assert len(audit_events(staff_app, "permission.denied")) >= 4


def test_titles_and_unit_names_are_escaped(staff_app: Flask) -> None:
    with session_scope(staff_app) as session:
        unit = session.execute(select(Unit).where(Unit.code == "c1")).scalars().first()
        assert unit is not None
        session.execute(
            Unit.__table__.update()
            .where(Unit.__table__.c.agency_id == unit.agency_id)  # type: ignore[attr-defined]
            .values(name_zh=XSS, name_en=XSS)
        )
    ids = make_campaign(staff_app, title=XSS)
    client, _ = login(staff_app, ADMIN)
    for url in (
        "/staff/campaigns",
        f"/staff/campaigns/{ids['campaign_id']}",
        f"/staff/campaigns/{ids['campaign_id']}/edit",
        f"/staff/campaigns/{ids['campaign_id']}/posters",
        "/staff/campaigns/new",
    ):
        page = client.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page, url
    poster = client.get(f"/staff/campaigns/{ids['campaign_id']}/units/{ids['unit_id']}/poster.svg")
    assert "<script" not in poster.text and "<img" not in poster.text
    root = ET.fromstring(poster.data)
    assert XSS in ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    assert not any(e.tag == SVG + "script" for e in root.iter())


def test_poster(staff_app: Flask) -> None:
    ids = make_campaign(staff_app, units=("c1", "c2"))
    client, _ = login(staff_app, ADMIN)
    url = f"/staff/campaigns/{ids['campaign_id']}/units/{ids['unit_id']}/poster.svg"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert (
        response.headers["Content-Security-Policy"]
        == "default-src 'none'; style-src 'unsafe-inline'"
    )
    assert response.headers["Content-Disposition"].startswith("inline;")
    root = ET.fromstring(response.data)
    texts = ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    assert "甲機關" in texts and "Agency Alpha" in texts
    assert "第一櫃台" in texts and "Counter 1" in texts
    assert "請掃描 QR code 填寫滿意度問卷" in texts and "Scan to tell us how we did" in texts
    link = f"{DEVELOPMENT_BASE_URL}/c/{ids['token']}"  # never the request's host
    assert link in texts
    qr = root.find(f".//{SVG}path[@id='qr']")
    assert qr is not None and len(qr.get("d", "")) > 100
    download = client.get(url + "?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    # The other pages keep the site's policy.
    assert "default-src 'self'" in client.get("/staff/campaigns").headers["Content-Security-Policy"]
    # A unit that is not in the campaign has no poster.
    beta = unit_ids(staff_app, "beta")["c1"]
    assert (
        client.get(f"/staff/campaigns/{ids['campaign_id']}/units/{beta}/poster.svg").status_code
        == 404
    )


# -- the signed link -----------------------------------------------------------


def stored(app: Flask) -> list[Response]:
    with session_scope(app) as session:
        rows = list(session.execute(select(Response).order_by(Response.id)).scalars())
        session.expunge_all()
    return rows


def answer_through(client: Any, url: str, **extra: Any) -> Any:
    html = client.get(url).text
    data = (
        {
            "csrf_token": csrf_token(html),
            "submission_token": hidden(html, "submission_token"),
            "started": hidden(html, "started"),
            "lang": hidden(html, "lang"),
        }
        | form_data(CITIZEN_ANSWERS)
        | extra
    )
    return client.post(url, data=data)


def test_a_response_through_the_link_records_campaign_unit_and_channel(staff_app: Flask) -> None:
    ids = make_campaign(staff_app, units=("c1", "c2"))
    client = staff_app.test_client()
    follow = client.get(f"/c/{ids['token']}")
    assert follow.status_code == 302
    location = follow.headers["Location"]
    assert location.startswith("/s/alpha/c1/citizen-satisfaction?")
    assert "ch=qr" in location
    assert answer_through(client, location).status_code == 303
    (response,) = stored(staff_app)
    assert response.campaign_id == ids["campaign_id"]
    assert response.unit_id == ids["unit_id"]
    assert response.channel == "qr"
    # The second unit's link records that unit.
    with staff_app.app_context():
        from collector.campaigns.service import link_token

        second = link_token(ids["campaign_id"], ids["unit_ids"][1], staff_app)
    location = client.get(f"/c/{second}").headers["Location"]
    assert location.startswith("/s/alpha/c2/")
    assert answer_through(client, location).status_code == 303
    assert stored(staff_app)[-1].unit_id == ids["unit_ids"][1]
    # The staff console counts them.
    admin, _ = login(staff_app, ADMIN)
    assert "2 / 1068" in admin.get("/staff/campaigns").text


def test_the_campaign_cannot_be_forged_on_the_survey_page(staff_app: Flask) -> None:
    ids = make_campaign(staff_app)
    client = staff_app.test_client()
    url = f"/s/alpha/c1/citizen-satisfaction?ch=qr&campaign_id={ids['campaign_id']}&campaign={ids['campaign_id']}"
    assert answer_through(client, url, campaign_id=str(ids["campaign_id"])).status_code == 303
    assert stored(staff_app)[0].campaign_id is None
    # A valid token on another unit's (or agency's) page is not valid there.
    for page in (
        "/s/alpha/c2/citizen-satisfaction",
        "/s/beta/c1/citizen-satisfaction",
        "/s/alpha/citizen-satisfaction",
    ):
        response = client.get(f"{page}?c={ids['token']}")
        assert response.status_code == 404, page
        assert "無效" in response.text
    # A forged token on the right page.
    response = client.post(
        f"/s/alpha/c1/citizen-satisfaction?c={ids['token'][:-3]}abc",
        data=form_data(CITIZEN_ANSWERS),
    )
    assert response.status_code == 404
    assert len(stored(staff_app)) == 1


def test_tampered_codes_get_a_friendly_page(staff_app: Flask) -> None:
    ids = make_campaign(staff_app)
    client = staff_app.test_client()
    token = ids["token"]
    for bad in (
        token[:-2] + ("xy" if not token.endswith("xy") else "yz"),
        "abc",
        "a" * 300,
        "%E4%B8%AD",
        "..%2F..%2Fetc",
        token.replace(".", "", 1),
    ):
        response = client.get(f"/c/{bad}")
        assert response.status_code == 404, bad
        assert "這個 QR code 或連結無效" in response.text
        assert "Traceback" not in response.text
    english = client.get("/c/abc", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.status_code == 404 and "This QR code or link is not valid" in english.text
    assert "not valid" in client.get("/c/abc?lang=en").text
    # A well-signed token naming a campaign or unit that does not exist.
    with staff_app.app_context():
        from collector.campaigns.service import link_token

        for campaign_id, unit_id in ((999, ids["unit_id"]), (ids["campaign_id"], 999)):
            response = client.get(f"/c/{link_token(campaign_id, unit_id, staff_app)}")
            assert response.status_code == 404


def test_closed_and_expired_campaigns_say_the_survey_has_ended(
    staff_app: Flask, clock: Clock
) -> None:
    ids = make_campaign(staff_app)
    client = staff_app.test_client()
    location = client.get(f"/c/{ids['token']}").headers["Location"]
    page = client.get(location).text  # a citizen opens the form ...
    clock.advance(days=40)  # ... and the period ends (2026-12-31 in Taipei)
    ended = client.get(f"/c/{ids['token']}")
    assert ended.status_code == 410 and "這項問卷調查已經結束" in ended.text
    data = {
        "csrf_token": csrf_token(page),
        "submission_token": hidden(page, "submission_token"),
        "started": hidden(page, "started"),
    } | form_data(CITIZEN_ANSWERS)
    posted = client.post(location, data=data)
    assert posted.status_code == 303  # the answer being filled in is kept, outside the campaign
    assert [r.campaign_id for r in stored(staff_app)] == [None]
    english = client.get(f"/c/{ids['token']}?lang=en")
    assert "This survey has ended" in english.text
    closed = make_campaign(staff_app, status="closed")
    assert client.get(f"/c/{closed['token']}").status_code == 410
    clock.advance(days=-40)
    draft = make_campaign(staff_app, status="draft")
    response = client.get(f"/c/{draft['token']}")
    assert response.status_code == 404 and "尚未開始" in response.text


def test_the_last_day_is_in_taipei_time(staff_app: Flask, clock: Clock) -> None:
    from datetime import UTC
    from datetime import datetime

    ids = make_campaign(staff_app)
    client = staff_app.test_client()
    clock.now = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 on the last day in Taipei
    assert client.get(f"/c/{ids['token']}").status_code == 302
    clock.now = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # midnight in Taipei
    assert client.get(f"/c/{ids['token']}").status_code == 410


def test_unit_removed_from_the_campaign_invalidates_its_link(staff_app: Flask) -> None:
    ids = make_campaign(staff_app)
    with session_scope(staff_app) as session:
        session.execute(
            CampaignUnit.__table__.delete().where(  # type: ignore[attr-defined]
                CampaignUnit.__table__.c.campaign_id == ids["campaign_id"]  # type: ignore[attr-defined]
            )
        )
    assert staff_app.test_client().get(f"/c/{ids['token']}").status_code == 404


def test_links_on_the_detail_page_are_the_tokens(staff_app: Flask) -> None:
    ids = make_campaign(staff_app, units=("c1", "c2"))
    client, _ = login(staff_app, ANALYST)
    page = client.get(f"/staff/campaigns/{ids['campaign_id']}").text
    links = re.findall(rf"{re.escape(DEVELOPMENT_BASE_URL)}/c/([A-Za-z0-9_.\-]+)", page)
    assert ids["token"] in links and len(links) == 2


# -- editing -------------------------------------------------------------------


def test_admin_edits_a_campaign_and_the_change_is_audited(staff_app: Flask) -> None:
    ids = make_campaign(staff_app, status="draft", units=("c1", "c2"))
    url = f"/staff/campaigns/{ids['campaign_id']}/edit"
    client, auth = login(staff_app, ADMIN)
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="2026 臨櫃滿意度調查"' in page.text and 'value="3"' in page.text
    assert page.text.count("checked") >= 2
    units = unit_ids(staff_app, "alpha")
    data = create_form(
        staff_app,
        auth,
        title="改名後的調查",
        units=[str(units["c1"])],
        target_mode="typed",
        target_n="400",
        margin="",
    )
    response = client.post(url, data=data)
    assert response.status_code == 303, response.text
    (campaign,) = campaigns(staff_app)
    assert campaign.title == "改名後的調查" and campaign.target_n == 400
    assert campaign.margin is None and campaign.status == "draft"
    with session_scope(staff_app) as session:
        linked = session.execute(
            select(CampaignUnit.unit_id).where(CampaignUnit.campaign_id == campaign.id)
        ).scalars()
        assert list(linked) == [units["c1"]]
    (event,) = audit_events(staff_app, "campaign.changed")
    assert '"title":["2026 臨櫃滿意度調查","改名後的調查"]' in event.detail
    assert '"units":[' in event.detail and event.actor_label == ADMIN
    # The second unit's link no longer works.
    with staff_app.app_context():
        from collector.campaigns.service import link_token

        removed = link_token(campaign.id, units["c2"], staff_app)  # type: ignore[arg-type]
    assert client.get(f"/c/{removed}").status_code == 404


def test_an_opened_campaign_keeps_its_questionnaire(staff_app: Flask) -> None:
    ids = make_campaign(staff_app, status="open")
    url = f"/staff/campaigns/{ids['campaign_id']}/edit"
    client, auth = login(staff_app, ADMIN)
    page = client.get(url).text
    select_html = re.search(r'<select id="questionnaire".*?</select>', page, re.S)
    assert select_html is not None
    assert re.findall(r'value="([^"]+)"', select_html.group(0)) == ["citizen-satisfaction"]
    data = create_form(
        staff_app, auth, questionnaire="complaint-handling", units=[str(ids["unit_id"])]
    )
    assert client.post(url, data=data).status_code == 422
    data = create_form(staff_app, auth, title="新名稱", units=[str(ids["unit_id"])])
    assert client.post(url, data=data).status_code == 303
    (campaign,) = campaigns(staff_app)
    assert campaign.title == "新名稱" and campaign.status == "open"


def test_edit_needs_the_permission_and_no_status_or_agency_change(staff_app: Flask) -> None:
    ids = make_campaign(staff_app, status="draft")
    url = f"/staff/campaigns/{ids['campaign_id']}/edit"
    analyst, auth = login(staff_app, ANALYST)
    assert analyst.get(url).status_code == 403
    assert analyst.post(url, data=create_form(staff_app, auth)).status_code == 403
    client, auth = login(staff_app, ADMIN)
    data = create_form(
        staff_app,
        auth,
        units=[str(ids["unit_id"])],
        status="closed",
        agency_id=str(agency_id(staff_app, "beta")),
    )
    assert client.post(url, data=data).status_code == 303
    (campaign,) = campaigns(staff_app)
    assert campaign.status == "draft" and campaign.agency_id == agency_id(staff_app, "alpha")
    beta, _ = login(staff_app, "admin@beta.example.test")
    assert beta.get(url).status_code == 404


def test_the_printable_page_of_all_posters(staff_app: Flask) -> None:
    ids = make_campaign(staff_app, units=("c1", "c2"))
    url = f"/staff/campaigns/{ids['campaign_id']}/posters"
    client, _ = login(staff_app, ADMIN)
    page = client.get(url)
    assert page.status_code == 200
    sources = re.findall(r'<img src="([^"]+)"', page.text)
    assert sources == [
        f"/staff/campaigns/{ids['campaign_id']}/units/{unit}/poster.svg" for unit in ids["unit_ids"]
    ]
    assert "campaign_posters.css" in page.text
    assert all(client.get(src).status_code == 200 for src in sources)
    analyst, _ = login(staff_app, ANALYST)
    assert analyst.get(url).status_code == 403
    beta, _ = login(staff_app, "admin@beta.example.test")
    assert beta.get(url).status_code == 404


def test_an_answer_posted_after_the_campaign_closed_is_kept_outside_it(staff_app: Flask) -> None:
    ids = make_campaign(staff_app)
    client = staff_app.test_client()
    location = client.get(f"/c/{ids['token']}").headers["Location"]
    html = client.get(location).text
    with session_scope(staff_app) as session:
        session.get(Campaign, ids["campaign_id"]).status = "closed"
    data = (
        {name: hidden(html, name) for name in ("submission_token", "started", "lang")}
        | {"csrf_token": csrf_token(html)}
        | form_data(CITIZEN_ANSWERS)
    )
    assert client.post(location, data=data).status_code == 303  # never a lost answer
    (response,) = stored(staff_app)
    assert response.campaign_id is None and response.channel == "qr"
    assert response.unit_id == ids["unit_id"]
    assert client.get(location).status_code == 410  # new visitors see that it ended


# -- per-unit targets and populations ---------------------------------------------------


def unit_settings(app: Flask, campaign_id: int) -> dict[int, tuple[int | None, int | None]]:
    with session_scope(app) as session:
        rows = session.execute(
            select(CampaignUnit).where(CampaignUnit.campaign_id == campaign_id)
        ).scalars()
        return {r.unit_id: (r.target_n, r.population) for r in rows}


def test_each_unit_gets_its_own_target_and_population(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    units = unit_ids(staff_app, "alpha")
    page = client.get("/staff/campaigns/new").text
    assert f'name="unit_target_{units["c1"]}"' in page
    assert f'name="unit_population_{units["c2"]}"' in page
    data = create_form(
        staff_app,
        auth,
        **{
            f"unit_target_{units['c1']}": "300",
            f"unit_population_{units['c1']}": "12000",
            f"unit_target_{units['c2']}": "",
            f"unit_population_{units['c2']}": "",
        },
    )
    response = client.post("/staff/campaigns/new", data=data)
    assert response.status_code == 303, response.text
    (campaign,) = campaigns(staff_app)
    assert unit_settings(staff_app, campaign.id) == {  # type: ignore[arg-type]
        units["c1"]: (300, 12000),
        units["c2"]: (None, None),
    }
    (event,) = audit_events(staff_app, "campaign.created")
    assert f'"{units["c1"]}":{{"population":12000,"target_n":300}}' in event.detail
    # Shown again on the edit page, changed there, and the change audited.
    url = f"/staff/campaigns/{campaign.id}/edit"
    edit = client.get(url).text
    assert f'id="unit_target_{units["c1"]}" name="unit_target_{units["c1"]}" value="300"' in edit
    data = create_form(
        staff_app,
        auth,
        **{f"unit_target_{units['c1']}": "250", f"unit_population_{units['c1']}": "12000"},
    )
    assert client.post(url, data=data).status_code == 303
    assert unit_settings(staff_app, campaign.id)[units["c1"]] == (250, 12000)  # type: ignore[arg-type]
    (changed,) = audit_events(staff_app, "campaign.changed")
    assert '"unit_settings":[' in changed.detail and '"target_n":300' in changed.detail
    # The results page measures the unit against its own target.
    analyst, _ = login(staff_app, ANALYST)
    results = analyst.get(f"/staff/results?campaign={campaign.id}").text
    assert "250" in results


def test_bad_unit_numbers_are_refused_and_kept(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    units = unit_ids(staff_app, "alpha")
    for value in ("0", "-5", "abc", "1.5", "１２", "99999999999"):
        data = create_form(staff_app, auth, **{f"unit_target_{units['c1']}": value})
        response = client.post("/staff/campaigns/new", data=data)
        assert response.status_code == 422, value
        assert 'aria-invalid="true"' in response.text and "請輸入 1 到" in response.text
        assert f'value="{value}"' in response.text, value
    data = create_form(staff_app, auth, **{f"unit_population_{units['c2']}": "0"})
    assert client.post("/staff/campaigns/new", data=data).status_code == 422
    assert campaigns(staff_app) == []
    # A number for a unit that is not ticked is ignored.
    data = create_form(
        staff_app, auth, units=[str(units["c1"])], **{f"unit_target_{units['c2']}": "abc"}
    )
    assert client.post("/staff/campaigns/new", data=data).status_code == 303


# -- staff surveys are not campaigns ------------------------------------------------------


def test_staff_surveys_are_listed_without_links_or_posters(staff_app: Flask) -> None:
    from collector.core.models import StaffInvitation

    ids = make_campaign(staff_app, slug="staff-satisfaction", title="員工調查")
    campaign_id = ids["campaign_id"]
    with session_scope(staff_app) as session:
        session.add(
            StaffInvitation(
                campaign_id=campaign_id,
                unit_id=ids["unit_id"],
                email="someone@alpha.example.test",
                token_hash="0" * 64,
            )
        )
    client, auth = login(staff_app, ADMIN)
    page = client.get("/staff/campaigns").text
    assert "員工調查" in page
    assert f"/staff/campaigns/{campaign_id}" not in page
    assert f"/staff/staff-survey/manage?campaign={campaign_id}" in page
    detail = client.get(f"/staff/campaigns/{campaign_id}")
    assert detail.status_code == 303 and "/staff/staff-survey/manage" in detail.headers["Location"]
    analyst, _ = login(staff_app, ANALYST)
    assert (
        "/staff/staff-survey/results"
        in analyst.get(f"/staff/campaigns/{campaign_id}").headers["Location"]
    )
    for url in (
        f"/staff/campaigns/{campaign_id}/edit",
        f"/staff/campaigns/{campaign_id}/posters",
        f"/staff/campaigns/{campaign_id}/units/{ids['unit_id']}/poster.svg",
    ):
        response = client.get(url)
        assert response.status_code == 409, url
        assert "內部員工滿意度調查" in response.text
    # Closing here would keep the addresses: refused; the staff-survey page closes it.
    for action in ("close", "open"):
        response = client.post(
            f"/staff/campaigns/{campaign_id}/{action}", data={"csrf_token": auth.csrf()}
        )
        assert response.status_code == 409, action
    (stored,) = [c for c in campaigns(staff_app) if c.id == campaign_id]
    assert stored.status == "open"
    # Its token as a campaign link leads nowhere.
    assert staff_app.test_client().get(f"/c/{ids['token']}").status_code == 404


def test_a_staff_survey_questionnaire_cannot_become_a_campaign(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    response = client.post(
        "/staff/campaigns/new",
        data=create_form(staff_app, auth, questionnaire="staff-satisfaction"),
    )
    assert response.status_code == 422
    assert campaigns(staff_app) == []


def test_only_the_questionnaires_the_agency_uses_can_run(staff_app: Flask) -> None:
    from tests.helpers.organisation import choose_offer

    client, auth = login(staff_app, ADMIN)
    form = client.get("/staff/campaigns/new").text
    assert 'value="citizen-satisfaction"' in form
    assert 'value="land-office-service"' not in form  # alpha is not a land office
    refused = client.post(
        "/staff/campaigns/new",
        data=create_form(staff_app, auth, questionnaire="land-office-service"),
    )
    assert refused.status_code == 422 and campaigns(staff_app) == []
    choose_offer(staff_app, "alpha", "land-office-service")
    assert 'value="land-office-service"' in client.get("/staff/campaigns/new").text
