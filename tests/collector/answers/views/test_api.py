"""The JSON API contract integrators and the kiosk depend on, checked against OpenAPI."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_spec_validator import validate
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Response
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.answers import api_body
from tests.helpers.answers import retried
from tests.helpers.complaints import only_case
from tests.helpers.database import count_answers
from tests.helpers.database import count_rows


@pytest.fixture(params=[True, False], ids=["fast path", "flask view"])
def app(request: pytest.FixtureRequest, make_app: Any) -> Flask:
    """Every test twice: POST /api/v1/responses answered in front of Flask, and by its view."""

    return make_app(seed="agencies", API_FAST_PATH=request.param)


@functools.cache
def openapi(document: str) -> OpenAPI:
    """The OpenAPI document (as canonical JSON), validated: once per distinct document."""
    data = json.loads(document)
    validate(data)
    return OpenAPI.from_dict(data)


@pytest.fixture
def spec(client: FlaskClient) -> OpenAPI:
    return openapi(json.dumps(client.get("/api/openapi.json").get_json(), sort_keys=True))


def checked(spec: OpenAPI, client: FlaskClient, method: str, path: str, **kwargs: Any) -> Any:
    """Make a request and check both it and the answer against the OpenAPI document."""
    response = client.open(path, method=method, **kwargs)
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path, method=method, base_url="http://localhost", **kwargs)
    request = builder.get_request()
    openapi_request = WerkzeugOpenAPIRequest(request)
    spec.validate_response(openapi_request, WerkzeugOpenAPIResponse(response))
    return response


body = api_body


def count(app: Flask, model: Any = Response) -> int:
    return count_rows(app, model)


def test_agencies_lists_public_information_only(spec: OpenAPI, client: FlaskClient) -> None:
    data = checked(spec, client, "GET", "/api/v1/agencies").get_json()
    codes = [a["code"] for a in data["agencies"]]
    assert codes == ["alpha", "beta"]  # the ministry takes no responses itself
    alpha = data["agencies"][0]
    assert alpha["name"] == {"zh-Hant-TW": "甲機關", "en": "Agency Alpha"}
    assert [u["code"] for u in alpha["units"]] == ["c1", "c2"]
    assert set(alpha) == {"code", "name", "units"}


def test_questionnaires_describe_questions(spec: OpenAPI, client: FlaskClient) -> None:
    data = checked(spec, client, "GET", "/api/v1/questionnaires").get_json()
    by_slug = {q["slug"]: q for q in data["questionnaires"]}
    citizen = by_slug["citizen-satisfaction"]
    assert citizen["version"] == 1
    questions = {q["key"]: q for q in citizen["questions"]}
    env = questions["env_signage"]
    assert env["type"] == "likert5" and env["required"] is True
    assert [c["value"] for c in env["choices"]] == ["5", "4", "3", "2", "1", "na"]
    assert env["choices"][0]["label"] == {
        "zh-Hant-TW": "非常滿意",
        "en": "Very satisfied",
        "vi": "Rất hài lòng",
        "id": "Sangat puas",
        "th": "พอใจมาก",
        "hak": "非常滿意",  # the bundled Hakka plugin's catalogue
    }
    assert (env["min"], env["max"]) == (1, 5)
    assert questions["recommend"]["min"] == 0 and questions["recommend"]["max"] == 10
    assert questions["comment"]["choices"] is None
    assert questions["service_type_other"]["relevant"] == "${service_type} = 'other'"
    assert "land-office-service" in by_slug


def test_questionnaires_in_one_language(client: FlaskClient) -> None:
    data = client.get("/api/v1/questionnaires?lang=en").get_json()
    citizen = next(q for q in data["questionnaires"] if q["slug"] == "citizen-satisfaction")
    assert citizen["title"] == {"en": "Citizen Service Satisfaction Survey"}


def test_submit_stores_one_response(spec: OpenAPI, app: Flask, client: FlaskClient) -> None:
    response = checked(spec, client, "POST", "/api/v1/responses", json=body())
    assert response.status_code == 201
    data = response.get_json()
    assert data["questionnaire"] == "citizen-satisfaction" and data["version"] == 1
    assert count(app) == 1
    # The 18 answers given, kept with their response.
    assert count_answers(app) == len(CITIZEN_ANSWERS)
    exported = app.test_cli_runner().invoke(args=["export", "citizen-satisfaction"])
    assert "櫃台很親切 𠊎" in exported.output
    assert data["receipt"] in exported.output


def test_idempotent_retry_returns_the_same_receipt(app: Flask, client: FlaskClient) -> None:
    retried(client, "retry-123", body())
    assert count(app) == 1


def test_same_key_with_another_body_is_refused(app: Flask, client: FlaskClient) -> None:
    headers = {"Idempotency-Key": "retry-456"}
    assert client.post("/api/v1/responses", json=body(), headers=headers).status_code == 201
    changed = body()
    changed["answers"]["overall_satisfaction"] = 1
    second = client.post("/api/v1/responses", json=changed, headers=headers)
    assert second.status_code == 422
    assert "Idempotency-Key" in second.get_json()["error"]
    assert count(app) == 1


def test_idempotency_keys_are_scoped_per_agency(app: Flask, client: FlaskClient) -> None:
    headers = {"Idempotency-Key": "same"}
    assert client.post("/api/v1/responses", json=body(), headers=headers).status_code == 201
    other = client.post("/api/v1/responses", json=body(agency="beta", unit="c2"), headers=headers)
    assert other.status_code == 201
    assert count(app) == 2


@pytest.mark.parametrize(
    ("answers", "key", "message"),
    [
        ({"env_signage": 6}, "env_signage", "choose one of the options"),
        (
            {"env_signage": "na", "courtesy_attitude": "na"},
            "courtesy_attitude",
            "choose one of the options",
        ),
        ({"service_type": "bribe"}, "service_type", "choose one of the options"),
        ({"recommend": 11}, "recommend", "choose one of the options"),
        ({"overall_satisfaction": None}, "overall_satisfaction", "needs an answer"),
        ({"comment": "x" * 2001}, "comment", "at most 2000"),
        ({"comment": "a\x00b"}, "comment", "could not be read"),
        ({"sex": ["female", "male"]}, "sex", "wrong format"),
        ({"first_visit": {"nested": 1}}, "first_visit", "wrong format"),
        ({"no_such_question": 1}, "no_such_question", "no such question"),
    ],
)
def test_invalid_answers_are_422_and_store_nothing(
    spec: OpenAPI, app: Flask, client: FlaskClient, answers: dict, key: str, message: str
) -> None:
    data = body()
    data["answers"].update(answers)
    data["answers"] = {k: v for k, v in data["answers"].items() if v is not None}
    response = checked(spec, client, "POST", "/api/v1/responses", json=data)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert key in errors and message in errors[key].lower()
    assert count(app) == 0


def test_error_messages_follow_accept_language(client: FlaskClient) -> None:
    data = body()
    del data["answers"]["overall_satisfaction"]
    response = client.post(
        "/api/v1/responses", json=data, headers={"Accept-Language": "zh-TW,zh;q=0.9"}
    )
    assert response.get_json()["errors"]["overall_satisfaction"] == "這一題必須回答。"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"questionnaire": "nope"}, "questionnaire"),
        ({"version": 99}, "questionnaire"),
        ({"agency": "moi"}, "agency"),  # a ministry takes no responses
        ({"agency": "zeta"}, "agency"),
        ({"unit": "c9"}, "unit"),
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"answers": [1, 2]}, "answers"),
        ({"language": "fr"}, "language"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"receipt": "forged"}, "receipt"),
    ],
)
def test_invalid_envelope_is_422(
    app: Flask, client: FlaskClient, overrides: dict, field: str
) -> None:
    response = client.post("/api/v1/responses", json=body(**overrides))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count(app) == 0


def test_unit_of_another_agency_is_refused(app: Flask, client: FlaskClient) -> None:
    # Both agencies have a unit "c1"; the unit is looked up inside the named agency only.
    response = client.post("/api/v1/responses", json=body(agency="beta", unit="c1"))
    assert response.status_code == 201
    from collector.core.plugins import get_plugins
    from collector.results.reading import load_table

    with session_scope(app) as session:
        table = load_table(session, get_plugins(app), "citizen-satisfaction")
    assert table.frame[["agency", "unit"]].values.tolist() == [["beta", "c1"]]


def test_explicit_old_version_is_accepted(client: FlaskClient) -> None:
    response = client.post("/api/v1/responses", json=body(version=1))
    assert response.status_code == 201


def test_conditional_answer_is_dropped_when_its_condition_fails(
    app: Flask, client: FlaskClient
) -> None:
    data = body()
    data["answers"]["service_type_other"] = "should not be kept"
    assert client.post("/api/v1/responses", json=data).status_code == 201
    with session_scope(app) as session:
        keys = session.execute(select(Response.answers)).scalar_one()
    assert "service_type_other" not in keys


def test_malformed_requests(app: Flask, client: FlaskClient) -> None:
    not_json = client.post("/api/v1/responses", data="answers=1", content_type="text/plain")
    assert not_json.status_code == 415
    broken = client.post("/api/v1/responses", data=b'{"a": ', content_type="application/json")
    assert broken.status_code == 400 and "JSON" in broken.get_json()["error"]
    bad_utf8 = client.post(
        "/api/v1/responses", data=b'{"questionnaire": "\xff\xfe"}', content_type="application/json"
    )
    assert bad_utf8.status_code == 400
    array = client.post("/api/v1/responses", json=[1, 2, 3])
    assert array.status_code == 400
    key = client.post("/api/v1/responses", json=body(), headers={"Idempotency-Key": "x" * 300})
    assert key.status_code == 400
    huge = client.post(
        "/api/v1/responses",
        data=b'{"answers": {"comment": "' + b"x" * 400_000 + b'"}}',
        content_type="application/json",
    )
    assert huge.status_code == 413 and "too large" in huge.get_json()["error"]
    nested = client.post("/api/v1/responses", data=b"[" * 100_000, content_type="application/json")
    assert nested.status_code == 400
    assert count(app) == 0


def test_api_needs_no_csrf_token_and_sets_security_headers(client: FlaskClient) -> None:
    response = client.post("/api/v1/responses", json=body())
    assert response.status_code == 201
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_unknown_api_path_is_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.is_json


def test_no_ip_address_is_stored(app: Flask, client: FlaskClient) -> None:
    client.post("/api/v1/responses", json=body(), environ_base={"REMOTE_ADDR": "203.0.113.77"})
    from sqlalchemy import text

    with session_scope(app) as session:
        rows = session.execute(text("SELECT * FROM response")).all()
    assert rows and "203.0.113.77" not in repr(rows)


@pytest.mark.parametrize("slug", ["staff-satisfaction", "complaint-handling"])
def test_non_public_questionnaires_are_not_offered_or_accepted(
    app: Flask, client: FlaskClient, slug: str
) -> None:
    listed = [q["slug"] for q in client.get("/api/v1/questionnaires").get_json()["questionnaires"]]
    assert slug not in listed
    response = client.post("/api/v1/responses", json=body(questionnaire=slug, answers={}))
    assert response.status_code == 422
    assert "not open to public" in response.get_json()["errors"]["questionnaire"]
    assert count(app) == 0


# -- complaints (陳情) -------------------------------------------------------------------


@pytest.fixture
def complaints(app: Flask, tmp_path: Any) -> Flask:
    """Agency alpha takes complaints in category ``roads``; mail goes to an outbox folder."""
    from tests.helpers.complaints import add_category

    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    app.config["COMPLAINT_TODAY"] = "2026-11-02"
    add_category(app, "alpha", "roads", name_zh="道路", name_en="Roads")
    return app


def complaint(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "agency": "alpha",
        "category": "roads",
        "subject": "路燈不亮",
        "description": "中山路 12 號前的路燈已經一週不亮。",
        "name": "王小明",
        "email": "wang@example.test",
    }
    data.update(overrides)
    return data


def test_filing_a_complaint_returns_number_password_link_and_due_date(
    spec: OpenAPI, complaints: Flask, client: FlaskClient
) -> None:

    filed = checked(spec, client, "POST", "/api/v1/complaints", json=complaint())
    assert filed.status_code == 201
    data = filed.get_json()
    assert data["case_number"].startswith("20261102-")
    assert len(data["password"]) == 12
    assert "/complaints/follow/" in data["follow_url"]
    assert data["due_on"] == "2026-12-02"  # 30 calendar days, the receipt day not counted
    assert filed.headers["Cache-Control"] == "no-store"
    case = only_case(complaints)
    assert (case.channel, case.name, case.email, case.reply_channel) == (
        "api",
        "王小明",
        "wang@example.test",
        "email",
    )
    status = checked(
        spec,
        client,
        "GET",
        f"/api/v1/complaints/{data['case_number']}",
        headers={"X-Case-Password": data["password"]},
    )
    assert status.status_code == 200
    shown = status.get_json()
    assert (shown["status"], shown["due_on"], shown["received_on"]) == (
        "received",
        "2026-12-02",
        "2026-11-02",
    )
    assert [h["event"] for h in shown["history"]] == ["received"]
    assert "王小明" not in status.text and "wang@example.test" not in status.text


def test_unknown_number_and_wrong_password_get_the_same_answer(
    complaints: Flask, client: FlaskClient
) -> None:
    data = client.post("/api/v1/complaints", json=complaint()).get_json()
    wrong = client.get(
        f"/api/v1/complaints/{data['case_number']}", headers={"X-Case-Password": "WRONGWRONG22"}
    )
    unknown = client.get(
        "/api/v1/complaints/20261102-ZZZZZZ", headers={"X-Case-Password": data["password"]}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json() == unknown.get_json()
    missing = client.get(f"/api/v1/complaints/{data['case_number']}")
    assert missing.status_code == 400 and "X-Case-Password" in missing.get_json()["error"]


def test_password_guessing_is_throttled(complaints: Flask, client: FlaskClient) -> None:
    complaints.config["RATELIMIT_LOGIN"] = "3 per day"  # no window ends mid-test
    codes = [
        client.get(
            "/api/v1/complaints/20261102-ZZZZZZ", headers={"X-Case-Password": f"guess{i}"}
        ).status_code
        for i in range(5)
    ]
    assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"agency": "nowhere"}, "agency"),
        ({"agency": "moi"}, "agency"),  # a ministry takes no complaints itself
        ({"category": "nothing"}, "category"),
        ({"description": ""}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"description": 42}, "description"),
        ({"subject": "a\x00b"}, "subject"),
        ({"email": "not an address"}, "email"),
        ({"email": "a@example.test\r\nBcc: x@example.test"}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"latitude": 123, "longitude": 121}, "latitude"),
        ({"latitude": 25}, "longitude"),
        ({"anonymous": "yes"}, "anonymous"),
        ({"reply_channel": "fax"}, "reply_channel"),
        ({"reply_channel": "letter"}, "reply_channel"),  # no address given
        ({"language": "fr"}, "language"),
        ({"password": "chosen"}, "password"),  # unknown field
    ],
)
def test_invalid_complaints_are_422_and_store_nothing(
    complaints: Flask, client: FlaskClient, changes: dict[str, Any], field: str
) -> None:
    from collector.core.models import Complaint

    response = client.post("/api/v1/complaints", json=complaint(**changes))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count(complaints, Complaint) == 0


def test_malformed_complaint_requests_are_4xx(complaints: Flask, client: FlaskClient) -> None:
    assert client.post("/api/v1/complaints", data="x", content_type="text/plain").status_code == 415
    assert (
        client.post("/api/v1/complaints", data="[1", content_type="application/json").status_code
        == 400
    )
    assert client.post("/api/v1/complaints", json=[1, 2]).status_code == 400
    huge = client.post("/api/v1/complaints", json=complaint(description="長" * 200_000))
    assert huge.status_code == 413 and huge.is_json
    long_number = client.get("/api/v1/complaints/" + "9" * 500, headers={"X-Case-Password": "x"})
    assert long_number.status_code == 404


def test_script_in_a_complaint_comes_back_as_json_text(
    complaints: Flask, client: FlaskClient
) -> None:
    evil = "<script>alert(1)</script>"
    data = client.post(
        "/api/v1/complaints", json=complaint(subject=evil, description=evil)
    ).get_json()
    status = client.get(
        f"/api/v1/complaints/{data['case_number']}", headers={"X-Case-Password": data["password"]}
    )
    assert status.content_type.startswith("application/json")
    assert evil not in status.text  # the subject and description are not echoed at all


def test_an_anonymous_complaint_needs_the_agency_to_accept_it(
    complaints: Flask, client: FlaskClient
) -> None:
    from collector.core.models import ComplaintPolicy
    from tests.helpers.organisation import agency

    anonymous = complaint(name=None, email=None)
    ok = client.post("/api/v1/complaints", json=anonymous)
    assert ok.status_code == 201
    with session_scope(complaints) as session:
        session.add(ComplaintPolicy(agency_id=agency(session, "alpha").id, accept_anonymous=False))
    refused = client.post("/api/v1/complaints", json=anonymous)
    assert refused.status_code == 422 and "anonymous" in refused.get_json()["errors"]["name"]


@pytest.mark.parametrize("value", [None, True, 1, 1.5, [], {}, [1], {"a": 1}, "x" * 10000])
@pytest.mark.parametrize(
    "field", ["agency", "category", "description", "email", "latitude", "reply_channel", "name"]
)
def test_wrong_types_in_a_complaint_are_4xx(
    complaints: Flask, client: FlaskClient, field: str, value: Any
) -> None:
    response = client.post("/api/v1/complaints", json=complaint(**{field: value}))
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    if response.status_code == 422:
        assert response.get_json()["errors"]


def raw_json(data: dict[str, Any], value: str, replacement: str) -> bytes:
    """``data`` as JSON text with the JSON string ``value`` spelled ``replacement``:
    a way to send what no Python string can encode (a lone surrogate escape)."""
    text = json.dumps(data, ensure_ascii=True)
    assert json.dumps(value) in text
    return text.replace(json.dumps(value), replacement).encode()


def assert_surrogate_refused(client: FlaskClient, path: str, data: bytes) -> None:
    response = client.post(path, data=data, content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.get_json()["error"]


LONE_SURROGATES = ['"\\ud800"', '"x\\udfff"', '"\\udc00\\ud800"']


@pytest.mark.parametrize("replacement", LONE_SURROGATES)
@pytest.mark.parametrize("where", ["comment", "agency", "unit", "a key"])
def test_a_lone_surrogate_in_a_response_is_400(
    app: Flask, client: FlaskClient, where: str, replacement: str
) -> None:
    data = body()
    if where == "comment":
        data["answers"]["comment"] = "MARK"
    elif where == "a key":
        data["answers"]["MARK"] = 1
    else:
        data[where] = "MARK"
    assert_surrogate_refused(client, "/api/v1/responses", raw_json(data, "MARK", replacement))
    assert count(app) == 0


def test_a_surrogate_pair_is_one_character(app: Flask, client: FlaskClient) -> None:
    data = body()
    data["answers"]["comment"] = "MARK"
    response = client.post(
        "/api/v1/responses",
        data=raw_json(data, "MARK", '"\\ud840\\udc8a"'),  # 𠂊, escaped as a pair
        content_type="application/json",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("version", [2**31, 2**63, -(2**63) - 1, 10**23, 1e23, 0, -1, 1.0, True])
def test_a_version_the_database_cannot_hold_is_422(
    app: Flask, client: FlaskClient, version: Any
) -> None:
    response = client.post("/api/v1/responses", json=body(version=version))
    assert response.status_code == 422
    assert "version" in response.get_json()["errors"]
    assert count(app) == 0


@pytest.mark.parametrize(
    "started_at",
    [
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00",
        "1899-12-31T23:59:59Z",
        "9999-12-31T23:59:59-14:00",
        "\u0661\u0669\u0669\u0669-01-01",
    ],
)
def test_a_start_time_out_of_range_is_422(app: Flask, client: FlaskClient, started_at: str) -> None:
    response = client.post("/api/v1/responses", json=body(started_at=started_at))
    assert response.status_code == 422
    assert "started_at" in response.get_json()["errors"]
    assert count(app) == 0


@pytest.mark.parametrize(
    "value", [10**400, -(10**400), 1e308], ids=["10**400", "-10**400", "1e308"]
)
def test_a_number_answer_beyond_a_float_is_422(client: FlaskClient, value: Any) -> None:
    answers = dict(CITIZEN_ANSWERS, recommend=value)
    response = client.post("/api/v1/responses", json=body(answers=answers))
    assert response.status_code == 422 and "recommend" in response.get_json()["errors"]


@pytest.mark.parametrize("replacement", LONE_SURROGATES)
@pytest.mark.parametrize(
    "field", ["agency", "category", "description", "address", "location", "MARK"]
)
def test_a_lone_surrogate_in_a_complaint_is_400(
    complaints: Flask, client: FlaskClient, field: str, replacement: str
) -> None:
    from collector.core.models import Complaint

    data = complaint(**{field: "MARK"}) if field != "MARK" else {**complaint(), "MARK": 1}
    assert_surrogate_refused(client, "/api/v1/complaints", raw_json(data, "MARK", replacement))
    assert count(complaints, Complaint) == 0


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 100_000,
        b'{"description": ' + b"[" * 100_000,
        b'{"description": ' + b"[" * 50 + b"]" * 50 + b"}",
        b'{"description": ' + b'{"a":' * 40_000,
    ],
    ids=["array", "in a field", "closed, 50 deep", "objects"],
)
@pytest.mark.parametrize("path", ["/api/v1/complaints", "/api/v1/responses"])
def test_absurd_nesting_is_400(app: Flask, client: FlaskClient, path: str, data: bytes) -> None:
    response = client.post(path, data=data, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]


@pytest.mark.parametrize(
    "value", [10**400, -(10**400), "1e400", 1e308], ids=["10**400", "-10**400", "text", "1e308"]
)
def test_a_coordinate_beyond_a_float_is_422(
    complaints: Flask, client: FlaskClient, value: Any
) -> None:
    response = client.post("/api/v1/complaints", json=complaint(latitude=value, longitude=121.5))
    assert response.status_code == 422 and "latitude" in response.get_json()["errors"]


def test_the_document_bounds_the_version_as_the_server_does(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    bounds = document["components"]["schemas"]["NewResponse"]["properties"]["version"]
    highest = client.post("/api/v1/responses", json=body(version=bounds["maximum"]))
    assert highest.get_json()["errors"] == {"questionnaire": "no such questionnaire or version"}
    for outside in (bounds["minimum"] - 1, bounds["maximum"] + 1):
        refused = client.post("/api/v1/responses", json=body(version=outside))
        assert set(refused.get_json()["errors"]) == {"version"}


@pytest.mark.parametrize("field", ["agency", "unit"])
def test_nul_in_a_code_is_422(app: Flask, client: FlaskClient, field: str) -> None:
    response = client.post("/api/v1/responses", json=body(**{field: "al\x00pha"}))
    assert response.status_code == 422 and field in response.get_json()["errors"]


@pytest.mark.parametrize("field", ["agency", "category"])
def test_nul_in_a_complaint_code_is_422(complaints: Flask, client: FlaskClient, field: str) -> None:
    response = client.post("/api/v1/complaints", json=complaint(**{field: "ro\x00ads"}))
    assert response.status_code == 422 and field in response.get_json()["errors"]
