"""Talking to the app as a browser does: CSRF tokens and hidden fields read from pages,
survey answers as posted, logging in and out of the staff console."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.staff import PASSWORD

_CSRF = re.compile(
    r'(?:type="hidden" name="csrf_token"|name="csrf_token" type="hidden") value="([^"]+)"'
)


def csrf_token(html: str) -> str:
    """The CSRF token of the page's first form (a hidden input, either attribute order)."""
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def form_data(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as the survey page posts them (``q_<key>`` fields)."""
    return {f"q_{k}": (v if isinstance(v, list) else str(v)) for k, v in answers.items()}


class Auth:
    """Log in and out through the real pages (the tutorial's ``AuthActions``)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **query: str) -> Any:
        page = self.client.get("/staff/login", query_string=query)
        return self.client.post(
            "/staff/login",
            query_string=query,
            data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        )

    def csrf(self) -> str:
        page = self.client.get("/staff/")
        if page.status_code != 200:
            page = self.client.get("/staff/login")
        return csrf_token(page.text)

    def logout(self) -> Any:
        return self.client.post("/staff/logout", data={"csrf_token": self.csrf()})


def logged_in(response: Any) -> bool:
    return response.status_code == 303 and response.headers["Location"].endswith("/staff/")


def login(app: Flask, email: str, password: str = PASSWORD) -> tuple[FlaskClient, Auth]:
    """A new client of ``app`` logged in as ``email`` (the log-in must succeed), and its
    :class:`Auth` (for CSRF tokens and logging out)."""
    client = app.test_client()
    auth = Auth(client)
    assert logged_in(auth.login(email, password))
    return client, auth


def client_as(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    """A new client of ``app`` logged in as ``email`` (the log-in must succeed)."""
    return login(app, email, password)[0]


def post_form(client: FlaskClient, url: str, page: str = "/staff/", **data: Any) -> Any:
    """POST ``data`` (values as strings) with the CSRF token read from ``page``."""
    token = csrf_token(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **{k: str(v) for k, v in data.items()}})
