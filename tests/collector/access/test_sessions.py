"""Log-in, sessions and the current actor (collector.access.auth), attacked from every side."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select

from collector.access import identity
from collector.access import sessions
from collector.access.accounts import set_active
from collector.core.db import session_scope
from collector.core.hooktypes import Actor
from collector.core.models import User
from tests.helpers.concurrency import at_once
from tests.helpers.concurrency import count_calls
from tests.helpers.database import audit_events
from tests.helpers.staff import PASSWORD
from tests.helpers.staff import Clock
from tests.helpers.staff import make_user
from tests.helpers.web import Auth
from tests.helpers.web import csrf_token
from tests.helpers.web import logged_in

ADMIN = "admin@alpha.example.test"
ANALYST = "analyst@alpha.example.test"


def session_cookie(response: Any) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie(header)
        if "session" in cookie:
            return cookie["session"].value
    return None


def user(app: Flask, email: str) -> User:
    with session_scope(app) as session:
        return session.execute(select(User).where(User.email == email)).scalar_one()


def ended_why(client: Any) -> str:
    """Ask for the console once the session has ended: it must send the browser to
    the login page; returns that address (its ``ended=`` says why)."""
    response = client.get("/staff/")
    assert response.status_code == 302
    return str(response.headers["Location"])


def test_passwords_are_stored_as_argon2id_hashes(staff_app: Flask) -> None:
    stored = user(staff_app, ADMIN).password_hash
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_log_in_and_see_the_console(staff_app: Flask, auth: Auth, staff_client: Any) -> None:
    response = auth.login(ADMIN)
    assert logged_in(response)
    home = staff_client.get("/staff/")
    assert home.status_code == 200
    assert ADMIN in home.text
    assert user(staff_app, ADMIN).last_login_at is not None
    (success,) = audit_events(staff_app, "login.success")
    assert success.actor_label == ADMIN and success.actor_user_id == user(staff_app, ADMIN).id


def test_email_is_case_insensitive(auth: Auth) -> None:
    assert logged_in(auth.login("  Admin@Alpha.Example.TEST "))


def test_unknown_email_and_wrong_password_look_the_same(
    staff_app: Flask, staff_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    original = PasswordHasher.verify

    def spy(self: PasswordHasher, hash: str, password: str) -> bool:
        verified.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    auth = Auth(staff_client)
    unknown = auth.login("nobody@alpha.example.test")
    wrong = auth.login(ADMIN, "not the password at all")
    assert unknown.status_code == wrong.status_code == 200
    message = "電子郵件或密碼不正確，或帳號已停用。"
    assert message in unknown.text and message in wrong.text
    # The unknown address still cost one Argon2 verification (of a dummy hash).
    assert len(verified) == 2 and all(h.startswith("$argon2id$") for h in verified)
    reasons = [e.detail for e in audit_events(staff_app, "login.failure")]
    assert reasons == ['{"reason":"unknown"}', '{"reason":"password"}']


def test_disabled_account_cannot_log_in_and_gets_the_same_message(
    staff_app: Flask, auth: Auth
) -> None:
    make_user(staff_app, "gone@alpha.example.test", "analyst", "alpha", active=False)
    response = auth.login("gone@alpha.example.test")
    assert response.status_code == 200
    assert "電子郵件或密碼不正確，或帳號已停用。" in response.text


def test_login_needs_the_csrf_token(staff_client: Any) -> None:
    """Login CSRF: a form on another site cannot log the victim into the attacker's account."""
    response = staff_client.post("/staff/login", data={"email": ADMIN, "password": PASSWORD})
    assert response.status_code == 400
    assert staff_client.get("/staff/").status_code == 302


