"""Agencies and service units in the staff console (collector.organisation.views)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Unit
from tests.helpers.database import audit_events
from tests.helpers.organisation import agency_id
from tests.helpers.web import Auth
from tests.helpers.web import login

SYSADMIN = "sysadmin@example.test"
MINISTRY = "ministry@moi.example.test"
ADMIN = "admin@alpha.example.test"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def agency(app: Flask, code: str) -> Agency | None:
    with session_scope(app) as session:
        row = session.execute(select(Agency).where(Agency.code == code)).scalar_one_or_none()
        session.expunge_all()
    return row


def units_of(app: Flask, code: str) -> dict[str, Unit]:
    with session_scope(app) as session:
        rows = list(
            session.execute(
                select(Unit).join(Agency, Agency.id == Unit.agency_id).where(Agency.code == code)
            ).scalars()
        )
        session.expunge_all()
    return {u.code: u for u in rows}


def counts(app: Flask) -> tuple[int, int]:
    with session_scope(app) as session:
        return (
            len(session.execute(select(Agency.id)).all()),
            len(session.execute(select(Unit.id)).all()),
        )


def new_agency(client: Any, auth: Auth, **fields: str) -> Any:
    data = {
        "code": "tax",
        "name_zh": "測試稅務局",
        "name_en": "Test Tax Bureau",
        "level": "agency",
        "parent": "",
        "csrf_token": auth.csrf(),
    }
    data.update(fields)
    return client.post("/staff/agencies", data=data)


def new_unit(client: Any, auth: Auth, **fields: str) -> Any:
    data = {
        "code": "north",
        "name_zh": "北區分局",
        "name_en": "North Branch",
        "csrf_token": auth.csrf(),
    }
    data.update(fields)
    return client.post("/staff/units", data=data)


def rename(client: Any, auth: Auth, url: str, name_zh: str, name_en: str, **fields: str) -> Any:
    """Post new names to a rename page (``fields``: more the page must ignore)."""
    data = {"name_zh": name_zh, "name_en": name_en, "csrf_token": auth.csrf(), **fields}
    return client.post(url, data=data)


def select_values(page: str, name: str) -> list[str]:
    match = re.search(rf'<select[^>]* id="{name}".*?</select>', page, re.S)
    assert match, name
    return re.findall(r'value="([^"]*)"', match.group(0))


# -- agencies -----------------------------------------------------------------------


def test_system_admin_creates_a_ministry_an_agency_and_its_first_admin(staff_app: Flask) -> None:
    client, auth = login(staff_app, SYSADMIN)
    page = client.get("/staff/agencies")
    assert page.status_code == 200
    assert select_values(page.text, "level") == ["agency", "ministry"]
    # Ministries first; "none" (a stand-alone agency, never movable later) last.
    assert select_values(page.text, "parent") == [str(agency_id(staff_app, "moi")), "-"]
    response = new_agency(
        client,
        auth,
        code="mof",
        name_zh="財政部",
        name_en="Ministry of Finance",
        level="ministry",
        parent="-",
    )
    assert response.status_code == 303
    ministry = agency(staff_app, "mof")
    assert ministry is not None and ministry.level == "ministry" and ministry.parent_id is None
    response = new_agency(client, auth, parent=str(ministry.id))
    assert response.status_code == 303
    assert "已新增機關「tax」" in client.get(response.headers["Location"]).text
    tax = agency(staff_app, "tax")
    assert tax is not None
    assert (tax.level, tax.parent_id, tax.name_zh, tax.name_en) == (
        "agency",
        ministry.id,
        "測試稅務局",
        "Test Tax Bureau",
    )
    created = audit_events(staff_app, "agency.created")
    assert [e.target for e in created] == ["agency:mof", "agency:tax"]
    assert created[1].actor_label == SYSADMIN and created[1].agency_id == tax.id
    assert json.loads(created[1].detail)["parent_id"] == ministry.id
    # The first administrator of the new agency, on the accounts page.
    users = client.get("/staff/users").text
    assert "tax" in select_values(users, "agency")
    response = client.post(
        "/staff/users",
        data={
            "email": "admin@tax.example.test",
            "display_name": "稅務局研考",
            "role": "agency_admin",
            "agency": "tax",
            "password": "a long enough password",
            "csrf_token": auth.csrf(),
        },
    )
    assert response.status_code == 303
    tax_admin, _ = login(staff_app, "admin@tax.example.test", "a long enough password")
    home = tax_admin.get("/staff/").text
    assert "測試稅務局" in home and 'href="/staff/units"' in home


def test_a_stand_alone_agency_only_by_the_system_admin(staff_app: Flask) -> None:
    client, auth = login(staff_app, SYSADMIN)
    assert new_agency(client, auth, parent="-").status_code == 303
    tax = agency(staff_app, "tax")
    assert tax is not None and tax.parent_id is None and tax.level == "agency"
    # A ministry is never below another ministry.
    moi = agency_id(staff_app, "moi")
    response = new_agency(client, auth, code="sub", level="ministry", parent=str(moi))
    assert response.status_code == 422 and agency(staff_app, "sub") is None
    assert "部會沒有上級部會" in response.text
    # Nor is an agency below an agency.
    alpha = agency_id(staff_app, "alpha")
    response = new_agency(client, auth, code="sub", parent=str(alpha))
    assert response.status_code == 422 and agency(staff_app, "sub") is None


def test_ministry_admin_creates_agencies_below_its_ministry_only(staff_app: Flask) -> None:
    client, auth = login(staff_app, MINISTRY)
    page = client.get("/staff/agencies").text
    assert "甲機關" in page and "乙機關" in page
    moi = agency_id(staff_app, "moi")
    assert select_values(page, "parent") == [str(moi)]
    assert select_values(page, "level") == ["agency"]
    before = counts(staff_app)
    for fields in ({"parent": "-"}, {"level": "ministry", "parent": "-"}, {"level": "ministry"}):
        response = new_agency(client, auth, **({"parent": str(moi)} | fields))
        assert response.status_code in (400, 422), fields
    assert counts(staff_app) == before
    response = new_agency(client, auth, parent=str(moi))
    assert response.status_code == 303
    tax = agency(staff_app, "tax")
    assert tax is not None and tax.parent_id == moi
    # Now in the ministry's tree: it may rename it, and no one else's.
    response = rename(client, auth, f"/staff/agencies/{tax.id}", "財稅局", "Revenue Bureau")
    assert response.status_code == 303


def test_who_may_manage_agencies(staff_app: Flask) -> None:
    for email in (ADMIN, "analyst@alpha.example.test", "counter@alpha.example.test"):
        client, auth = login(staff_app, email)
        assert client.get("/staff/agencies").status_code == 403, email
        assert new_agency(client, auth).status_code == 403, email
    assert agency(staff_app, "tax") is None
    admin, _ = login(staff_app, ADMIN)
    assert 'href="/staff/agencies"' not in admin.get("/staff/").text
    sysadmin, _ = login(staff_app, SYSADMIN)
    home = sysadmin.get("/staff/").text
    assert 'href="/staff/agencies"' in home and 'href="/staff/units"' in home


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("tax", True),
        ("tax-2", True),
        ("a", True),
        ("x" * 32, True),
        ("x" * 33, False),
        ("Tax", False),
        ("tax bureau", False),
        ("-tax", False),
        ("tax-", False),
        ("稅務局", False),
        ("tax_2", False),
        ("tax/2", False),
        ("", False),
        ("alpha", False),  # taken
    ],
)
def test_agency_codes_are_checked(staff_app: Flask, code: str, ok: bool) -> None:
    client, auth = login(staff_app, SYSADMIN)
    before = counts(staff_app)
    response = new_agency(client, auth, code=code, parent="-")
    if ok:
        assert response.status_code == 303
        assert agency(staff_app, code) is not None
    else:
        assert response.status_code == 422
        assert counts(staff_app) == before
        assert 'aria-invalid="true"' in response.text
        assert "代碼" in response.text


def test_names_are_required_limited_and_escaped(staff_app: Flask) -> None:
    client, auth = login(staff_app, SYSADMIN)
    before = counts(staff_app)
    for fields in (
        {"name_zh": ""},
        {"name_zh": "   "},
        {"name_en": ""},
        {"name_zh": "局" * 201},
        {"name_en": "Tax\nBureau"},
        {"name_zh": "稅務\u202e局"},
    ):
        response = new_agency(client, auth, parent="-", **fields)
        assert response.status_code == 422, fields
        assert 'class="error-message"' in response.text, fields
    assert counts(staff_app) == before
    # Every problem at once, in the interface's language.
    response = new_agency(client, auth, parent="-", code="", name_zh="", name_en=" ")
    assert response.status_code == 422
    assert response.text.count('aria-invalid="true"') == 3
    assert response.text.count("請輸入名稱（最多 200 字）") == 2
    assert "This field is required" not in response.text
    english = client.post(
        "/staff/agencies?lang=en",
        data={
            "code": "",
            "name_zh": "",
            "name_en": "",
            "level": "agency",
            "parent": "-",
            "csrf_token": auth.csrf(),
        },
    )
    assert "Enter a name (at most 200 characters)." in english.text
    assert new_agency(client, auth, parent="-", name_zh="局" * 200, name_en=XSS).status_code == 303
    page = client.get("/staff/agencies?lang=en").text
    assert XSS not in page and "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    created = client.get("/staff/agencies?created=%3Cb%3Ex").text
    assert "<b>x" not in created


def test_rename_an_agency_keeps_its_code_and_is_audited(staff_app: Flask) -> None:
    client, auth = login(staff_app, SYSADMIN)
    alpha = agency_id(staff_app, "alpha")
    form = client.get(f"/staff/agencies/{alpha}")
    assert form.status_code == 200 and 'value="甲機關"' in form.text
    url = f"/staff/agencies/{alpha}"
    response = rename(
        client,
        auth,
        url,
        "甲機關（新）",
        "Agency Alpha (new)",
        code="evil",
        level="ministry",
        parent_id="",
    )
    assert response.status_code == 303
    row = agency(staff_app, "alpha")
    assert row is not None and row.name_zh == "甲機關（新）" and row.level == "agency"
    assert row.parent_id == agency_id(staff_app, "moi")
    [event] = audit_events(staff_app, "agency.renamed")
    assert json.loads(event.detail) == {
        "name_zh": ["甲機關", "甲機關（新）"],
        "name_en": ["Agency Alpha", "Agency Alpha (new)"],
    }
    bad = rename(client, auth, url, "", "x")
    assert bad.status_code == 422
    assert agency(staff_app, "alpha").name_en == "Agency Alpha (new)"  # type: ignore[union-attr]


def test_another_ministrys_agency_is_404(staff_app: Flask) -> None:
    client, auth = login(staff_app, SYSADMIN)
    new_agency(
        client, auth, code="mof", name_zh="財政部", name_en="MOF", level="ministry", parent="-"
    )
    mof = agency(staff_app, "mof")
    assert mof is not None
    ministry, m_auth = login(staff_app, MINISTRY)
    assert ministry.get(f"/staff/agencies/{mof.id}").status_code == 404
    response = rename(ministry, m_auth, f"/staff/agencies/{mof.id}", "x", "x")
    assert response.status_code == 404
    assert "財政部" not in ministry.get("/staff/agencies").text
    assert agency(staff_app, "mof").name_zh == "財政部"  # type: ignore[union-attr]


def test_csrf_is_required(staff_app: Flask) -> None:
    client, auth = login(staff_app, SYSADMIN)
    response = new_agency(client, auth, parent="-", csrf_token="")
    assert response.status_code == 400
    assert agency(staff_app, "tax") is None


# -- units ----------------------------------------------------------------------------


def test_agency_admin_creates_and_renames_a_unit(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    page = client.get("/staff/units").text
    alpha = agency_id(staff_app, "alpha")
    assert select_values(page, "agency") == [str(alpha)]
    assert "第一櫃台" in page and "乙機關" not in page
    response = new_unit(client, auth, agency=str(alpha))
    assert response.status_code == 303
    assert "已新增服務單位" in client.get(response.headers["Location"]).text
    north = units_of(staff_app, "alpha")["north"]
    assert (north.name_zh, north.name_en) == ("北區分局", "North Branch")
    [event] = audit_events(staff_app, "unit.created")
    assert event.target == "unit:alpha/north" and event.agency_id == alpha
    # The public survey list offers it at once.
    assert "北區分局" in staff_app.test_client().get("/").text
    response = rename(
        client, auth, f"/staff/units/{north.id}", "北區服務站", "North Office", code="x"
    )
    assert response.status_code == 303
    renamed = units_of(staff_app, "alpha")["north"]
    assert renamed.name_zh == "北區服務站" and renamed.id == north.id
    assert len(audit_events(staff_app, "unit.renamed")) == 1


def test_unit_codes_are_unique_within_the_agency(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    alpha = str(agency_id(staff_app, "alpha"))
    before = counts(staff_app)
    for code in ("c1", "C3", "c 3", "", "x" * 33):
        response = new_unit(client, auth, agency=alpha, code=code)
        assert response.status_code == 422, code
    assert counts(staff_app) == before
    # The same code in another agency is another unit.
    sysadmin, s_auth = login(staff_app, SYSADMIN)
    beta = str(agency_id(staff_app, "beta"))
    assert new_unit(sysadmin, s_auth, agency=beta, code="north").status_code == 303
    assert new_unit(client, auth, agency=alpha, code="north").status_code == 303
    assert "north" in units_of(staff_app, "beta") and "north" in units_of(staff_app, "alpha")


def test_units_only_for_the_agencies_one_may_manage(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    beta = agency_id(staff_app, "beta")
    moi = agency_id(staff_app, "moi")
    for target in (beta, moi, 99999):
        response = new_unit(client, auth, agency=str(target))
        assert response.status_code == 422, target
    assert "north" not in units_of(staff_app, "beta")
    beta_unit = units_of(staff_app, "beta")["c1"]
    assert client.get(f"/staff/units/{beta_unit.id}").status_code == 404
    response = rename(client, auth, f"/staff/units/{beta_unit.id}", "x", "x")
    assert response.status_code == 404
    assert units_of(staff_app, "beta")["c1"].name_zh == "第一櫃台"
    for email in (MINISTRY, "analyst@alpha.example.test", "counter@alpha.example.test"):
        other, o_auth = login(staff_app, email)
        assert other.get("/staff/units").status_code == 403, email
        assert new_unit(other, o_auth, agency=str(agency_id(staff_app, "alpha"))).status_code == 403


def test_a_ministry_has_no_units(staff_app: Flask) -> None:
    client, auth = login(staff_app, SYSADMIN)
    page = client.get("/staff/units").text
    assert str(agency_id(staff_app, "moi")) not in select_values(page, "agency")
    assert new_unit(client, auth, agency=str(agency_id(staff_app, "moi"))).status_code == 422


def test_unit_names_are_escaped(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    alpha = str(agency_id(staff_app, "alpha"))
    assert new_unit(client, auth, agency=alpha, name_zh=XSS).status_code == 303
    page = client.get("/staff/units").text
    assert XSS not in page and "&lt;script&gt;" in page


def test_a_new_agency_without_units_is_sent_to_the_units_page(staff_app: Flask) -> None:
    client, auth = login(staff_app, SYSADMIN)
    assert new_agency(client, auth, parent=str(agency_id(staff_app, "moi"))).status_code == 303
    from tests.helpers.staff import make_user

    make_user(staff_app, "admin@tax.example.test", "agency_admin", "tax")
    admin, _ = login(staff_app, "admin@tax.example.test")
    page = admin.get("/staff/campaigns/new").text
    assert "本機關還沒有服務單位" in page and 'href="/staff/units"' in page
    alpha, _ = login(staff_app, ADMIN)
    assert "本機關還沒有服務單位" not in alpha.get("/staff/campaigns/new").text
