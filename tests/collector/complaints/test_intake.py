"""Filing from machine clients (the JSON API and Open311): each field obeys the same rule
as on the public form (collector.complaints.fields), so a line break the form refuses
is refused here too, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Complaint
from tests.helpers.complaints import add_category

API = {
    "agency": "alpha",
    "category": "roads",
    "subject": "路燈不亮",
    "description": "中山路 12 號前的路燈\n已經一週不亮。",
    "name": "王小明",
    "email": "wang@example.test",
    "phone": "02-2345-6789",
    "address": "臺北市中山路 12 號",
    "location": "中山路 12 號",
}

OPEN311 = {
    "service_code": "roads",
    "address_string": "中山路 12 號",
    "description": "路燈不亮",
    "first_name": "小明",
    "last_name": "王",
    "email": "wang@example.test",
    "phone": "02-2345-6789",
}

BREAKERS = ["\r\n", "\n", "\r", "\u2028", "\u0085", "\t", "\x1b"]


@pytest.fixture
def capp(app: Flask) -> Flask:
    add_category(app, "alpha", "roads", name_zh="道路", name_en="Roads")
    return app


def stored(app: Flask) -> int:
    with session_scope(app) as session:
        return session.execute(select(func.count()).select_from(Complaint)).scalar_one()


def one_line_value(field: str, breaker: str) -> str:
    value = {"email": "a@example.test", "phone": "02-1234-5678"}.get(field, "text")
    return f"{value}{breaker}Bcc: victim@example.test"


@pytest.mark.parametrize("field", ["subject", "name", "location", "address", "phone", "email"])
@pytest.mark.parametrize("breaker", BREAKERS)
def test_the_api_refuses_a_line_break_in_a_one_line_field(
    capp: Flask, client: FlaskClient, field: str, breaker: str
) -> None:
    response = client.post(
        "/api/v1/complaints", json={**API, field: one_line_value(field, breaker)}
    )
    assert response.status_code == 422, response.text
    assert field in response.get_json()["errors"]
    assert stored(capp) == 0


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "phone", "address_string"])
@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\u2028"])
def test_open311_refuses_a_line_break_in_a_one_line_field(
    capp: Flask, client: FlaskClient, field: str, breaker: str
) -> None:
    response = client.post(
        "/open311/v2/requests.json?jurisdiction_id=alpha",
        data={**OPEN311, field: one_line_value(field, breaker)},
    )
    assert response.status_code == 400, response.text
    shown = {"first_name": "name", "last_name": "name", "address_string": "address_string"}
    assert shown.get(field, field) in response.get_json()[0]["description"]
    assert stored(capp) == 0


def test_the_same_messages_as_the_form_in_english(capp: Flask, client: FlaskClient) -> None:
    errors = client.post(
        "/api/v1/complaints",
        json={**API, "name": "王\r\n小明", "phone": "12345", "subject": "字" * 201},
    ).get_json()["errors"]
    assert errors == {
        "name": "This field takes one line of text: no line breaks or control characters.",
        "phone": "Enter a valid phone number (digits; +, -, brackets, spaces and # for an extension).",
        "subject": "The text is too long: at most 200 characters.",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12345"}, "phone"),  # 5 digits: the form wants 6 to 20
        ({"phone": "1" * 21}, "phone"),
        ({"phone": "0912-345-678; rm -rf"}, "phone"),
        ({"description": "一\x00二"}, "description"),
        ({"description": "bad \ufffd bytes"}, "description"),
        ({"description": "一\u2028二"}, "description"),
    ],
)
def test_the_api_applies_the_forms_rules(
    capp: Flask, client: FlaskClient, changes: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/complaints", json={**API, **changes})
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert stored(capp) == 0


def test_what_the_form_takes_the_api_takes_and_stores_alike(
    capp: Flask, client: FlaskClient
) -> None:
    response = client.post(
        "/api/v1/complaints",
        json={
            **API,
            "subject": " Cafe\u0301 噪音 ",
            "description": "一\r\n二\t三",
            "phone": "(02) 2345 6789#123",
            "email": "Ming@Example.TW",
        },
    )
    assert response.status_code == 201, response.text
    with session_scope(capp) as session:
        case = session.execute(select(Complaint)).scalar_one()
        assert (case.subject, case.description, case.phone, case.email) == (
            "Caf\u00e9 噪音",
            "一\n二\t三",
            "(02) 2345 6789#123",
            "ming@example.tw",
        )