def test_login_refuses_a_token_from_another_session(staff_app: Flask) -> None:
    attacker, victim = staff_app.test_client(), staff_app.test_client()
    token = csrf_token(attacker.get("/staff/login").text)
    victim.get("/staff/login")
    response = victim.post(
        "/staff/login", data={"email": ADMIN, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400


def test_login_rotates_the_session(staff_app: Flask, staff_client: Any, auth: Auth) -> None:
    """Session fixation: whatever session existed before log-in is not the one after."""
    with staff_client.session_transaction() as planted:
        planted["staff_sid"] = "chosen-by-the-attacker"
        planted["marker"] = "planted"
    page = staff_client.get("/staff/login")
    before = staff_client.get_cookie("session").value
    response = staff_client.post(
        "/staff/login",
        data={"email": ADMIN, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert logged_in(response)
    after = session_cookie(response)
    assert after and after != before
    with staff_client.session_transaction() as rotated:
        assert rotated["staff_sid"] != "chosen-by-the-attacker"
        assert "marker" not in rotated  # cleared, not merged
        assert "csrf_token" not in rotated
    # The pre-log-in cookie, replayed by whoever planted it, is still anonymous.
    other = staff_app.test_client()
    other.set_cookie("session", before)
    assert other.get("/staff/").status_code == 302


def test_two_log_ins_get_different_session_ids(staff_app: Flask) -> None:
    ids = []
    for _ in range(2):
        client = staff_app.test_client()
        assert logged_in(Auth(client).login(ADMIN))
        with client.session_transaction() as s:
            ids.append(s["staff_sid"])
    assert ids[0] != ids[1]


def login_from(app: Flask, address: str, email: str, password: str = PASSWORD) -> Any:
    """A log-in from a new browser at ``address``."""
    client = app.test_client()
    page = client.get("/staff/login", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/staff/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        environ_base={"REMOTE_ADDR": address},
    )


def test_a_stranger_cannot_lock_an_account_out(staff_app: Flask) -> None:
    for _ in range(12):
        assert not logged_in(login_from(staff_app, "203.0.113.5", ADMIN, "guess guess guess"))
    assert logged_in(login_from(staff_app, "198.51.100.20", ADMIN))


def test_failures_back_off_per_account_and_address(staff_app: Flask, clock: Clock) -> None:
    here = "203.0.113.5"
    for _ in range(5):
        assert login_from(staff_app, here, ADMIN, "wrong password!!").status_code == 200
    refused = login_from(staff_app, here, ADMIN)  # even the right password, for now
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
    assert "此帳號在這裡登入失敗次數過多，請於 1 分鐘後再試。" in refused.text
    assert audit_events(staff_app, "login.failure")[-1].detail == (
        '{"reason":"backoff","retry_after":30}'
    )
    (started,) = audit_events(staff_app, "login.throttled")
    assert started.target == ADMIN and started.address == here
    assert started.detail == '{"failures":5,"per":"login","seconds":30}'
    clock.advance(seconds=30)
    assert login_from(staff_app, here, ADMIN, "wrong password!!").status_code == 200
    assert login_from(staff_app, here, ADMIN).headers["Retry-After"] == "60"  # twice as long
    clock.advance(seconds=60)
    assert logged_in(login_from(staff_app, here, ADMIN))
    # The success forgets the failures: five free ones again.
    for _ in range(5):
        assert login_from(staff_app, here, ADMIN, "wrong password!!").status_code == 200
    assert login_from(staff_app, here, ADMIN).status_code == 429


def test_a_success_resets_the_failure_count(staff_app: Flask, auth: Auth) -> None:
    for _ in range(4):
        auth.login(ADMIN, "wrong password!!")
    assert logged_in(auth.login(ADMIN))
    for _ in range(5):
        assert login_from(staff_app, "127.0.0.1", ADMIN, "wrong password!!").status_code == 200


def test_failures_are_throttled_per_address(make_app: Any, clock: Clock) -> None:
    from tests.helpers.staff import FAST_HASH

    per_address = {"free": 3, "first_seconds": 30, "longest_minutes": 15, "forget_hours": 1}
    app = make_app(
        seed="staff", PASSWORD_HASH=FAST_HASH, CLOCK=clock, LOGIN_ADDRESS_BACKOFF=per_address
    )
    attacker = Auth(app.test_client())
    for email in ("a@x.test", "b@x.test", "c@x.test"):
        assert attacker.login(email, "guess guess guess").status_code == 200
    # The fourth attempt from this address is refused, whatever the account.
    throttled = attacker.login(ADMIN)
    assert throttled.status_code == 429
    assert "登入失敗次數過多" in throttled.text
    # Another address is not affected.
    assert logged_in(login_from(app, "192.0.2.9", ADMIN))


def test_an_ipv6_client_is_counted_by_its_network(staff_app: Flask) -> None:
    for host in range(5):
        address = f"2001:db8:1:2::{host + 1:x}"
        assert login_from(staff_app, address, ADMIN, "wrong password!!").status_code == 200
    assert login_from(staff_app, "2001:db8:1:2:ffff::9", ADMIN).status_code == 429
    assert logged_in(login_from(staff_app, "2001:db8:1:3::1", ADMIN))


def test_concurrent_guesses_get_no_more_checks_than_the_free_failures(
    staff_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = count_calls(monkeypatch, sessions, "verify_password")

    def guesser() -> Callable[[], int]:
        client = staff_app.test_client()
        token = csrf_token(client.get("/staff/login").text)
        data = {"email": ADMIN, "password": "guess guess guess", "csrf_token": token}
        return lambda: client.post("/staff/login", data=data).status_code

    statuses = at_once([guesser() for _ in range(16)])
    assert len(checked) == 5
    assert sorted(statuses) == [200] * 5 + [429] * 11


def test_login_requests_are_rate_limited_per_address(make_app: Any) -> None:
    from tests.helpers.staff import FAST_HASH

    app = make_app(seed="agencies", PASSWORD_HASH=FAST_HASH, RATELIMIT_LOGIN="2 per minute")
    client = app.test_client()
    token = csrf_token(client.get("/staff/login").text)
    statuses = [
        client.post("/staff/login", data={"csrf_token": token}).status_code for _ in range(3)
    ]
    assert statuses[-1] == 429
    assert 429 not in statuses[:2]


def test_idle_timeout(staff_client: Any, auth: Auth, clock: Clock) -> None:
    assert logged_in(auth.login(ADMIN))
    clock.advance(minutes=29)
    assert staff_client.get("/staff/").status_code == 200  # activity resets the idle clock
    clock.advance(minutes=29)
    assert staff_client.get("/staff/").status_code == 200
    clock.advance(minutes=31)
    location = ended_why(staff_client)
    assert "ended=idle" in location
    login_page = staff_client.get(location)
    assert "閒置過久" in login_page.text
    clock.advance(minutes=1)
    assert staff_client.get("/staff/").status_code == 302  # and it stays ended


def test_idle_timeout_is_configurable(make_app: Any, clock: Clock) -> None:
    from tests.helpers.staff import FAST_HASH

    app = make_app(seed="staff", PASSWORD_HASH=FAST_HASH, CLOCK=clock, SESSION_IDLE_MINUTES=5)
    client = app.test_client()
    assert logged_in(Auth(client).login(ADMIN))
    clock.advance(minutes=6)
    assert client.get("/staff/").status_code == 302


def test_absolute_timeout(staff_client: Any, auth: Auth, clock: Clock) -> None:
    assert logged_in(auth.login(ADMIN))
    for _ in range(35):  # 11 h 40 min of steady activity
        clock.advance(minutes=20)
        assert staff_client.get("/staff/").status_code == 200
    clock.advance(minutes=21)
    assert "ended=absolute" in ended_why(staff_client)


def test_disabled_user_is_kicked_out_at_once(staff_app: Flask, staff_client: Any) -> None:
    assert logged_in(Auth(staff_client).login(ANALYST))
    assert staff_client.get("/staff/").status_code == 200
    with session_scope(staff_app) as session:
        analyst = session.execute(select(User).where(User.email == ANALYST)).scalar_one()
        set_active(session, analyst, False, actor=None, actor_label="test")
    assert "ended=revoked" in ended_why(staff_client)


def test_disabled_through_the_console_is_kicked_out(
    staff_app: Flask, people: dict[str, int]
) -> None:
    analyst, admin = staff_app.test_client(), staff_app.test_client()
    assert logged_in(Auth(analyst).login(ANALYST))
    admin_auth = Auth(admin)
    assert logged_in(admin_auth.login(ADMIN))
    response = admin.post(
        f"/staff/users/{people[ANALYST]}/disable", data={"csrf_token": admin_auth.csrf()}
    )
    assert response.status_code == 303
    assert analyst.get("/staff/").status_code == 302


def test_logout_ends_the_session_everywhere(staff_app: Flask, staff_client: Any) -> None:
    auth = Auth(staff_client)
    assert logged_in(auth.login(ADMIN))
    stolen = staff_client.get_cookie("session").value
    other_device = staff_app.test_client()
    assert logged_in(Auth(other_device).login(ADMIN))
    response = auth.logout()
    assert response.status_code == 303 and "ended=logout" in response.headers["Location"]
    assert staff_client.get("/staff/").status_code == 302
    assert other_device.get("/staff/").status_code == 302
    replay = staff_app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/staff/").status_code == 302
    assert [e.actor_label for e in audit_events(staff_app, "logout")] == [ADMIN]


def test_logout_needs_post_and_csrf(staff_client: Any, auth: Auth) -> None:
    assert logged_in(auth.login(ADMIN))
    assert staff_client.get("/staff/logout").status_code == 405
    assert staff_client.post("/staff/logout").status_code == 400
    assert staff_client.get("/staff/").status_code == 200


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/staff/users", "/staff/users"),
        ("/staff/audit?before=10", "/staff/audit?before=10"),
        ("//evil.example/staff/", None),
        ("https://evil.example/staff/", None),
        ("/\\evil.example", None),
        ("/s/alpha/x", None),
        ("javascript:alert(1)", None),
        ("/staff/\r\nLocation: x", None),
    ],
)
def test_safe_next(target: str, expected: str | None) -> None:
    assert sessions.safe_next(target) == expected


def test_login_redirects_to_next_inside_the_staff_area_only(auth: Auth) -> None:
    response = auth.login(ADMIN, next="/staff/audit")
    assert response.headers["Location"].endswith("/staff/audit")
    auth.logout()
    response = auth.login(ADMIN, next="https://evil.example/")
    assert response.headers["Location"].endswith("/staff/")


def test_anonymous_page_request_is_sent_to_login_with_next(staff_client: Any) -> None:
    response = staff_client.get("/staff/audit")
    assert response.status_code == 302
    assert "/staff/login?next=/staff/audit" in response.headers["Location"]


def test_password_is_rehashed_when_the_parameters_change(staff_app: Flask, auth: Auth) -> None:
    old = user(staff_app, ADMIN).password_hash
    staff_app.config["PASSWORD_HASH"] = {"time_cost": 2, "memory_cost": 16, "parallelism": 1}
    staff_app.extensions.pop("collector.hasher")
    assert logged_in(auth.login(ADMIN))
    new = user(staff_app, ADMIN).password_hash
    assert new != old and "m=16,t=2,p=1" in (new or "")


def test_overlong_password_is_refused_without_a_crash(auth: Auth) -> None:
    response = auth.login(ADMIN, "x" * 5000)
    assert response.status_code == 200
    assert not logged_in(response)


def test_a_plugin_actor_for_a_disabled_account_is_refused(staff_app: Flask) -> None:
    from collector import hookimpl
    from collector.core.plugins import get_plugins

    class Sso:
        @hookimpl
        def actor_from_request(self, request: Any) -> Actor | None:
            found = identity.find_user(request.headers.get("X-Test-SSO", ""))
            return identity.actor_for_user(found, source="test-sso") if found else None

    get_plugins(staff_app).manager.register(Sso(), name="test-sso")
    client = staff_app.test_client()
    headers = {"X-Test-SSO": ANALYST}
    assert client.get("/staff/", headers=headers).status_code == 200
    with session_scope(staff_app) as session:
        analyst = session.execute(select(User).where(User.email == ANALYST)).scalar_one()
        set_active(session, analyst, False, actor=None, actor_label="test")
    assert client.get("/staff/", headers=headers).status_code == 302
