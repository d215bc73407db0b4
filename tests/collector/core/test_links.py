"""Links that leave the site (e-mails, API answers, Open311, QR posters, invitations) come
from ``PUBLIC_BASE_URL``, never from the request's Host header; a production server
refuses to start without it; an https address makes cookies Secure and sends HSTS."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector import create_app
from collector.core.config import ConfigurationError
from collector.core.db import session_scope
from collector.core.links import DEVELOPMENT_BASE_URL
from collector.core.links import external_url
from collector.core.links import public_base
from collector.core.models import ComplaintCategory
from tests.helpers.campaigns import make_campaign
from tests.helpers.complaints import add_category
from tests.helpers.complaints import outbox
from tests.helpers.database import BASE_SETTINGS
from tests.helpers.web import Auth
from tests.helpers.web import csrf_token
from tests.helpers.web import hidden
from tests.helpers.web import logged_in

EVIL = {"Host": "evil.example"}
COMPLAINT = {
    "agency": "alpha",
    "category": "roads",
    "subject": "路燈不亮",
    "description": "中山路 12 號前的路燈已經一週不亮。",
    "name": "王小明",
    "email": "victim@example.test",
}


@pytest.fixture
def mailing(make_app: Any, tmp_path: Any) -> Any:
    def make(**config: Any) -> Flask:
        app: Flask = make_app(seed="staff", MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), **config)
        add_category(app, "alpha", "roads", name_zh="道路", name_en="Roads")
        return app

    return make


def test_the_host_header_never_chooses_where_links_point(mailing: Any) -> None:
    app = mailing()
    client = app.test_client()
    filed = client.post("/api/v1/complaints", json=COMPLAINT, headers=EVIL)
    assert filed.status_code == 201, filed.text
    assert filed.get_json()["follow_url"].startswith(f"{DEVELOPMENT_BASE_URL}/complaints/follow/")
    (mail,) = outbox(app)
    assert "evil.example" not in mail.body
    assert f"{DEVELOPMENT_BASE_URL}/complaints/follow/" in mail.body
    open311 = client.post(
        "/open311/v2/requests.json?jurisdiction_id=alpha",
        data={"service_code": "roads", "address_string": "中山路", "description": "路燈不亮"},
        headers=EVIL,
    )
    assert open311.status_code == 201, open311.text
    discovery = client.get("/open311/v2/discovery.json", headers=EVIL).get_json()
    assert discovery["endpoints"][0]["url"] == f"{DEVELOPMENT_BASE_URL}/open311/v2"


def test_links_use_the_configured_address(mailing: Any) -> None:
    app = mailing(PUBLIC_BASE_URL="https://survey.example.gov.tw/")
    client = app.test_client()
    filed = client.post("/api/v1/complaints", json=COMPLAINT, headers=EVIL, base_url="https://x")
    follow = filed.get_json()["follow_url"]
    assert follow.startswith("https://survey.example.gov.tw/complaints/follow/")
    assert follow in outbox(app)[0].body
    with app.app_context():
        assert public_base(app) == "https://survey.example.gov.tw"
        assert external_url(app, "campaign_links.follow", token="t") == (
            "https://survey.example.gov.tw/c/t"
        )


def test_a_base_address_with_a_path_prefixes_every_link(mailing: Any) -> None:
    app = mailing(PUBLIC_BASE_URL="https://www.example.gov.tw/survey")
    assert external_url(app, "campaign_links.follow", token="t") == (
        "https://www.example.gov.tw/survey/c/t"
    )


def test_qr_posters_and_campaign_links_ignore_the_host_header(staff_app: Flask) -> None:
    ids = make_campaign(staff_app)
    client = staff_app.test_client()
    client.environ_base["HTTP_HOST"] = "evil.example"  # every request, the log-in too
    assert logged_in(Auth(client).login("admin@alpha.example.test"))
    detail = client.get(f"/staff/campaigns/{ids['campaign_id']}").text
    assert "evil.example" not in detail
    assert f"{DEVELOPMENT_BASE_URL}/c/{ids['token']}" in detail
    poster = client.get(
        f"/staff/campaigns/{ids['campaign_id']}/units/{ids['unit_id']}/poster.svg"
    ).text
    assert "evil.example" not in poster and f"{DEVELOPMENT_BASE_URL}/c/" in poster


def test_the_public_confirmation_link_ignores_the_host_header(mailing: Any) -> None:
    app = mailing()
    client = app.test_client()
    page = client.get("/complaints/alpha/new", headers=EVIL).text
    with session_scope(app) as session:
        category = session.execute(select(ComplaintCategory.id)).scalar_one()
    data = {
        "csrf_token": csrf_token(page),
        "submission_token": hidden(page, "submission_token"),
        "category": str(category),
        "subject": "路燈不亮",
        "description": "路燈不亮。",
        "name": "王小明",
        "email": "ming@example.tw",
        "reply_channel": "email",
    }
    posted = client.post(
        "/complaints/alpha/new", data=data, headers=EVIL, content_type="multipart/form-data"
    )
    assert posted.status_code == 303, posted.text
    confirmation = client.get("/complaints/filed", headers=EVIL).text
    assert "evil.example" not in confirmation
    assert re.search(rf'href="{re.escape(DEVELOPMENT_BASE_URL)}/complaints/follow/', confirmation)


# -- start-up -------------------------------------------------------------------------------


def settings(tmp_path: Any, **config: Any) -> dict[str, Any]:
    return {
        **BASE_SETTINGS,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'links.sqlite'}",
        "AUTO_MIGRATE": False,
        **config,
    }


def test_a_production_server_refuses_to_start_without_a_public_address(tmp_path: Any) -> None:
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        create_app(settings(tmp_path), production=True)
    app = create_app(
        settings(tmp_path, PUBLIC_BASE_URL="https://s.example.gov.tw"), production=True
    )
    app.extensions["collector.engine"].dispose()


@pytest.mark.parametrize(
    "value",
    [
        "survey.example.gov.tw",
        "ftp://survey.example.gov.tw",
        "https://",
        "https://survey.example.gov.tw/?a=1",
        "https://survey.example.gov.tw/#top",
        "https://user:pw@survey.example.gov.tw",
        42,
    ],
)
def test_a_malformed_public_address_is_refused_at_start(tmp_path: Any, value: Any) -> None:
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        create_app(settings(tmp_path, PUBLIC_BASE_URL=value))


@pytest.mark.parametrize("value", [-1, "two", True])
def test_a_malformed_proxy_count_is_refused_at_start(tmp_path: Any, value: Any) -> None:
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        create_app(settings(tmp_path, TRUSTED_PROXIES=value))
