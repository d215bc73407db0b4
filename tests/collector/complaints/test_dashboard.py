"""The complaint dashboard's figures, checked by hand on small fixtures, and its pages."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from collector.complaints import dashboard as dash
from collector.complaints import records
from collector.complaints.service import CaseService
from tests.helpers import complaints as fd
from tests.helpers.web import client_as


def row(case_id: int, unit: int | None, received: str, due: str, answered: str | None,
        closed: str | None, reopened: bool = False, agency: int = 1) -> dash.CaseRow:  # fmt: skip
    return dash.CaseRow(
        case_id=case_id,
        agency_id=agency,
        unit_id=unit,
        received_on=date.fromisoformat(received),
        due_on=date.fromisoformat(due),
        answered_on=date.fromisoformat(answered) if answered else None,
        closed_on=date.fromisoformat(closed) if closed else None,
        reopened=reopened,
    )


ROWS = [
    row(1, 1, "2026-09-10", "2026-10-10", "2026-10-05", "2026-10-07"),  # 27 days
    row(2, 1, "2026-10-01", "2026-10-31", "2026-11-02", "2026-11-03", reopened=True),  # late, 33
    row(3, 1, "2026-10-02", "2026-11-01", "2026-10-20", "2026-10-21"),  # 19 days
    row(4, 1, "2026-10-03", "2026-11-02", None, None),  # still open
    row(5, 1, "2026-10-04", "2026-11-03", "2026-10-10", "2026-10-30", reopened=True),  # 26 days
    row(6, None, "2026-10-05", "2026-11-04", "2026-10-06", "2026-10-06"),  # no unit, 1 day
]


def test_case_figures_by_hand() -> None:
    cells = dash.case_metrics(ROWS, lambda r: -1 if r.unit_id is None else r.unit_id)
    september, october, november = (
        cells[(1, "2026-09")],
        cells[(1, "2026-10")],
        cells[(1, "2026-11")],
    )
    assert (september.received, september.answered, september.closed) == (1, 0, 0)
    assert september.on_time_share is None and september.median_days is None
    # October: received 2, 3, 4, 5; answered 1, 3, 5 (all on time); closed 1, 3, 5 (27, 19, 26 days)
    assert (october.received, october.answered, october.on_time) == (4, 3, 3)
    assert october.on_time_share == 1.0
    assert october.closed == 3
    assert october.median_days == 26  # sorted 19, 26, 27
    assert october.p90_days == 27
    assert october.reopen_rate == pytest.approx(1 / 3)
    # November: case 2 answered late, closed after 33 days, reopened since
    assert (november.answered, november.on_time, november.on_time_share) == (1, 0, 0.0)
    assert (november.median_days, november.p90_days, november.reopen_rate) == (33, 33, 1.0)
    assert cells[(-1, "2026-10")].median_days == 1


def test_quantiles_are_the_inverse_empirical_cdf() -> None:
    assert dash.quantile([1, 2, 3, 4], 0.5) == 2  # the CDF reaches 0.5 exactly at 2
    assert dash.quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert dash.quantile([], 0.5) is None


def test_aggregate_readers_see_no_count_under_five() -> None:
    cells = dash.case_metrics(ROWS, lambda r: r.agency_id)
    october = dash.suppress(cells[(1, "2026-10")])
    # received 5 (cases 2-6) is shown; 4 answered and 4 closed are not, nor their figures
    assert october.received == 5
    assert october.answered is None and october.on_time_share is None
    assert october.closed is None and october.median_days is None and october.reopen_rate is None
    big = dash.case_metrics(
        [row(i, 1, "2026-10-01", "2026-10-31", "2026-10-05", "2026-10-06") for i in range(6)],
        lambda r: r.agency_id,
    )
    shown = dash.suppress(big[(1, "2026-10")])
    assert (shown.received, shown.answered, shown.closed, shown.on_time_share) == (6, 6, 6, 1.0)
    assert shown.reopened is None  # 0 reopened: a count under 5
    assert shown.reopen_rate == 0.0


ITEMS = dash.Items(
    overall="overall_satisfaction",
    dimensions={"process": ["proc_timeliness", "proc_courtesy"], "outcome": ["outcome_result"]},
)


def fb(unit: int, channel: str, overall: int, stratum: str | None = None, population: int | None = None,
       month: str = "2026-10", **items: float) -> dash.FeedbackRow:  # fmt: skip
    return dash.FeedbackRow(
        agency_id=1,
        unit_id=unit,
        month=month,
        channel=channel,
        answers={"overall_satisfaction": overall, **items},
        stratum=stratum,
        population=population,
        drawn=None,
    )


def test_phone_answers_are_weighted_by_their_stratum() -> None:
    rows = [
        # stratum X: N = 10, 2 respondents -> weight 5 each
        fb(1, "phone", 5, "X", 10, proc_timeliness=5, outcome_result=4),
        fb(1, "phone", 3, "X", 10, proc_timeliness=4, outcome_result=4),
        # stratum Y: N = 4, 4 respondents -> weight 1 each
        fb(1, "phone", 5, "Y", 4, proc_timeliness=5, outcome_result=2),
        fb(1, "phone", 2, "Y", 4, proc_timeliness=2, outcome_result=2),
        fb(1, "phone", 1, "Y", 4, proc_timeliness=1, outcome_result=2),
        fb(1, "phone", 3, "Y", 4, proc_timeliness=3, proc_courtesy=4, outcome_result=2),
    ]
    cells = dash.satisfaction(rows, ITEMS)
    cell = cells[(1, "2026-10", "phone")]
    assert cell.respondents == 6
    # top two: X's first (5), Y's first (1): 6 / 14 (unweighted it would be 2/6)
    assert cell.top2 is not None and cell.top2.estimate == pytest.approx(6 / 14)
    assert cell.top2.ci is not None and cell.top2.ci[0] < 6 / 14 < cell.top2.ci[1]
    # overall mean: (5*5 + 5*3 + 5 + 2 + 1 + 3) / 14 = 51 / 14
    assert cell.items["overall_satisfaction"].estimate == pytest.approx(51 / 14)
    # timeliness: (25 + 20 + 5 + 2 + 1 + 3) / 14; outcome: (40 + 8) / 14
    assert cell.items["proc_timeliness"].estimate == pytest.approx(56 / 14)
    assert cell.dimensions["outcome"].estimate == pytest.approx(48 / 14)
    # courtesy was answered once: hidden, and so is nothing else
    assert cell.items["proc_courtesy"].n is None and cell.items["proc_courtesy"].estimate is None


def test_online_answers_are_unweighted_and_small_cells_hidden() -> None:
    rows = [fb(1, "online", v, proc_timeliness=v, outcome_result=v) for v in (5, 5, 4, 2, 1)]
    rows += [fb(2, "online", 5) for _ in range(4)]
    cells = dash.satisfaction(rows, ITEMS)
    one = cells[(1, "2026-10", "online")]
    assert one.respondents == 5
    assert one.top2 is not None and one.top2.estimate == pytest.approx(3 / 5)
    assert one.items["overall_satisfaction"].estimate == pytest.approx(17 / 5)
    two = cells[(2, "2026-10", "online")]
    assert two.respondents is None and two.top2 is None and two.items == {}


def test_groups_by_agency_for_the_ministry() -> None:
    rows = [fb(unit, "online", 5) for unit in (1, 2, 3, 1, 2)]
    cells = dash.satisfaction(rows, ITEMS, group="agency")
    assert list(cells) == [(1, "2026-10", "online")]
    assert cells[(1, "2026-10", "online")].top2.estimate == 1.0  # type: ignore[union-attr]


# -- the pages ----------------------------------------------------------------------


@pytest.fixture
def fapp(outbox_app: Flask) -> Flask:
    app = outbox_app
    app.config["ROADS"] = fd.add_category(app, "alpha", "roads")
    return app


def test_the_unit_dashboard_counts_cases_and_hides_small_satisfaction(fapp: Flask) -> None:
    for _ in range(2):
        filed = fd.file_case(fapp, "alpha", fapp.config["ROADS"], name="甲", email="a@example.test")
        fd.close_case(fapp, filed.case.id)  # type: ignore[arg-type]
    links = fd.feedback_links(fapp)
    assert len(links) == 2
    citizen = fapp.test_client()
    for link in links:
        page = citizen.get(link)
        assert citizen.post(link, data=fd.answer_form(page.text)).status_code == 200
    month = records.today_for(fapp).strftime("%Y-%m")
    admin = client_as(fapp, fd.ADMIN)
    page = admin.get("/staff/cases/dashboard")
    assert page.status_code == 200
    assert month in page.text
    assert "線上連結（未加權）" in page.text
    assert "&lt;5" in page.text  # two respondents: suppressed
    handler = client_as(fapp, "cases@alpha.example.test")
    assert handler.get("/staff/cases/dashboard").status_code == 200
    assert handler.get("/staff/cases/dashboard/agencies").status_code == 403
    ministry = client_as(fapp, "ministry@moi.example.test")
    assert ministry.get("/staff/cases/dashboard").status_code == 403
    side = ministry.get("/staff/cases/dashboard/agencies")
    assert side.status_code == 200
    assert "甲機關" in side.text
    assert "&lt;5" in side.text  # 2 cases: the count itself is suppressed for the ministry


@pytest.mark.parametrize(
    "query",
    ["?from=2026-13", "?from=2026-10&to=2026-01", "?from=2020-01&to=2026-01", "?agency=999",
     "?agency=abc", "?from=" + "9" * 500],
)  # fmt: skip
def test_bad_dashboard_queries_are_4xx(fapp: Flask, query: str) -> None:
    response = client_as(fapp, fd.ADMIN).get("/staff/cases/dashboard" + query)
    assert 400 <= response.status_code < 500 or response.status_code == 200
    assert response.status_code != 500


def test_another_agency_is_not_offered(fapp: Flask) -> None:
    beta = client_as(fapp, "admin@beta.example.test")
    with fd.session_scope(fapp) as session:
        alpha_id = fd.agency(session, "alpha").id
    assert beta.get(f"/staff/cases/dashboard?agency={alpha_id}").status_code == 404


def test_rows_come_from_the_case_history(fapp: Flask) -> None:
    """Answered, closed and reopened dates are read from the events, on Taiwan dates."""
    from sqlalchemy import select
    from sqlmodel import Session

    from collector.access.identity import actor_for_user
    from collector.core.db import get_engine
    from collector.core.models import User

    fd.pin(fapp, "2026-10-01")
    filed = fd.file_case(fapp, "alpha", fapp.config["ROADS"], name="甲", email="a@example.test")
    case_id = filed.case.id
    fd.close_case(fapp, case_id, "upheld", replied="2026-10-05", closed="2026-10-07")  # type: ignore[arg-type]
    fd.pin(fapp, "2026-10-10")
    fd.act(
        fapp, case_id, fd.ADMIN, lambda s, c, a: CaseService(fapp, s, a).reopen(c, reason="未修好")
    )
    fd.close_case(fapp, case_id, "upheld", replied="2026-10-12", closed="2026-10-13")  # type: ignore[arg-type]
    fd.pin(fapp, "2026-10-02")
    declined = fd.file_case(fapp, "alpha", fapp.config["ROADS"], name="乙", email="b@example.test")
    fd.pin(fapp, "2026-10-03")
    fd.act(
        fapp,
        declined.case.id,
        fd.ADMIN,
        lambda s, c, a: CaseService(fapp, s, a).decline(
            c, ground="repeated_answered", reason="重複"
        ),
    )
    with fapp.app_context(), Session(get_engine(fapp)) as session:
        user = session.execute(select(User).where(User.email == fd.ADMIN)).scalar_one()
        actor = actor_for_user(user, db=session)
        rows = dash.load_case_rows(
            session, "cases.read", date(2026, 10, 1), date(2026, 10, 31), actor=actor
        )
    by_id = {r.case_id: r for r in rows}
    first = by_id[case_id]  # type: ignore[index]
    assert (first.received_on, first.answered_on, first.closed_on, first.reopened) == (
        date(2026, 10, 1),
        date(2026, 10, 5),
        date(2026, 10, 7),
        True,
    )
    second = by_id[declined.case.id]  # type: ignore[index]
    assert (second.answered_on, second.closed_on, second.reopened) == (
        date(2026, 10, 3),
        date(2026, 10, 3),
        False,
    )
    cell = dash.case_metrics(rows, lambda r: r.agency_id)[(first.agency_id, "2026-10")]
    assert (cell.received, cell.answered, cell.on_time, cell.closed) == (2, 2, 2, 2)
    assert (cell.median_days, cell.reopen_rate) == (1, 0.5)  # days 6 and 1


def test_phone_answers_keyed_in_carry_their_stratum_to_the_dashboard(fapp: Flask) -> None:
    import re

    from sqlalchemy import select
    from sqlmodel import Session

    from collector.access.identity import actor_for_user
    from collector.core.db import get_engine
    from collector.core.models import User
    from tests.helpers.web import csrf_token

    lights = fd.add_category(fapp, "alpha", "lights")
    fd.pin(fapp, "2026-10-05")
    for i, (category, outcome) in enumerate(
        [(fapp.config["ROADS"], "upheld")] * 4 + [(lights, "not_upheld")] * 3
    ):
        filed = fd.file_case(fapp, "alpha", category, name=f"民{i}", phone=f"09120000{i:02d}")
        fd.close_case(fapp, filed.case.id, outcome, replied="2026-10-06", closed="2026-10-07")  # type: ignore[arg-type]
    fd.pin(fapp, "2026-11-03")
    admin = client_as(fapp, fd.ADMIN)
    token = csrf_token(admin.get("/staff/cases/followup").text)
    drawn = admin.post(
        "/staff/cases/followup",
        data={"csrf_token": token, "start": "2026-10-01", "end": "2026-10-31", "size": "3"},
    )
    listing = admin.get(drawn.headers["Location"]).text
    calls = re.findall(r'href="(/staff/cases/followup/call/\d+)"', listing)
    assert len(calls) == 6  # 3 of 4 roads, all 3 lights
    for url in calls[:5]:
        page = admin.get(url)
        assert admin.post(url, data=fd.answer_form(page.text)).status_code == 303
    with fapp.app_context(), Session(get_engine(fapp)) as session:
        user = session.execute(select(User).where(User.email == fd.ADMIN)).scalar_one()
        actor = actor_for_user(user, db=session)
        rows = dash.load_case_rows(
            session, "cases.read", date(2026, 10, 1), date(2026, 10, 31), actor=actor
        )
        feedback = dash.load_feedback_rows(session, "cases.read", rows, ITEMS, actor=actor)
    assert len(feedback) == 5 and {f.channel for f in feedback} == {"phone"}
    assert sorted({(f.population, f.drawn) for f in feedback}) == [(3, 3), (4, 3)]
    [cell] = dash.satisfaction(feedback, ITEMS).values()
    assert cell.respondents == 5 and cell.top2 is not None and cell.top2.estimate == 1.0
    page = admin.get("/staff/cases/dashboard?from=2026-10&to=2026-10").text
    assert "電話抽樣（加權）" in page and "100.0%" in page
