"""Kiosk answers in campaigns and in the results: an answer from a unit's kiosk counts in
the agency's campaign open that day for that unit and questionnaire version (none: no
campaign), and the results pages count kiosk answers under their own channel."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Response
from tests.collector.results.test_views import page_as
from tests.collector.results.test_views import row
from tests.collector.results.test_views import section
from tests.helpers.campaigns import make_campaign
from tests.helpers.kiosk import paired_tablet
from tests.helpers.kiosk import queued
from tests.helpers.kiosk import send

ANALYST = "analyst@alpha.example.test"


def _around_today(**kwargs: object) -> dict[str, object]:
    """A campaign whose period holds today (the device's answers carry the real time)."""
    today = date.today()
    return {"starts_on": today - timedelta(days=20), "ends_on": today + timedelta(days=20)} | kwargs


def kiosk_campaigns(app: Flask) -> list[int | None]:
    with session_scope(app) as session:
        rows = session.execute(
            select(Response.campaign_id).where(Response.channel == "kiosk").order_by(Response.id)
        )
        return list(rows.scalars())


def test_an_answer_counts_in_the_units_open_campaign(staff_app: Flask) -> None:
    ours = make_campaign(staff_app, units=("c1",), **_around_today())
    make_campaign(staff_app, units=("c1",), status="closed", title="已結束", **_around_today())
    make_campaign(staff_app, "beta", units=("c1",), title="他機關", **_around_today())
    tablet, _kiosk_id = paired_tablet(staff_app)  # unit c1 of alpha
    assert send(tablet, queued()).status_code == 201
    assert kiosk_campaigns(staff_app) == [ours["campaign_id"]]


def test_no_open_campaign_for_the_unit_means_none(staff_app: Flask) -> None:
    make_campaign(staff_app, units=("c2",), **_around_today())  # another unit
    make_campaign(staff_app, units=("c1",), status="draft", title="草稿", **_around_today())
    tablet, _kiosk_id = paired_tablet(staff_app)
    assert send(tablet, queued()).status_code == 201
    assert kiosk_campaigns(staff_app) == [None]


def test_the_results_count_kiosk_answers_under_their_channel(staff_app: Flask) -> None:
    campaign = make_campaign(staff_app, units=("c1",), **_around_today())
    tablet, _kiosk_id = paired_tablet(staff_app)
    for _ in range(6):
        assert send(tablet, queued()).status_code == 201
    wave = f"c{campaign['campaign_id']}"
    page = page_as(staff_app, ANALYST, wave=wave)
    assert page.status_code == 200 and "2026 臨櫃滿意度調查" in page.text  # the campaign's wave
    assert row(section(page.text, "By channel"), "Kiosk")[0] == "6"
    chinese = page_as(staff_app, ANALYST, wave=wave, lang="zh-Hant-TW").text
    assert '<tr><th scope="row">問卷平板</th>' in chinese
