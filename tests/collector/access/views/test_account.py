"""Changing one's own password (collector.access.views.account, collector.access.accounts.change_password)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.core.models import User
from tests.helpers.staff import FAST_HASH
from tests.helpers.staff import PASSWORD
from tests.helpers.web import Auth
from tests.helpers.web import logged_in
from tests.helpers.web import login

ANALYST = "analyst@alpha.example.test"
NEW = "a brand new passphrase"


def user(app: Flask, email: str = ANALYST) -> User:
    with session_scope(app) as session:
        row = session.execute(select(User).where(User.email == email)).scalar_one()
        session.expunge_all()
    return row


def actions(app: Flask) -> list[str]:
    with session_scope(app) as session:
        return list(session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def change(client: Any, auth: Auth, **fields: str) -> Any:
    data = {
        "current_password": PASSWORD,
        "new_password": NEW,
        "confirm_password": NEW,
        "csrf_token": auth.csrf(),
    }
    data.update(fields)
    return client.post("/staff/account/password", data=data)


def test_change_password_ends_other_sessions_and_keeps_this_one(staff_app: Flask) -> None:
    client, auth = login(staff_app, ANALYST)
    other, _ = login(staff_app, ANALYST)
    assert other.get("/staff/").status_code == 200
    page = client.get("/staff/")
    assert 'href="/staff/account/password"' in page.text
    before = user(staff_app)
    response = change(client, auth)
    assert response.status_code == 303
    assert "密碼已變更" in client.get(response.headers["Location"]).text
    after = user(staff_app)
    assert after.session_version == before.session_version + 1
    assert after.password_hash != before.password_hash
    assert after.password_hash and after.password_hash.startswith("$argon2id$")
    # This browser is still in; the other session has ended.
    assert client.get("/staff/").status_code == 200
    assert "/staff/login" in other.get("/staff/").headers["Location"]
    assert "password.changed" in actions(staff_app)
    # The new password works, the old one does not.
    assert logged_in(Auth(staff_app.test_client()).login(ANALYST, NEW))
    assert not logged_in(Auth(staff_app.test_client()).login(ANALYST, PASSWORD))


def test_the_new_hash_uses_the_current_parameters(make_app: Any) -> None:
    from tests.helpers.staff import make_user

    app = make_app(seed="agencies", PASSWORD_HASH=FAST_HASH)
    make_user(app, ANALYST, "analyst", "alpha")
    stronger = {**FAST_HASH, "time_cost": 2}
    app.config["PASSWORD_HASH"] = stronger
    app.extensions.pop("collector.hasher")
    client, auth = login(app, ANALYST)  # log-in itself may rehash; the change must use t=2 as well
    assert change(client, auth).status_code == 303
    assert ",t=2," in user(app).password_hash  # type: ignore[operator]


def test_refusals_change_nothing(staff_app: Flask) -> None:
    client, auth = login(staff_app, ANALYST)
    before = user(staff_app)
    cases = [
        ({"current_password": "wrong password here"}, "目前的密碼不正確"),
        ({"confirm_password": NEW + "x"}, "兩次輸入的新密碼不一致"),
        ({"new_password": "short", "confirm_password": "short"}, "密碼至少需要 12 個字元"),
        ({"new_password": ANALYST, "confirm_password": ANALYST}, "密碼不可與電子郵件相同"),
        ({"new_password": PASSWORD, "confirm_password": PASSWORD}, "不能與目前的密碼相同"),
        ({"new_password": "x" * 300, "confirm_password": "x" * 300}, 'aria-invalid="true"'),
        ({"current_password": ""}, "目前的密碼不正確"),
        ({"new_password": "", "confirm_password": ""}, "密碼至少需要 12 個字元"),
    ]
    for fields, message in cases:
        response = change(client, auth, **fields)
        assert response.status_code == 422, fields
        assert message in response.text, fields
        assert NEW not in response.text and PASSWORD not in response.text
        assert "This field is required" not in response.text
    after = user(staff_app)
    assert after.password_hash == before.password_hash
    assert after.session_version == before.session_version
    assert "password.changed" not in actions(staff_app)
    assert actions(staff_app).count("password.change_failed") == 1
    assert client.get("/staff/").status_code == 200  # still logged in


def test_wrong_current_passwords_back_off(staff_app: Flask) -> None:
    client, auth = login(staff_app, ANALYST)
    for _ in range(staff_app.config["LOGIN_BACKOFF"]["free"]):
        assert change(client, auth, current_password="guess guess guess").status_code == 422
    blocked = change(client, auth)  # even the right one, for now
    assert blocked.status_code == 429 and "錯誤次數過多，請於 1 分鐘後再試" in blocked.text
    assert user(staff_app).password_hash is not None
    assert not logged_in(Auth(staff_app.test_client()).login(ANALYST, NEW))


def test_csrf_and_log_in_are_required(staff_app: Flask) -> None:
    anonymous = staff_app.test_client()
    response = anonymous.get("/staff/account/password")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    client, auth = login(staff_app, ANALYST)
    assert change(client, auth, csrf_token="").status_code == 400
    assert logged_in(Auth(staff_app.test_client()).login(ANALYST, PASSWORD))


def test_an_account_without_a_password_is_told_so(staff_app: Flask) -> None:
    """Single sign-on only (no stored hash): nothing to change here."""
    from tests.helpers.staff import make_user

    make_user(staff_app, "sso@alpha.example.test", "analyst", "alpha", password=None)
    # Log in as the analyst, then point the session at the SSO-only account's id.
    client, auth = login(staff_app, ANALYST)
    sso = user(staff_app, "sso@alpha.example.test")
    with client.session_transaction() as session:
        session["staff_uid"] = sso.id
        session["staff_sv"] = sso.session_version
    page = client.get("/staff/account/password?lang=en")
    assert page.status_code == 200 and "single sign-on" in page.text
    assert 'name="new_password"' not in page.text
    assert change(client, auth).status_code == 409
