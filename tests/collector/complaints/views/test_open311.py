"""The Open311 GeoReport v2 facade, over real HTTP against a live server thread.

The ``open311`` client from PyPI (1.1, 2011) was tried first and cannot run on
Python 3: its ``open311/__init__.py`` does ``from open311 import Open311`` and its
``api`` package ``from api import API`` (Python 2 implicit relative imports), so
importing it fails with ``ImportError: cannot import name 'Open311' from partially
initialized module 'open311'``; it also calls ``Element.getchildren()`` (removed in
Python 3.9) and posts a ``str`` body to ``urlopen`` (bytes are required). Nothing of
it is vendored: these tests speak the protocol with ``requests`` the way that
client does (``jurisdiction_id`` and ``api_key`` in the query string of a
form-encoded POST, ``.json``/``.xml`` paths). The reading side is also checked with
``georeport`` (PyPI, 2025), a maintained GeoReport v2 client that cannot file.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy import update
from werkzeug.serving import make_server

from collector.core.clock import utcnow
from collector.core.db import session_scope
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from tests.helpers import complaints as fd
from tests.helpers.complaints import only_case
from tests.helpers.fuzzing import CHECKS
from tests.helpers.fuzzing import FUZZ
from tests.helpers.fuzzing import hostile_fields
from tests.helpers.fuzzing import open311_schema

REPORT = {
    "service_code": "lights",
    "lat": "25.0330",
    "long": "121.5654",
    "address_string": "台北市信義區市府路 1 號",
    "description": "路燈不亮 <script>alert(1)</script>",
    "first_name": "小明",
    "last_name": "王",
    "email": "wang@example.test",
    "phone": "0912-345-678",
    "media_url": "https://example.test/photo.jpg",
}


@pytest.fixture
def server(outbox_app: Flask) -> Iterator[tuple[Flask, str]]:
    app = outbox_app
    fd.add_category(app, "alpha", "lights", name_zh="路燈", name_en="Street lights")
    fd.add_category(app, "alpha", "old", name_zh="停用", name_en="Retired", active=False)
    fd.add_category(app, "beta", "parks", name_zh="公園", name_en="Parks")
    fd.pin(app, "2026-11-02")
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{http.server_port}/open311/v2"
    finally:
        http.shutdown()
        thread.join(10)
        http.server_close()


def post(base: str, data: dict[str, Any], jurisdiction: str = "alpha", **query: str) -> Any:
    """As the open311 client posts: jurisdiction and key in the URL, the report form-encoded."""
    params = {"jurisdiction_id": jurisdiction, "api_key": query.pop("api_key", "")}
    return requests.post(f"{base}/requests.json", params=params, data=data, timeout=10)


def test_discovery_in_json_and_xml(server: tuple[Flask, str]) -> None:
    _app, base = server
    data = requests.get(f"{base}/discovery.json", timeout=10).json()
    assert data["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert data["endpoints"][0]["url"].endswith("/open311/v2")
    xml = requests.get(f"{base}/discovery.xml", timeout=10)
    assert xml.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "discovery" and root.find("endpoints/endpoint/url") is not None


def test_services_are_the_agency_active_categories(server: tuple[Flask, str]) -> None:
    _app, base = server
    zh = requests.get(f"{base}/services.json", params={"jurisdiction_id": "alpha"}, timeout=10)
    assert zh.json() == [
        {
            "service_code": "lights",
            "service_name": "路燈",
            "description": "Street lights",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
    ]
    en = requests.get(
        f"{base}/services.json",
        params={"jurisdiction_id": "alpha"},
        headers={"Accept-Language": "en"},
        timeout=10,
    ).json()
    assert en[0]["service_name"] == "Street lights"
    xml = requests.get(f"{base}/services.xml", params={"jurisdiction_id": "beta"}, timeout=10)
    service = ET.fromstring(xml.content).find("service")
    assert service is not None and service.findtext("service_code") == "parks"
    assert service.findtext("metadata") == "false"


def test_a_round_trip_never_shows_personal_data(server: tuple[Flask, str]) -> None:
    app, base = server
    created = post(base, REPORT)
    assert created.status_code == 201
    [answer] = created.json()
    number, token = answer["service_request_id"], answer["token"]
    assert number.startswith("20261102-") and "2026-12-02" in answer["service_notice"]
    case = only_case(app)
    assert (case.channel, case.name, case.email, case.phone) == (
        "open311",
        "小明 王",
        "wang@example.test",
        "0912-345-678",
    )
    assert case.location == REPORT["address_string"] and case.latitude == pytest.approx(25.033)
    assert "media_url: https://example.test/photo.jpg" in case.description

    one = requests.get(
        f"{base}/requests/{number}.json", params={"jurisdiction_id": "alpha"}, timeout=10
    )
    [request] = one.json()
    assert request["service_request_id"] == number
    assert (request["status"], request["service_code"], request["service_name"]) == (
        "open",
        "lights",
        "路燈",
    )
    assert request["expected_datetime"] == "2026-12-02T23:59:59+08:00"
    assert request["requested_datetime"].endswith("+08:00")
    assert request["status_notes"].startswith("已收件")
    for secret in ("王", "wang@example.test", "0912", "<script>", "市府路", "25.03", "photo.jpg"):
        assert secret not in one.text.replace("已收件", "")
    by_token = requests.get(
        f"{base}/tokens/{token}.json", params={"jurisdiction_id": "alpha"}, timeout=10
    )
    assert by_token.json() == [{"service_request_id": number, "token": token}]

    # closing the case through the service shows on the facade
    email = fd.ADMIN
    fd.close_case(app, case.id, "upheld", email=email)  # type: ignore[arg-type]
    after = requests.get(
        f"{base}/requests/{number}.json", params={"jurisdiction_id": "alpha"}, timeout=10
    )
    assert after.json()[0]["status"] == "closed"
    assert after.json()[0]["status_notes"].startswith("已結案")
    english = requests.get(
        f"{base}/requests/{number}.json",
        params={"jurisdiction_id": "alpha", "lang": "en"},
        timeout=10,
    ).json()
    assert english[0]["status_notes"].startswith("Closed")
    xml = requests.get(
        f"{base}/requests/{number}.xml", params={"jurisdiction_id": "alpha"}, timeout=10
    )
    assert ET.fromstring(xml.content).findtext("request/status") == "closed"


def test_listing_filters(server: tuple[Flask, str]) -> None:
    app, base = server
    numbers = [
        post(base, {**REPORT, "description": f"第 {i} 件"}).json()[0]["service_request_id"]
        for i in range(3)
    ]
    with session_scope(app) as session:
        first = session.execute(
            select(Complaint).where(Complaint.case_number == numbers[0])
        ).scalar_one()
    fd.close_case(app, first.id, "explained")  # type: ignore[arg-type]
    params = {"jurisdiction_id": "alpha", "start_date": "2026-01-01T00:00:00+08:00"}

    def ids(**extra: str) -> set[str]:
        got = requests.get(f"{base}/requests.json", params={**params, **extra}, timeout=10)
        assert got.status_code == 200, got.text
        return {r["service_request_id"] for r in got.json()}

    assert ids() == set(numbers)
    assert ids(status="closed") == {numbers[0]}
    assert ids(status="open") == set(numbers[1:])
    assert ids(service_code="nothing") == set()
    assert ids(service_request_id=f"{numbers[1]},{numbers[2]}") == set(numbers[1:])
    assert ids(end_date="2020-01-01T00:00:00Z") == set()
    beta = requests.get(f"{base}/requests.json", params={"jurisdiction_id": "beta"}, timeout=10)
    assert beta.json() == []


def test_another_jurisdiction_cannot_see_a_case(server: tuple[Flask, str]) -> None:
    _app, base = server
    answer = post(base, REPORT).json()[0]
    number, token = answer["service_request_id"], answer["token"]
    for path in (f"requests/{number}.json", f"tokens/{token}.json"):
        other = requests.get(f"{base}/{path}", params={"jurisdiction_id": "beta"}, timeout=10)
        assert other.status_code == 404
        assert other.json()[0]["code"] == 404
    listed = requests.get(
        f"{base}/requests.json",
        params={"jurisdiction_id": "beta", "service_request_id": number},
        timeout=10,
    )
    assert listed.json() == []


def test_restricted_cases_are_not_shown(server: tuple[Flask, str]) -> None:
    app, base = server
    number = post(base, REPORT).json()[0]["service_request_id"]
    with session_scope(app) as session:
        session.execute(
            update(Complaint).where(Complaint.case_number == number).values(restricted_at=utcnow())
        )
    gone = requests.get(
        f"{base}/requests/{number}.json", params={"jurisdiction_id": "alpha"}, timeout=10
    )
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("data", "jurisdiction", "status", "words"),
    [
        ({**REPORT, "service_code": "old"}, "alpha", 400, "service_code"),
        ({**REPORT, "service_code": "parks"}, "alpha", 400, "service_code"),
        (
            {k: v for k, v in REPORT.items() if k not in ("lat", "long", "address_string")},
            "alpha",
            400,
            "location",
        ),
        ({**REPORT, "lat": "north"}, "alpha", 400, "lat"),
        ({**REPORT, "lat": "95", "long": "121"}, "alpha", 400, "lat"),
        ({**REPORT, "description": ""}, "alpha", 400, "description"),
        ({**REPORT, "email": "a@b\r\nBcc: c@d"}, "alpha", 400, "email"),
        ({**REPORT, "media_url": "javascript:alert(1)"}, "alpha", 400, "media_url"),
        (REPORT, "", 400, "jurisdiction_id"),
        (REPORT, "nowhere", 404, "jurisdiction_id"),
        ({**REPORT, "description": "x" * 300_000}, "alpha", 413, "too large"),
    ],
)
def test_bad_reports_get_the_spec_error_format(
    server: tuple[Flask, str], data: dict[str, Any], jurisdiction: str, status: int, words: str
) -> None:
    app, base = server
    response = post(base, data, jurisdiction)
    assert response.status_code == status, response.text
    errors = response.json()
    assert isinstance(errors, list) and errors[0]["code"] == status
    assert words in errors[0]["description"]
    with session_scope(app) as session:
        assert session.execute(select(Complaint)).first() is None


def test_bad_queries_are_4xx(server: tuple[Flask, str]) -> None:
    _app, base = server
    for path, params in (
        ("services.json", {}),
        ("requests.json", {"jurisdiction_id": "alpha", "start_date": "yesterday"}),
        ("requests.json", {"jurisdiction_id": "alpha", "status": "pending"}),
        (
            "requests.json",
            {"jurisdiction_id": "alpha", "service_request_id": ",".join(["X"] * 101)},
        ),
        ("requests/NOPE.json", {"jurisdiction_id": "alpha"}),
        ("tokens/forged.json", {"jurisdiction_id": "alpha"}),
        ("requests.csv", {"jurisdiction_id": "alpha"}),
    ):
        response = requests.get(f"{base}/{path}", params=params, timeout=10)
        assert 400 <= response.status_code < 500, (path, response.status_code)
    xml = requests.get(f"{base}/services.xml", timeout=10)
    assert xml.status_code == 400
    assert ET.fromstring(xml.content).findtext("error/code") == "400"


def test_an_api_key_can_be_required(server: tuple[Flask, str]) -> None:
    app, base = server
    app.config["OPEN311_API_KEYS"] = ["s3cret-key"]
    refused = post(base, REPORT)
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    assert post(base, REPORT, api_key="wrong").status_code == 403
    assert post(base, REPORT, api_key="s3cret-key").status_code == 201


def test_filings_are_limited_per_client(server: tuple[Flask, str]) -> None:
    app, base = server
    app.config["COMPLAINT_FILINGS_PER_CLIENT"] = "2 per hour"
    assert [post(base, REPORT).status_code for _ in range(2)] == [201, 201]
    refused = post(base, REPORT)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json() == [{"code": 429, "description": "too many requests; try again later"}]
    with session_scope(app) as session:
        assert len(session.execute(select(Complaint.id)).all()) == 2


def test_each_api_key_has_its_own_filing_limit(server: tuple[Flask, str]) -> None:
    app, base = server
    app.config["OPEN311_API_KEYS"] = ["hotline-key", "other-key"]
    app.config["COMPLAINT_FILINGS_PER_CLIENT"] = "1 per hour"
    app.config["COMPLAINT_FILINGS_PER_API_KEY"] = "3 per hour"
    statuses = [post(base, REPORT, api_key="hotline-key").status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert post(base, REPORT, api_key="other-key").status_code == 201


def test_category_names_are_escaped_in_xml(server: tuple[Flask, str]) -> None:
    app, base = server
    with session_scope(app) as session:
        session.execute(
            update(ComplaintCategory)
            .where(ComplaintCategory.code == "lights")
            .values(name_zh="<b>路燈</b>&")
        )
    xml = requests.get(f"{base}/services.xml", params={"jurisdiction_id": "alpha"}, timeout=10)
    assert "<b>" not in xml.text and "&lt;b&gt;" in xml.text
    assert ET.fromstring(xml.content).findtext("service/service_name") == "<b>路燈</b>&"
    as_json = requests.get(f"{base}/services.json", params={"jurisdiction_id": "alpha"}, timeout=10)
    assert as_json.headers["Content-Type"].startswith("application/json")
    assert as_json.json()[0]["service_name"] == "<b>路燈</b>&"


def test_undecodable_text_is_refused(server: tuple[Flask, str]) -> None:
    app, base = server
    body = "service_code=lights&lat=25&long=121&description=%ff%fe&email=a%40example.test"
    response = requests.post(
        f"{base}/requests.json",
        params={"jurisdiction_id": "alpha"},
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert response.status_code == 400 and "UTF-8" in response.json()[0]["description"]
    with session_scope(app) as session:
        assert session.execute(select(Complaint)).first() is None


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_a_georeport_client_reads_services_and_requests(
    server: tuple[Flask, str], output_format: str
) -> None:
    """``georeport`` (PyPI, 2025), a maintained GeoReport v2 client, reads what an
    Open311 app filed: it cannot file (it says so), so the report goes in as above."""
    from georeport import GeoReport

    _app, base = server
    filed = post(base, REPORT)
    assert filed.status_code == 201, filed.text
    request_id = filed.json()[0]["service_request_id"]
    client = GeoReport(base, jurisdiction="alpha", output_format=output_format)
    services = client.get_service_list()
    if isinstance(services, dict):  # xmltodict: one <service> is a dict, not a list
        services = [services]
    assert [s["service_code"] for s in services] == ["lights"]
    found = client.get_service_requests(service_request_id=request_id)
    if isinstance(found, dict):
        found = [found]
    (request,) = found
    assert request["service_request_id"] == request_id
    assert request["status"] == "open" and request["expected_datetime"]
    text = str(found)
    assert "wang@example.test" not in text and "0912-345-678" not in text  # no personal data
    other = GeoReport(base, jurisdiction="beta", output_format="json")
    assert other.get_service_requests(service_request_id=request_id) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("start_date", "0001-01-01T00:00:00+14:00"),
        ("start_date", "0001-01-01"),
        ("end_date", "0001-01-01T00:00:00+14:00"),
        ("end_date", "0001-03-01T00:00:00Z"),  # the default start is 90 days before
        ("end_date", "9999-12-31T23:59:59-14:00"),
        ("start_date", "9999-12-31T23:59:59"),
        ("end_date", "99999-01-01T00:00:00Z"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_dates_out_of_range_get_the_spec_error_format(
    server: tuple[Flask, str], name: str, value: str, fmt: str
) -> None:
    _app, base = server
    response = requests.get(
        f"{base}/requests.{fmt}", params={"jurisdiction_id": "alpha", name: value}, timeout=10
    )
    assert response.status_code == 400, response.text
    if fmt == "json":
        [error] = response.json()
        description = error["description"]
    else:
        description = ET.fromstring(response.content).findtext("error/description") or ""
    assert name in description


schema = open311_schema()


@pytest.fixture
def open311_app(outbox_app: Flask) -> Flask:
    """Agency alpha with service lights, answered in-process; no rate limit."""
    outbox_app.config["RATELIMIT_ENABLED"] = False
    fd.add_category(outbox_app, "alpha", "lights", name_zh="路燈", name_en="Street lights")
    fd.pin(outbox_app, "2026-11-02")
    return outbox_app


@schema.parametrize()
@FUZZ
def test_every_route_answers_in_the_spec_format(case: Any, open311_app: Flask) -> None:
    case.call_and_validate(app=open311_app, checks=CHECKS)


hostile_schema = open311_schema(phases=("fuzzing",))


@hostile_schema.parametrize()
@hostile_schema.given(data=st.data())
@settings(FUZZ, max_examples=40)
def test_hostile_values_get_the_spec_error_format(case: Any, data: Any, open311_app: Flask) -> None:
    names = [p.name for p in case.operation.query if p.name != "jurisdiction_id"]
    if names:
        query = {"jurisdiction_id": "alpha", **(case.query or {})}
        case.query = data.draw(hostile_fields(query, names))
    if isinstance(case.body, dict):
        case.body = data.draw(hostile_fields({**REPORT, **case.body}, sorted(REPORT)))
    case.call_and_validate(app=open311_app, checks=CHECKS)


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "services.json?jurisdiction_id=al%00pha", "jurisdiction_id"),
        ("GET", "requests.json?jurisdiction_id=alpha&service_code=%00", "service_code"),
        ("POST", "requests.json?jurisdiction_id=alpha", "service_code"),
    ],
)
def test_nul_in_a_parameter_is_400(open311_app: Flask, method: str, path: str, field: str) -> None:
    response = open311_app.test_client().open(
        f"/open311/v2/{path}", method=method, data={**REPORT, "service_code": "li\x00ghts"}
    )
    assert response.status_code == 400
    assert response.get_json() == [
        {"code": 400, "description": f"{field}: contains a NUL character"}
    ]
