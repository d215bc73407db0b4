"""``collector demo``: seeds once, prints QR links that work, and the seeded agency's
administrator finds the waves, the campaign with its QR poster and the complaints."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.core.models import Campaign
from collector.core.models import Complaint
from collector.core.models import Response
from collector.core.models import StaffInvitation
from collector.core.models import User
from collector.demo.staff import DEMO_PASSWORD
from tests.helpers.demo import demo_app
from tests.helpers.web import client_as

TABLES = (Response, Campaign, Complaint, StaffInvitation, User)


def _counts(app: Any) -> dict[str, int]:
    with session_scope(app) as session:
        return {
            t.__name__: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in TABLES
        }


def test_demo_seeds_once_and_its_qr_links_work(make_app: Any, tmp_path: Path) -> None:
    app = demo_app(make_app, tmp_path)
    first = app.config["DEMO_OUTPUT"]
    assert "over 5 half-year waves" in first
    links = re.findall(r"http://127\.0\.0\.1:5000(/c/\S+)", first)
    assert len(links) == 3 + 2 + 3  # each unit of the open citizen and case surveys
    before = _counts(app)
    with session_scope(app) as session:
        audited = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()

    second = app.test_cli_runner().invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "already there" in second.output and "Seeded" not in second.output
    assert _counts(app) == before
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == (
            audited
        )
    assert re.findall(r"http://127\.0\.0\.1:5000(/c/\S+)", second.output) == links

    citizen = app.test_client()
    for link in links:
        followed = citizen.get(link)
        assert followed.status_code == 302, link
        page = citizen.get(followed.headers["Location"])
        assert page.status_code == 200
        assert "<form" in page.text and "ch=qr" in followed.headers["Location"]
    assert "/s/demo-household/main/citizen-satisfaction" in {
        urlsplit(citizen.get(link).headers["Location"]).path for link in links
    }


def test_the_agency_administrator_sees_the_demo(make_app: Any, tmp_path: Path) -> None:
    app = demo_app(make_app, tmp_path, "--waves", "2")
    admin = client_as(app, "admin@demo-household.example", DEMO_PASSWORD)
    with session_scope(app) as session:
        campaigns = {
            c.title: c.id
            for c in session.execute(select(Campaign).where(Campaign.status == "open")).scalars()
        }
    current = campaigns["115年下半年民眾服務滿意度調查"]
    listing = admin.get("/staff/campaigns")
    assert listing.status_code == 200
    assert "115年上半年民眾服務滿意度調查" in listing.text
    assert "115年度內部員工滿意度調查" in listing.text
    page = admin.get(f"/staff/campaigns/{current}")
    assert page.status_code == 200 and "/c/" in page.text and "綜合櫃台" in page.text
    unit = re.search(r"/units/(\d+)/poster\.svg", page.text)
    assert unit is not None
    poster = admin.get(f"/staff/campaigns/{current}/units/{unit.group(1)}/poster.svg")
    assert poster.status_code == 200 and 'id="qr"' in poster.text
    results = admin.get("/staff/results", query_string={"campaign": current})
    assert results.status_code == 200 and "115年下半年民眾服務滿意度調查" in results.text
    queue = admin.get("/staff/cases?who=all&status=any")
    assert queue.status_code == 200
    assert "身分證換發線上預約一直額滿" in queue.text
    assert "鑑界" not in queue.text  # the land office's cases are not the household office's
