"""The bundled land-office plugin: ROC dates, its questionnaire, its submission rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from collector.core.hooktypes import AnswerError
from collector.core.models import Agency
from collector.core.plugins import get_plugins
from plugins.land_office import format_roc_date
from plugins.land_office import is_land_office
from plugins.land_office import parse_roc_date
from tests.helpers.database import AGENCIES
from tests.helpers.organisation import add_land_office
from tests.helpers.organisation import choose_offer


@pytest.fixture
def app(make_app: Any) -> Flask:
    """Agencies alpha and beta (no land offices) and the land office ``land``."""
    app = make_app(seed=AGENCIES)
    add_land_office(app)
    return app


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("115/11/23", dt.date(2026, 11, 23)),
        ("115年11月23日", dt.date(2026, 11, 23)),
        ("民國 99.1.5", dt.date(2010, 1, 5)),
        ("１１５／０３／０２", dt.date(2026, 3, 2)),
    ],
)
def test_parse_roc_date(text: str, day: dt.date) -> None:
    assert parse_roc_date(text) == day
    assert parse_roc_date(format_roc_date(day)) == day


@pytest.mark.parametrize("text", ["2026/11/23x", "115/13/01", "115/02/30", "abc", "1/1"])
def test_bad_roc_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_roc_date(text)


def roc_type(app: Any) -> Any:
    plugins = get_plugins(app)
    return plugins.question_type(plugins.questionnaires["land-office-service"], "filed_on")


def test_roc_date_question_type(app: Any) -> None:
    qtype = roc_type(app)
    assert qtype.parse("115/03/02") == "2026-03-02"
    assert qtype.parse("2026-03-02") == "2026-03-02"
    with pytest.raises(AnswerError) as info:
        qtype.parse("明天")
    assert "民國年" in info.value.text("zh-Hant-TW")
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(AnswerError):
        qtype.parse(format_roc_date(tomorrow))


def submit(client: Any, **answers: Any) -> Any:
    base = {
        "case_type": "survey",
        "case_status": "completed",
        "clear_requirements": 4,
        "correction_once": "na",
        "survey_appointment": 3,
        "progress_online": 4,
        "overall_satisfaction": 4,
    }
    return client.post(
        "/api/v1/responses",
        json={"questionnaire": "land-office-service", "agency": "land", "answers": base | answers},
    )


def test_rule_rejects_more_days_than_have_passed(client: Any) -> None:
    filed = dt.date.today() - dt.timedelta(days=10)
    assert submit(client, filed_on=format_roc_date(filed), days_to_complete=10).status_code == 201
    refused = submit(client, filed_on=format_roc_date(filed), days_to_complete=11)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {
        "days_to_complete": "The days to complete cannot exceed the days since filing (10)."
    }


def test_rule_ignores_other_questionnaires_and_partial_answers(client: Any) -> None:
    assert submit(client, days_to_complete=300).status_code == 201  # no filing date given


def test_survey_item_only_for_survey_cases(app: Any, client: Any) -> None:
    response = submit(client, case_type="registration")
    assert response.status_code == 201  # survey_appointment dropped: its condition fails
    exported = app.test_cli_runner().invoke(args=["export", "land-office-service"])
    header, row = exported.output.splitlines()[:2]
    index = header.split(",").index("survey_appointment")
    assert row.split(",")[index] == ""


@pytest.mark.parametrize(
    ("zh", "en", "land"),
    [
        ("臺北市中山地政事務所", "Taipei City Zhongshan Land Office", True),
        ("新北市板橋地政事務所", "", True),
        ("某某所", "Hsinchu Land Office", True),
        ("臺北市大安區戶政事務所", "Da'an District Household Registration Office", False),
        ("臺北市政府地政局", "Department of Land Administration", False),
    ],
)
def test_land_offices_are_known_by_their_official_name(zh: str, en: str, land: bool) -> None:
    assert is_land_office(Agency(code="x", name_zh=zh, name_en=en)) is land


def test_the_questionnaire_is_offered_at_land_offices_only(app: Flask, client: Any) -> None:
    assert submit(client).status_code == 201  # at the land office
    refused = client.post(
        "/api/v1/responses",
        json={"questionnaire": "land-office-service", "agency": "alpha", "answers": {}},
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {
        "questionnaire": "this questionnaire is not offered at this agency"
    }
    assert client.get("/s/land/land-office-service").status_code == 200
    page = client.get("/s/alpha/c1/land-office-service")
    assert page.status_code == 404
    assert "甲機關沒有使用「地政案件服務滿意度調查」" in page.text
    assert 'href="/s/alpha/c1/citizen-satisfaction?lang=zh-Hant-TW"' in page.text  # what it has
    index = client.get("/").text
    alpha = index[index.index('id="agency-alpha"') : index.index('id="agency-beta"')]
    assert "/s/alpha/citizen-satisfaction" in alpha and "land-office-service" not in alpha
    assert "/s/land/land-office-service" in index


def test_an_agency_may_switch_it_on_or_off_for_itself(app: Flask, client: Any) -> None:
    choose_offer(app, "alpha", "land-office-service")
    choose_offer(app, "land", "land-office-service", offered=False)
    assert client.get("/s/alpha/land-office-service").status_code == 200
    assert client.get("/s/land/land-office-service").status_code == 404
    assert submit(client).status_code == 422


def test_the_api_lists_what_an_agency_offers(client: Any) -> None:
    def slugs(query: str) -> set[str]:
        data = client.get(f"/api/v1/questionnaires{query}").get_json()
        return {q["slug"] for q in data["questionnaires"]}

    assert "land-office-service" in slugs("")  # every agency's, as before
    assert slugs("?agency=land") == {"citizen-satisfaction", "land-office-service"}
    assert slugs("?agency=alpha") == {"citizen-satisfaction"}
    assert slugs("?agency=nowhere") == set()
