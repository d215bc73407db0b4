"""The staff console: home, accounts and the audit log (collector.access.views.users)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy import text

from collector.access import audit
from collector.core.db import get_engine
from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.core.models import User
from tests.helpers.database import drop_append_only_guards
from tests.helpers.organisation import agency_id
from tests.helpers.staff import PASSWORD
from tests.helpers.staff import make_user
from tests.helpers.web import Auth
from tests.helpers.web import csrf_token
from tests.helpers.web import logged_in
from tests.helpers.web import login

ADMIN = "admin@alpha.example.test"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def account(app: Flask, email: str) -> User | None:
    with session_scope(app) as session:
        return session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def create(client: Any, auth: Auth, **fields: str) -> Any:
    data = {
        "email": "new@alpha.example.test",
        "display_name": "New Person",
        "role": "analyst",
        "agency": "alpha",
        "password": "a long enough password",
        "csrf_token": auth.csrf(),
    }
    data.update(fields)
    return client.post("/staff/users", data=data)


# -- home ---------------------------------------------------------------------


def test_home_says_who_you_are_and_links_only_to_your_pages(staff_app: Flask) -> None:
    client, _ = login(staff_app, "analyst@alpha.example.test")
    home = client.get("/staff/")
    assert home.status_code == 200
    assert "analyst@alpha.example.test" in home.text
    assert "分析人員" in home.text and "甲機關" in home.text
    assert "匯出原始問卷資料" in home.text  # what the role may do
    assert 'href="/staff/users"' not in home.text and 'href="/staff/audit"' not in home.text
    admin, _ = login(staff_app, ADMIN)
    page = admin.get("/staff/?lang=en").text
    assert 'href="/staff/users"' in page and 'href="/staff/audit"' in page
    assert "Agency administrator" in page and "Agency Alpha" in page


def test_home_of_the_system_administrator(staff_app: Flask) -> None:
    client, _ = login(staff_app, "sysadmin@example.test")
    page = client.get("/staff/?lang=en").text
    assert "(whole system)" in page and "System administrator" in page


def test_stored_xss_in_a_display_name_is_escaped_everywhere(staff_app: Flask) -> None:
    make_user(staff_app, "evil@alpha.example.test", "analyst", "alpha", display_name=XSS)
    evil, _ = login(staff_app, "evil@alpha.example.test")
    admin, _ = login(staff_app, ADMIN)
    for page in (evil.get("/staff/").text, admin.get("/staff/users").text):
        assert XSS not in page
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


# -- accounts -----------------------------------------------------------------


def test_agency_admin_lists_only_its_agency(staff_app: Flask) -> None:
    client, _ = login(staff_app, ADMIN)
    page = client.get("/staff/users").text
    assert "analyst@alpha.example.test" in page
    assert "beta.example.test" not in page and "sysadmin@example.test" not in page
    # The form offers only alpha, and only agency-level roles.
    agency_select = re.search(r'<select id="agency".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="([^"]+)"', agency_select) == ["alpha"]
    role_select = re.search(r'<select id="role".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="([^"]+)"', role_select) == [
        "agency_admin",
        "analyst",
        "case_handler",
        "counter_staff",
    ]


def test_agency_admin_creates_an_account_in_its_agency(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    response = create(client, auth, email="New@Alpha.example.test")
    assert response.status_code == 303
    created = account(staff_app, "new@alpha.example.test")
    assert created is not None
    assert created.role == "analyst" and created.agency_id == agency_id(staff_app, "alpha")
    assert created.password_hash and created.password_hash.startswith("$argon2id$")
    assert created.active and created.session_version == 1
    assert "已新增帳號" in client.get(response.headers["Location"]).text
    assert logged_in(
        Auth(staff_app.test_client()).login("new@alpha.example.test", "a long enough password")
    )
    with session_scope(staff_app) as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "user.created")
        ).scalar_one()
    assert event.actor_label == ADMIN and event.target == "new@alpha.example.test"


def test_no_mass_assignment(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    beta = agency_id(staff_app, "beta")
    response = create(
        client,
        auth,
        agency_id=str(beta),
        active="0",
        session_version="99",
        failed_logins="0",
        locked_until="2000-01-01",
        password_hash="$argon2id$forged",
        role_id="1",
    )
    assert response.status_code == 303
    created = account(staff_app, "new@alpha.example.test")
    assert created is not None
    assert created.agency_id == agency_id(staff_app, "alpha")
    assert created.active and created.session_version == 1
    assert created.password_hash != "$argon2id$forged"


def test_agency_and_role_come_from_the_allowed_values_only(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    for fields in (
        {"agency": "beta"},
        {"agency": "moi"},
        {"agency": "-"},
        {"role": "system_admin"},
        {"role": "ministry_admin"},
        {"role": "superuser"},
    ):
        response = create(client, auth, **fields)
        assert response.status_code == 422, fields
        assert account(staff_app, "new@alpha.example.test") is None, fields


def test_role_must_suit_the_agency_level(staff_app: Flask) -> None:
    client, auth = login(staff_app, "sysadmin@example.test")
    response = create(client, auth, role="analyst", agency="moi")
    assert response.status_code == 422 and "不能在這個機關建立" in response.text
    response = create(client, auth, role="system_admin", agency="alpha")
    assert response.status_code == 422
    assert create(client, auth, role="ministry_admin", agency="moi").status_code == 303
    response = create(client, auth, email="root2@example.test", role="system_admin", agency="-")
    assert response.status_code == 303
    root = account(staff_app, "root2@example.test")
    assert root is not None and root.agency_id is None


def test_ministry_admin_manages_ministry_accounts_only(staff_app: Flask) -> None:
    client, auth = login(staff_app, "ministry@moi.example.test")
    page = client.get("/staff/users").text
    assert "admin@alpha.example.test" not in page
    assert create(client, auth, role="analyst", agency="alpha").status_code == 422
    response = create(
        client, auth, email="deputy@moi.example.test", role="ministry_admin", agency="moi"
    )
    assert response.status_code == 303


def test_account_form_errors(staff_app: Flask) -> None:
    client, auth = login(staff_app, ADMIN)
    short = create(client, auth, password="short")
    assert short.status_code == 422 and "密碼至少需要 12 個字元" in short.text
    assert "short" not in re.findall(r'name="password"[^>]*value="([^"]*)"', short.text)
    taken = create(client, auth, email="analyst@alpha.example.test")
    assert taken.status_code == 422 and "已有帳號" in taken.text
    bad = create(client, auth, email="not-an-email")
    assert bad.status_code == 422 and "有效的電子郵件" in bad.text
    same = create(client, auth, password="new@alpha.example.test")
    assert same.status_code == 422


def test_disable_and_enable(staff_app: Flask, people: dict[str, int]) -> None:
    client, auth = login(staff_app, ADMIN)
    analyst = people["analyst@alpha.example.test"]
    response = client.post(f"/staff/users/{analyst}/disable", data={"csrf_token": auth.csrf()})
    assert response.status_code == 303
    disabled = account(staff_app, "analyst@alpha.example.test")
    assert disabled is not None and not disabled.active and disabled.session_version == 2
    assert "已停用" in client.get("/staff/users").text
    assert not logged_in(Auth(staff_app.test_client()).login("analyst@alpha.example.test"))
    client.post(f"/staff/users/{analyst}/enable", data={"csrf_token": auth.csrf()})
    enabled = account(staff_app, "analyst@alpha.example.test")
    assert enabled is not None and enabled.active
    assert logged_in(Auth(staff_app.test_client()).login("analyst@alpha.example.test", PASSWORD))
    with session_scope(staff_app) as session:
        actions = list(
            session.execute(
                select(AuditEvent.action).where(AuditEvent.action.like("user.%"))
            ).scalars()
        )
    assert actions == ["user.disabled", "user.enabled"]


def test_disable_needs_csrf(staff_app: Flask, people: dict[str, int]) -> None:
    client, _ = login(staff_app, ADMIN)
    response = client.post(f"/staff/users/{people['analyst@alpha.example.test']}/disable")
    assert response.status_code == 400
    found = account(staff_app, "analyst@alpha.example.test")
    assert found is not None and found.active


def test_cannot_disable_oneself(staff_app: Flask, people: dict[str, int]) -> None:
    client, auth = login(staff_app, ADMIN)
    response = client.post(
        f"/staff/users/{people[ADMIN]}/disable", data={"csrf_token": auth.csrf()}
    )
    assert response.status_code == 409
    assert client.get("/staff/").status_code == 200


def test_another_agencys_account_is_404(staff_app: Flask, people: dict[str, int]) -> None:
    client, auth = login(staff_app, "admin@beta.example.test")
    for user_id in (people["analyst@alpha.example.test"], people["sysadmin@example.test"], 10**6):
        response = client.post(f"/staff/users/{user_id}/disable", data={"csrf_token": auth.csrf()})
        assert response.status_code == 404
    found = account(staff_app, "analyst@alpha.example.test")
    assert found is not None and found.active


# -- audit log ----------------------------------------------------------------


def test_audit_page_shows_own_agency_events_and_the_chain_status(staff_app: Flask) -> None:
    with staff_app.test_request_context():
        audit.log(
            "test.event",
            actor_label="x",
            agency_id=agency_id(staff_app, "alpha"),
            target="alpha-thing",
        )
        audit.log(
            "test.event",
            actor_label="x",
            agency_id=agency_id(staff_app, "beta"),
            target="beta-thing",
        )
        audit.log("test.event", actor_label="x", agency_id=None, target="system-thing")
    client, _ = login(staff_app, ADMIN)
    page = client.get("/staff/audit").text
    assert "alpha-thing" in page and "beta-thing" not in page and "system-thing" not in page
    assert "雜湊鏈完整" in page
    root, _ = login(staff_app, "sysadmin@example.test")
    page = root.get("/staff/audit").text
    assert "alpha-thing" in page and "beta-thing" in page and "system-thing" in page


def test_audit_page_warns_when_the_chain_is_broken(staff_app: Flask) -> None:
    client, _ = login(staff_app, ADMIN)
    with get_engine(staff_app).begin() as conn:
        first = conn.execute(text("SELECT min(id) FROM audit_event")).scalar_one()
        drop_append_only_guards(conn)
        conn.execute(
            text("UPDATE audit_event SET target = 'rewritten' WHERE id = :id"), {"id": first}
        )
    page = client.get("/staff/audit?lang=en").text
    assert f"altered or has a gap at event {first}" in page


def test_stored_xss_in_audit_details_is_escaped(staff_app: Flask) -> None:
    with staff_app.test_request_context():
        audit.log(
            "test.event",
            actor_label=XSS,
            agency_id=agency_id(staff_app, "alpha"),
            target=XSS,
            detail={"note": XSS},
        )
    client, _ = login(staff_app, ADMIN)
    page = client.get("/staff/audit").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;") >= 3


def test_failed_log_in_with_a_script_as_email_is_escaped_in_the_audit_page(
    staff_app: Flask,
) -> None:
    attacker = Auth(staff_app.test_client())
    attacker.login(XSS, "whatever password")
    root, _ = login(staff_app, "sysadmin@example.test")
    page = root.get("/staff/audit").text
    assert "login.failure" in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_audit_page_pages_backwards(staff_app: Flask) -> None:
    alpha = agency_id(staff_app, "alpha")
    with staff_app.test_request_context():
        for i in range(105):
            audit.log("test.event", actor_label="x", agency_id=alpha, target=f"event-{i}")
    client, _ = login(staff_app, ADMIN)
    page = client.get("/staff/audit").text
    older = re.search(r'href="(/staff/audit\?before=\d+)"', page)
    assert older and "event-104" in page and "event-0<" not in page
    assert "event-0<" in client.get(older.group(1)).text


def test_csrf_token_on_the_create_form(staff_app: Flask) -> None:
    client, _ = login(staff_app, ADMIN)
    assert csrf_token(client.get("/staff/users").text)
