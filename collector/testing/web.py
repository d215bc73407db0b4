"""Talking to the app as a browser does: CSRF tokens and hidden fields read from pages,
survey answers as posted, logging in and out of the staff console."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from collector.testing.staff import PASSWORD

_CSRF = re.compile(
    r'(?:type="hidden" name="csrf_token"|name="csrf_token" type="hidden") value="([^"]+)"'
)


TOKEN_PAGE = "/staff/account/password"
"""A staff page every account may open whose form carries the session's CSRF token."""


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
        """The session's CSRF token (the same on every form), read from a page that is
        cheap to make: the console's home builds every panel of the overview."""
        page = self.client.get(TOKEN_PAGE)
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


def who_may_open(app: Flask, path: str, statuses: dict[str, int]) -> None:
    """Each person (e-mail: expected status) gets ``path`` with that status, and the
    console home links to ``path`` exactly for those who get 200."""
    for email, status in statuses.items():
        client = client_as(app, email)
        assert client.get(path).status_code == status, email
        home = client.get("/staff/").text
        assert (f'href="{path}"' in home) == (status == 200), email


def post_form(client: FlaskClient, url: str, page: str = TOKEN_PAGE, **data: Any) -> Any:
    """POST ``data`` (values as strings) with the CSRF token read from ``page``."""
    token = csrf_token(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **{k: str(v) for k, v in data.items()}})


@dataclass
class ErrorSummary:
    """A page's error summary as a person meets it: its entries (link target or None,
    text), where it starts in the page and whether it can take the focus."""

    entries: list[tuple[str | None, str]] = field(default_factory=list)
    start: int = -1
    attrs: dict[str, str | None] = field(default_factory=dict)


_VOID = {"br", "img", "input", "hr", "wbr"}


class _SummaryReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.summary = ErrorSummary()
        self.depth = 0  # inside the summary: its open elements
        self.item: list[str] | None = None
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.depth == 0 and values.get("id") == "error-summary":
            assert self.summary.start < 0, "two error summaries on the page"
            self.summary.start = self.getpos()[0]
            self.summary.attrs = values
            self.depth = 1
            return
        if self.depth:
            self.depth += tag not in _VOID
            if tag == "li":
                self.item, self.href = [], None
            elif tag == "a" and self.item is not None:
                self.href = (values.get("href") or "").removeprefix("#")

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        self.depth -= 1
        if tag == "li" and self.item is not None:
            self.summary.entries.append((self.href, " ".join("".join(self.item).split())))
            self.item = None

    def handle_data(self, data: str) -> None:
        if self.item is not None:
            self.item.append(data)


def error_summary(html: str) -> ErrorSummary:
    """The page's ``#error-summary`` (``start`` is -1 when there is none)."""
    reader = _SummaryReader()
    reader.feed(html)
    return reader.summary


def element_ids(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))
