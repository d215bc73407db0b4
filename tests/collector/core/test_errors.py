"""Error answers when the database is unavailable (collector.core.errors): 503 with
Retry-After in each channel's own format, never a bare 500, and nothing lost.

The database really fails here (tests.helpers.outages): a SQLite file locked by
another connection, or a PostgreSQL database that refuses connections and whose
open ones are terminated.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from collector.core.db import get_engine
from collector.core.db import is_outage
from collector.core.db import session_scope
from collector.core.models import Complaint
from collector.core.models import Response
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.answers import api_body
from tests.helpers.complaints import add_category
from tests.helpers.database import count_rows
from tests.helpers.outages import BUSY_TIMEOUT_MS
from tests.helpers.outages import database_down
from tests.helpers.outages import write_lock
from tests.helpers.web import client_as
from tests.helpers.web import csrf_token
from tests.helpers.web import form_data
from tests.helpers.web import hidden

SURVEY = "/s/alpha/c1/citizen-satisfaction"
COMPLAINT = {
    "agency": "alpha",
    "category": "roads",
    "description": "中山路 12 號前的路燈已經一週不亮。",
    "email": "wang@example.test",
}


@pytest.fixture
def app(make_app: Any, tmp_path: Any) -> Flask:
    """Agencies alpha and beta, complaint category roads; a SQLite lock fails at once."""
    app: Flask = make_app(
        seed="agencies",
        SQLITE_BUSY_TIMEOUT_MS=BUSY_TIMEOUT_MS,
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    add_category(app, "alpha", "roads", name_zh="道路", name_en="Roads")
    return app


def assert_unavailable_json(response: Any) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Idempotency-Key" in response.get_json()["error"]


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast path", "flask view"])
def test_a_response_sent_during_an_outage_is_stored_once_when_retried(
    app: Flask, fast_path: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["API_FAST_PATH"] = fast_path
    client = app.test_client()
    headers = {"Idempotency-Key": "kiosk-7-0001"}
    with caplog.at_level(logging.ERROR), write_lock(app):
        refused = client.post("/api/v1/responses", json=api_body(), headers=headers)
    assert_unavailable_json(refused)
    assert "database unavailable" in caplog.text
    assert count_rows(app, Response) == 0
    stored = client.post("/api/v1/responses", json=api_body(), headers=headers)
    again = client.post("/api/v1/responses", json=api_body(), headers=headers)
    assert stored.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["receipt"] == stored.get_json()["receipt"]
    assert count_rows(app, Response) == 1


def test_an_acknowledged_response_survives_an_outage(app: Flask) -> None:
    client = app.test_client()
    first = client.post("/api/v1/responses", json=api_body(), headers={"Idempotency-Key": "a"})
    assert first.status_code == 201
    with write_lock(app):
        locked = client.post("/api/v1/responses", json=api_body(), headers={"Idempotency-Key": "a"})
    assert locked.status_code == 503
    again = client.post("/api/v1/responses", json=api_body(), headers={"Idempotency-Key": "a"})
    assert again.status_code == 201 and again.get_json()["receipt"] == first.get_json()["receipt"]
    with session_scope(app) as session:
        receipts = session.execute(select(Response.receipt)).scalars().all()
    assert receipts == [first.get_json()["receipt"]]


def test_reading_during_an_outage_is_503(app: Flask) -> None:
    client = app.test_client()
    with database_down(app):
        agencies = client.get("/api/v1/agencies")
    assert_unavailable_json(agencies)
    assert client.get("/api/v1/agencies").status_code == 200  # recovered by itself


def test_a_complaint_filed_during_an_outage_is_503(app: Flask) -> None:
    client = app.test_client()
    with write_lock(app):
        refused = client.post("/api/v1/complaints", json=COMPLAINT)
    assert_unavailable_json(refused)
    assert count_rows(app, Complaint) == 0
    assert client.post("/api/v1/complaints", json=COMPLAINT).status_code == 201


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_an_outage_in_its_own_format(app: Flask, fmt: str) -> None:
    client = app.test_client()
    report = {
        "service_code": "roads",
        "address_string": "台北市信義區市府路 1 號",
        "description": "路燈不亮",
        "email": "wang@example.test",
    }
    with write_lock(app):
        refused = client.post(f"/open311/v2/requests.{fmt}?jurisdiction_id=alpha", data=report)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    if fmt == "json":
        assert refused.get_json() == [
            {"code": 503, "description": "the service is unavailable for a moment; try again later"}
        ]
    else:
        assert ET.fromstring(refused.data).findtext("error/code") == "503"
    assert count_rows(app, Complaint) == 0


def test_people_get_a_calm_page_in_their_language(app: Flask) -> None:
    client = app.test_client()
    with database_down(app):
        page = client.get(SURVEY)
        english = client.get(SURVEY, query_string={"lang": "en"})
    assert page.status_code == english.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert page.mimetype == "text/html"
    assert '<html lang="zh-Hant-TW">' in page.text
    assert "<h1>系統暫時忙碌</h1>" in page.text and "幾秒後再送出一次" in page.text
    assert '<html lang="en">' in english.text
    assert "<h1>The service is busy for a moment</h1>" in english.text


def test_a_survey_sent_during_an_outage_is_stored_once_when_sent_again(app: Flask) -> None:
    client = app.test_client()
    html = client.get(SURVEY).text
    data = form_data(CITIZEN_ANSWERS) | {
        "csrf_token": csrf_token(html),
        "submission_token": hidden(html, "submission_token"),
        "started": hidden(html, "started"),
        "lang": hidden(html, "lang"),
    }
    with write_lock(app):
        refused = client.post(SURVEY, data=data)
    assert refused.status_code == 503 and "系統暫時忙碌" in refused.text
    assert client.post(SURVEY, data=data).status_code == 303
    assert client.post(SURVEY, data=data).status_code == 303  # pressed twice: one response
    assert count_rows(app, Response) == 1


def test_a_broken_statement_is_not_an_outage(app: Flask) -> None:
    # SQLite says "no such table" with an OperationalError, as it says "database is locked".
    with pytest.raises(DBAPIError) as raised, get_engine(app).connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))
    assert not is_outage(raised.value)


def test_the_api_document_describes_the_503(app: Flask) -> None:
    document = app.test_client().get("/api/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            unavailable = operation["responses"]["503"]
            assert "Retry-After" in unavailable["headers"], (method, path)


def test_staff_pages_during_an_outage_are_a_calm_page(make_app: Any) -> None:
    staff = make_app(seed="staff", SQLITE_BUSY_TIMEOUT_MS=BUSY_TIMEOUT_MS)
    client = client_as(staff, "admin@alpha.example.test")
    with database_down(staff):
        page = client.get("/staff/cases")
    assert page.status_code == 503 and "系統暫時忙碌" in page.text
    assert client.get("/staff/cases").status_code == 200
