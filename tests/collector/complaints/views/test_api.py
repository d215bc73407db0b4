"""The complaint endpoints of the JSON API under abuse: filings per client, acknowledgements
per e-mail address, and password guesses on a case's status (collector.complaints.throttles).
The endpoints' contract is tested with the rest of the API (tests/collector/answers/views)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from collector.core.models import Complaint
from collector.mailqueue.outbox import MailMessage
from tests.helpers.complaints import add_category
from tests.helpers.complaints import outbox
from tests.helpers.complaints import pin
from tests.helpers.database import count_rows
from tests.helpers.staff import Clock
from tests.helpers.web import csrf_token


@pytest.fixture
def capp(app: Flask, tmp_path: Path) -> Flask:
    """Agency alpha takes complaints in category ``roads``; mail goes to an outbox folder."""
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    app.config["CLOCK"] = Clock()  # waits are counted on it, not on the real time
    add_category(app, "alpha", "roads")
    pin(app, "2026-11-02")
    return app


def complaint(**overrides: Any) -> dict[str, Any]:
    return {
        "agency": "alpha",
        "category": "roads",
        "description": "中山路 12 號前的路燈已經一週不亮。",
        "name": "王小明",
        "email": "wang@example.test",
        **overrides,
    }


def file(client: FlaskClient, address: str = "198.51.100.7", **overrides: Any) -> Any:
    return client.post(
        "/api/v1/complaints", json=complaint(**overrides), environ_base={"REMOTE_ADDR": address}
    )


def mails_to(app: Flask, address: str) -> int:
    return sum(message.to == address for message in outbox(app))


def test_filings_are_limited_per_client(capp: Flask) -> None:
    capp.config["COMPLAINT_FILINGS_PER_CLIENT"] = "3 per hour"
    client = capp.test_client()
    assert [file(client).status_code for _ in range(3)] == [201, 201, 201]
    refused = file(client)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert count_rows(capp, Complaint) == 3
    assert file(client, "198.51.100.8").status_code == 201  # another client


def test_an_invalid_complaint_does_not_count_against_the_limit(capp: Flask) -> None:
    capp.config["COMPLAINT_FILINGS_PER_CLIENT"] = "1 per hour"
    client = capp.test_client()
    assert file(client, category="nope").status_code == 422
    assert file(client).status_code == 201


def test_acknowledgements_to_one_address_are_limited(capp: Flask) -> None:
    capp.config["COMPLAINT_ACKNOWLEDGEMENTS_PER_ADDRESS"] = "2 per day"
    client = capp.test_client()
    for host in range(4):  # four clients, one victim's address
        assert file(client, f"203.0.113.{host + 1}", email="victim@example.test").status_code == 201
    assert count_rows(capp, Complaint) == 4  # every case is filed
    assert mails_to(capp, "victim@example.test") == 2
    assert file(client, email="someone@example.test").status_code == 201
    assert mails_to(capp, "someone@example.test") == 1


def status(client: FlaskClient, number: str, password: str, address: str) -> Any:
    return client.get(
        f"/api/v1/complaints/{number}",
        headers={"X-Case-Password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_status_guesses_back_off_per_case_without_locking_the_owner_out(capp: Flask) -> None:
    client = capp.test_client()
    filed = file(client).get_json()
    number, password = filed["case_number"], filed["password"]
    guesser = "203.0.113.5"
    assert [status(client, number, "WRONGWRONG22", guesser).status_code for _ in range(5)] == [
        404
    ] * 5
    refused = status(client, number, password, guesser)  # even the right one, for now
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
    assert refused.get_json() == {"error": "too many requests; try again later"}
    owner = status(client, number, password, "198.51.100.20")
    assert owner.status_code == 200 and owner.get_json()["case_number"] == number


def test_status_guesses_count_with_the_follow_page(capp: Flask) -> None:
    """One back-off per case and address, whichever channel guesses."""
    client = capp.test_client()
    number = file(client).get_json()["case_number"]
    guesser = "203.0.113.5"
    for _ in range(5):
        assert status(client, number, "WRONGWRONG22", guesser).status_code == 404
    page = client.get("/complaints/follow", environ_base={"REMOTE_ADDR": guesser})
    data = {"csrf_token": csrf_token(page.text), "case_number": number, "password": "X" * 12}
    response = client.post("/complaints/follow", data=data, environ_base={"REMOTE_ADDR": guesser})
    assert response.status_code == 429


def test_a_filing_queues_its_acknowledgement_and_the_job_sends_it(
    capp: Flask, tmp_path: Path
) -> None:
    assert file(capp.test_client()).status_code == 201
    assert count_rows(capp, MailMessage) == 1  # stored with the case
    assert not list((tmp_path / "outbox").rglob("*.eml"))  # not sent by the request
    assert mails_to(capp, "wang@example.test") == 1  # the job (outbox() runs the queue)
