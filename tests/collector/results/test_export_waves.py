"""Exports of one wave (/staff/results/export?kind=&wave=, ``collector export --wave``):
the same picker as the results pages, only the wave's responses, a refused wave exports
nothing and says why."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from collector.core import clock
from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.core.models import Response
from collector.results.waves import Wave
from collector.results.waves import period
from collector.results.waves import roc_year
from tests.collector.results.test_exports_web import ANALYST
from tests.collector.results.test_exports_web import client_for
from tests.collector.results.test_exports_web import exported
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.campaigns import make_campaign


def receipts(response: Any) -> set[str]:
    return {r["receipt"] for r in csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))}


def half_of(app: Flask, receipt: str) -> Wave:
    with app.app_context(), session_scope(app) as session:
        at = session.execute(
            select(Response.submitted_at).where(Response.receipt == receipt)
        ).scalar_one()
        return period("half", clock.local_date(at))


def seeded(app: Flask) -> tuple[list[str], list[str]]:
    now = add_responses(app, "alpha", "c1", 2)
    earlier = add_responses(app, "alpha", "c2", 3, days_ago=200)
    add_responses(app, "beta", "c1", 2)
    return now, earlier


def test_a_half_year_exports_only_its_responses_in_gregorian_or_roc(staff_app: Flask) -> None:
    now, earlier = seeded(staff_app)
    wave = half_of(staff_app, earlier[0])
    assert half_of(staff_app, now[0]) != wave
    client = client_for(staff_app, ANALYST)
    response = exported(client, "csv", kind="half", wave=wave.key)
    assert response.status_code == 200
    assert receipts(response) == set(earlier)
    assert wave.key in response.headers["Content-Disposition"]
    roc = f"{roc_year(wave.start.year)}{wave.key[4:]}"  # 115H1 for 2026H1
    assert receipts(exported(client, "csv", kind="half", wave=roc)) == set(earlier)
    year = exported(client, "csv", kind="year", wave=str(wave.start.year))
    in_year = {r for r in now + earlier if half_of(staff_app, r).start.year == wave.start.year}
    assert receipts(year) == in_year
    # the unit filter still applies within the wave
    with staff_app.app_context(), session_scope(staff_app) as session:
        c1, c2 = (
            session.execute(select(Response.unit_id).where(Response.receipt == r)).scalar_one()
            for r in (now[0], earlier[0])
        )
    assert receipts(exported(client, "csv", kind="half", wave=wave.key, unit=c2)) == set(earlier)
    # c1 had no response in that half-year: no such wave for it, nothing exported
    assert exported(client, "csv", kind="half", wave=wave.key, unit=c1).status_code == 400
    # without a wave: every wave, as before
    assert receipts(exported(client, "csv")) == set(now + earlier)


def test_a_campaign_wave_exports_its_campaign(staff_app: Flask) -> None:
    campaign = make_campaign(staff_app)["campaign_id"]
    inside = add_responses(staff_app, "alpha", "c1", 2, campaign_id=campaign)
    add_responses(staff_app, "alpha", "c1", 2)
    response = exported(client_for(staff_app, ANALYST), "csv", kind="campaign", wave=f"c{campaign}")
    assert response.status_code == 200
    assert receipts(response) == set(inside)


def test_a_wave_the_analyst_cannot_read_exports_nothing_and_says_why(staff_app: Flask) -> None:
    seeded(staff_app)
    beta_campaign = make_campaign(staff_app, "beta")["campaign_id"]
    client = client_for(staff_app, ANALYST)
    with staff_app.app_context(), session_scope(staff_app) as session:
        audited = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    for query in (
        {"kind": "campaign", "wave": f"c{beta_campaign}"},
        {"wave": "2099H9"},
        {"wave": "<script>"},
        {"kind": "decade"},
    ):
        response = exported(client, "csv", lang="en", **query)
        assert response.status_code == 400, query
        assert "text/html" in response.headers["Content-Type"]
        assert "nothing was exported" in response.text
        assert "<script>" not in response.text
    with staff_app.app_context(), session_scope(staff_app) as session:
        after = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert after == audited


def test_the_results_page_offers_the_chosen_waves_export(staff_app: Flask) -> None:
    seeded(staff_app)
    page = client_for(staff_app, ANALYST).get(
        "/staff/results", query_string={"lang": "en", "kind": "year"}
    )
    year = clock_year(staff_app)
    assert f"kind=year&amp;wave={year}" in page.text
    assert f"(the responses of {year} (ROC {roc_year(year)})" in page.text


def clock_year(app: Flask) -> int:
    with app.app_context():
        return clock.local(clock.now()).year


def test_cli_exports_one_wave(staff_app: Flask, tmp_path: Any) -> None:
    now, _earlier = seeded(staff_app)
    wave = half_of(staff_app, now[0])
    out = tmp_path / "wave.csv"
    runner = staff_app.test_cli_runner()
    result = runner.invoke(
        args=["export", SLUG, "--agency", "alpha", "--wave", wave.key, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    got = {r["receipt"] for r in csv.DictReader(io.StringIO(out.read_text("utf-8-sig")))}
    assert got == set(now)
    bad = runner.invoke(args=["export", SLUG, "--wave", "2025H3"])
    assert bad.exit_code != 0 and "is no wave" in bad.output
