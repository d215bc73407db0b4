"""The citizen's survey page, without JavaScript: answering, errors, language, receipts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from sqlalchemy import func
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Response
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.fuzzing import FUZZ
from tests.helpers.fuzzing import form_values
from tests.helpers.web import csrf_token
from tests.helpers.web import form_data
from tests.helpers.web import hidden

URL = "/s/alpha/c1/citizen-satisfaction"


def responses(app: Flask) -> int:
    with session_scope(app) as session:
        return session.execute(select(func.count()).select_from(Response)).scalar_one()


def page_fields(client: FlaskClient, url: str = URL) -> dict[str, str]:
    html = client.get(url).get_data(as_text=True)
    return {
        "csrf_token": csrf_token(html),
        "submission_token": hidden(html, "submission_token"),
        "started": hidden(html, "started"),
        "lang": hidden(html, "lang"),
    }


def post(client: FlaskClient, answers: dict[str, Any], url: str = URL, **extra: Any) -> Any:
    data = page_fields(client, url) | form_data(answers) | extra
    return client.post(url, data=data)


def test_index_links_every_agency_survey(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'href="/s/alpha/citizen-satisfaction?lang=zh-Hant-TW"' in html
    assert "乙機關" in html and "測試部" not in html


def test_page_is_accessible_markup(client: FlaskClient) -> None:
    html = client.get(URL).get_data(as_text=True)
    assert '<html lang="zh-Hant-TW">' in html
    assert "<legend>服務人員熟悉業務、解說清楚正確" in html  # scales are fieldsets with a legend
    # a grid of items sharing a scale: a table, each item a row header naming its radios
    assert (
        '<span class="grid-item-label" id="item-env_signage">洽公動線及指引標示清楚</span>' in html
    )
    assert 'aria-labelledby="item-env_signage choice-q-env_signage-0"' in html
    assert 'role="radiogroup" aria-required="true"' in html
    assert '<label for="q-comment"' in html  # text fields have labels
    assert "個人資料蒐集告知事項" in html and "蒐集機關：甲機關" in html  # PDPA Art. 8 notice
    assert '<a class="skip-link" href="#main">' in html
    assert "<script>" not in html  # no inline script: the CSP forbids it


def test_answering_gives_a_receipt(app: Flask, client: FlaskClient) -> None:
    response = post(client, CITIZEN_ANSWERS)
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    receipt = re.search(r'class="receipt-code">([0-9A-Z-]+)<', thanks)
    assert receipt and "已收到您的問卷" in thanks
    with session_scope(app) as session:
        row = session.execute(select(Response)).scalar_one()
        assert (row.receipt, row.channel, row.language) == (
            receipt.group(1),
            "online",
            "zh-Hant-TW",
        )
        assert row.started_at is not None and row.started_at <= row.submitted_at
        keys = set(row.answers)
    assert keys == set(CITIZEN_ANSWERS)


def test_qr_channel_and_unit_are_recorded(app: Flask, client: FlaskClient) -> None:
    url = "/s/beta/c2/citizen-satisfaction?ch=qr"
    assert post(client, CITIZEN_ANSWERS, url=url).status_code == 303
    with session_scope(app) as session:
        row = session.execute(select(Response)).scalar_one()
    assert row.channel == "qr" and row.unit_id is not None


def test_unknown_channel_falls_back_to_online(app: Flask, client: FlaskClient) -> None:
    assert post(client, CITIZEN_ANSWERS, url=URL + "?ch=kiosk").status_code == 303
    with session_scope(app) as session:
        assert session.execute(select(Response.channel)).scalar_one() == "online"


def test_double_submit_stores_one_response(app: Flask, client: FlaskClient) -> None:
    data = page_fields(client) | form_data(CITIZEN_ANSWERS)
    first = client.post(URL, data=data)
    second = client.post(URL, data=data)
    assert first.status_code == second.status_code == 303
    assert responses(app) == 1


def test_missing_answers_keep_everything_and_link_errors(app: Flask, client: FlaskClient) -> None:
    answers = {
        k: v
        for k, v in CITIZEN_ANSWERS.items()
        if k not in ("overall_satisfaction", "measures_wait")
    }
    response = post(client, answers)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "有 2 題需要修正" in html
    assert 'href="#q-overall_satisfaction-0"' in html  # the first radio, which takes focus
    assert 'id="error-overall_satisfaction"' in html
    assert 'aria-describedby="error-overall_satisfaction"' in html
    # Every answer given is still selected or filled in.
    assert re.search(r'name="q_env_signage" value="4" checked', html)
    assert re.search(r'name="q_env_facilities" value="na" checked', html)
    assert "櫃台很親切 𠊎</textarea>" in html
    assert responses(app) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("q_env_signage", "7", "請從選項中選擇"),
        ("q_service_type", "<script>", "請從選項中選擇"),
        ("q_comment", "a\x00b", "無法辨識的字元"),
        ("q_comment", "字" * 2001, "最多 2000 個字"),
    ],
)
def test_bad_values_get_a_clear_error(
    app: Flask, client: FlaskClient, field: str, value: str, message: str
) -> None:
    response = post(client, CITIZEN_ANSWERS, **{field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert responses(app) == 0


def test_foreign_fields_are_ignored_and_escaped(app: Flask, client: FlaskClient) -> None:
    response = post(client, CITIZEN_ANSWERS, q_hack="<img src=x onerror=alert(1)>")
    assert response.status_code == 303
    assert responses(app) == 1


def test_comment_is_escaped_when_shown_again(client: FlaskClient) -> None:
    answers = dict(CITIZEN_ANSWERS, comment="<script>alert(1)</script>")
    del answers["overall_satisfaction"]
    html = post(client, answers).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_language_switch_keeps_answers(app: Flask, client: FlaskClient) -> None:
    partial = {"service_type": "inquiry", "env_signage": 2, "comment": "想說的話"}
    response = post(client, partial, _lang="en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html and "Citizen Service Satisfaction Survey" in html
    assert re.search(r'name="q_service_type" value="inquiry" checked', html)
    assert re.search(r'name="q_env_signage" value="2" checked', html)
    assert "想說的話</textarea>" in html
    assert "needs attention" not in html  # switching is not submitting
    assert responses(app) == 0
    # And the English page submits in English.
    fields = {
        name: hidden(html, name) for name in ("csrf_token", "submission_token", "started", "lang")
    }
    done = client.post(URL, data=fields | form_data(CITIZEN_ANSWERS))
    assert done.status_code == 303
    with session_scope(app) as session:
        assert session.execute(select(Response.language)).scalar_one() == "en"


def test_english_from_the_browser(client: FlaskClient) -> None:
    html = client.get(URL, headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    html = client.get(URL, headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert '<html lang="zh-Hant-TW">' in html


def test_expired_csrf_token_keeps_answers(app: Flask, client: FlaskClient) -> None:
    fields = page_fields(client)
    fields["csrf_token"] = "forged"
    response = client.post(URL, data=fields | form_data(CITIZEN_ANSWERS))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "頁面已逾時" in html
    assert re.search(r'name="q_env_signage" value="4" checked', html)
    assert responses(app) == 0


def test_oversized_body_is_a_friendly_413(app: Flask, client: FlaskClient) -> None:
    response = post(client, CITIZEN_ANSWERS, q_comment="x" * 300_000)
    assert response.status_code == 413
    assert "送出的資料太大" in response.get_data(as_text=True)
    assert responses(app) == 0


def test_invalid_utf8_is_refused_without_storing(app: Flask, client: FlaskClient) -> None:
    fields = page_fields(client)
    from urllib.parse import urlencode

    body = urlencode(fields | form_data(CITIZEN_ANSWERS)).encode() + b"&q_service_type_other=%FF%FE"
    body = body.replace(b"q_comment=", b"q_comment=%C3%28")
    response = client.post(URL, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert "無法辨識的字元" in response.get_data(as_text=True)
    assert responses(app) == 0


def test_conditional_question_is_ignored_unless_its_condition_holds(
    app: Flask, client: FlaskClient
) -> None:
    assert post(client, dict(CITIZEN_ANSWERS, service_type_other="順便問路")).status_code == 303
    answers = dict(CITIZEN_ANSWERS, service_type="other", service_type_other="順便問路")
    assert post(client, answers).status_code == 303
    with session_scope(app) as session:
        texts = [
            text
            for answers in session.execute(select(Response.answers)).scalars()
            for _, text in answers.get("service_type_other", ())
        ]
    assert texts == ["順便問路"]


@pytest.mark.parametrize(
    "url",
    [
        "/s/zeta/citizen-satisfaction",
        "/s/alpha/c9/citizen-satisfaction",
        "/s/alpha/nope",
        "/s/moi/citizen-satisfaction",
    ],
)
def test_unknown_things_are_a_404_page(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "找不到這個頁面" in response.get_data(as_text=True)


def test_security_headers_on_pages(client: FlaskClient) -> None:
    response = client.get(URL)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_thanks_without_a_submission_goes_home(client: FlaskClient) -> None:
    response = client.get("/thanks")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")


def test_land_office_rule_shows_on_the_page(app: Flask, client: FlaskClient) -> None:
    from tests.helpers.organisation import add_land_office

    url = f"/s/{add_land_office(app)}/land-office-service"
    answers = {
        "case_type": "registration",
        "case_status": "completed",
        "filed_on": "2020-01-01",
        "days_to_complete": 5,
        "clear_requirements": 4,
        "correction_once": 4,
        "progress_online": "na",
        "overall_satisfaction": 5,
    }
    assert post(client, answers, url=url).status_code == 303
    from datetime import date
    from datetime import timedelta

    answers["filed_on"] = (date.today() - timedelta(days=3)).isoformat()
    answers["days_to_complete"] = 10
    html = post(client, answers, url=url).get_data(as_text=True)
    assert "辦理天數不能超過送件日至今的天數（3 天）" in html


@pytest.mark.parametrize("slug", ["staff-satisfaction", "complaint-handling"])
def test_staff_and_complaint_surveys_have_no_public_page(client: FlaskClient, slug: str) -> None:
    # Staff answer through one-time tokens only; complainants after their case closes.
    assert client.get(f"/s/alpha/{slug}").status_code == 404
    assert client.get(f"/s/alpha/c1/{slug}").status_code == 404


SURVEY_FIELDS = [f"q_{key}" for key in CITIZEN_ANSWERS] + ["lang", "started", "submission_token"]


@given(values=form_values(SURVEY_FIELDS))
@FUZZ
def test_any_form_gets_a_page_or_a_receipt(client: FlaskClient, values: dict[str, Any]) -> None:
    data = page_fields(client) | form_data(CITIZEN_ANSWERS) | values
    response = client.post(URL, data=data)
    assert response.status_code in (200, 303, 400, 422), response.status_code
    if response.status_code != 303:
        assert response.mimetype == "text/html"  # the form again, saying what to fix
