"""The log-in and log-out pages (collector.access.views.login)."""

from __future__ import annotations

from typing import Any

from tests.helpers.web import Auth
from tests.helpers.web import csrf_token
from tests.helpers.web import logged_in

ADMIN = "admin@alpha.example.test"


def test_login_page_in_both_languages(staff_client: Any) -> None:
    zh = staff_client.get("/staff/login")
    assert zh.status_code == 200
    assert 'lang="zh-Hant-TW"' in zh.text and "員工登入" in zh.text
    assert 'autocomplete="username"' in zh.text and 'autocomplete="current-password"' in zh.text
    en = staff_client.get("/staff/login?lang=en")
    assert '<html lang="en">' in en.text and "Staff log-in" in en.text
    # The choice is remembered for the next staff page.
    assert "Staff log-in" in staff_client.get("/staff/login").text


def test_language_choice_survives_log_in(staff_client: Any, auth: Auth) -> None:
    staff_client.get("/staff/login?lang=en")
    assert logged_in(auth.login(ADMIN))
    assert "Console home" in staff_client.get("/staff/").text


def test_staff_pages_carry_the_security_headers(staff_client: Any, auth: Auth) -> None:
    pages = [staff_client.get("/staff/login")]
    auth.login(ADMIN)
    pages += [staff_client.get(p) for p in ("/staff/", "/staff/users", "/staff/audit")]
    for page in pages:
        assert page.status_code == 200
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["Cache-Control"] == "no-store"
        assert "<script>" not in page.text and " on" + "click=" not in page.text


def test_session_cookie_is_http_only_and_same_site(staff_client: Any, auth: Auth) -> None:
    response = auth.login(ADMIN)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_password_is_never_echoed(staff_client: Any, auth: Auth) -> None:
    response = auth.login(ADMIN, "a wrong but secret password")
    assert "a wrong but secret password" not in response.text


def test_email_is_kept_and_escaped_after_a_failure(auth: Auth) -> None:
    response = auth.login('"><script>alert(1)</script>@x.test', "whatever password")
    assert "<script>alert(1)</script>" not in response.text
    assert "&#34;&gt;&lt;script&gt;" in response.text or "&quot;&gt;&lt;script&gt;" in response.text


def test_empty_form_is_an_error_not_a_crash(staff_client: Any) -> None:
    token = csrf_token(staff_client.get("/staff/login").text)
    response = staff_client.post("/staff/login", data={"csrf_token": token})
    assert response.status_code == 200
    assert "error-summary" in response.text


def test_logged_in_visitor_of_the_login_page_goes_to_the_console(
    staff_client: Any, auth: Auth
) -> None:
    auth.login(ADMIN)
    response = staff_client.get("/staff/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")


def test_ended_reason_is_shown_only_for_known_reasons(staff_client: Any) -> None:
    assert "您已登出" in staff_client.get("/staff/login?ended=logout").text
    page = staff_client.get("/staff/login?ended=<b>x</b>")
    assert "<b>x</b>" not in page.text and "notice" not in page.text


def test_logout_button_on_every_console_page(staff_client: Any, auth: Auth) -> None:
    auth.login(ADMIN)
    page = staff_client.get("/staff/")
    assert 'action="/staff/logout"' in page.text
    assert 'method="post"' in page.text
