"""Staff intake (``/staff/cases/new``) applies each field's rule of the public form
(collector.complaints.fields): a line break in a one-line field is refused, with the
message in the interface language, and nothing is stored."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Complaint
from tests.helpers.complaints import make_category
from tests.helpers.web import csrf_token
from tests.helpers.web import login


def letter(app: Flask, **changes: str) -> tuple[int, str]:
    """A letter recorded by a case handler with ``changes``: the status and the page."""
    category = make_category(app)
    client, _ = login(app, "cases@alpha.example.test")
    page = client.get("/staff/cases/new").text
    token = re.search(r'name="intake_token" type="hidden" value="([0-9a-f]+)"', page)
    assert token
    data = {
        "channel": "letter",
        "category": str(category),
        "language": "zh-Hant-TW",
        "subject": "公園路燈",
        "description": "晚上公園很暗。",
        "name": "李大同",
        "email": "lee@example.test",
        "phone": "02-1234-5678",
        "address": "臺北市中山路 12 號",
        "reply_channel": "letter",
        "csrf_token": csrf_token(page),
        "intake_token": token.group(1),
        **changes,
    }
    response = client.post("/staff/cases/new", data=data)
    return response.status_code, response.text


def stored(app: Flask) -> int:
    with session_scope(app) as session:
        return session.execute(select(func.count()).select_from(Complaint)).scalar_one()


@pytest.mark.parametrize("field", ["subject", "name", "location", "address", "phone", "email"])
@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\u2028"])
def test_a_line_break_in_a_one_line_field_is_refused(
    staff_app: Flask, field: str, breaker: str
) -> None:
    value = {"email": "a@example.test", "phone": "02-1234-5678"}.get(field, "text")
    status, page = letter(staff_app, **{field: f"{value}{breaker}Bcc: victim@example.test"})
    assert status == 422
    if field == "email":
        assert "請輸入一個有效的電子郵件地址（不可含空白、換行或多個地址）" in page
    else:
        assert "這一欄只能填一行文字" in page
    assert stored(staff_app) == 0


@pytest.mark.parametrize(
    ("field", "value"), [("email", "not an address"), ("phone", "call me"), ("phone", "12345")]
)
def test_the_public_forms_formats_hold(staff_app: Flask, field: str, value: str) -> None:
    status, _page = letter(staff_app, **{field: value})
    assert status == 422
    assert stored(staff_app) == 0


def test_a_valid_letter_is_stored_normalised(staff_app: Flask) -> None:
    status, _page = letter(staff_app, subject=" Cafe\u0301 ", email="Lee@Example.TEST")
    assert status == 200
    with session_scope(staff_app) as session:
        case = session.execute(select(Complaint)).scalar_one()
        assert (case.subject, case.email) == ("Caf\u00e9", "lee@example.test")
