"""The complaint statistics page: its numbers against ``analysis`` computed directly from
the same cases, small cells, other agencies, the ministry's view and bad input."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pandas as pd
import pytest
from flask import Flask
from sqlalchemy import select

from analysis.handling import share
from analysis.survival import time_to_close
from collector.core.db import session_scope
from collector.core.models import Complaint
from collector.core.models import Unit
from tests.helpers import complaints as fd
from tests.helpers.web import client_as

PAGE = "/staff/cases/statistics"
WAVE = "?wave=2026H2"


@pytest.fixture
def sapp(outbox_app: Flask) -> Flask:
    """Alpha: 8 roads cases received in October 2026 (6 answered after 1 to 6 days,
    the 6 with an e-mail address closed and invited, all answered; 2 still open and
    overdue), and 3 lights cases; beta: 6 cases of its own. Today: 5 December 2026."""
    app = outbox_app
    roads = fd.add_category(app, "alpha", "roads")
    lights = fd.add_category(app, "alpha", "lights")
    beta = fd.add_category(app, "beta", "roads")
    for i in range(8):
        fd.pin(app, date(2026, 10, 1 + i))
        filed = fd.file_case(app, "alpha", roads, name=f"民{i}", email=f"a{i}@example.test")
        if i < 6:
            answered = date(2026, 10, 1 + i) + timedelta(days=1 + i)
            fd.close_case(app, filed.case.id, replied=answered, closed=answered)  # type: ignore[arg-type]
    for _ in range(3):
        fd.pin(app, date(2026, 11, 2))
        fd.file_case(app, "alpha", lights)
    for _ in range(6):
        fd.pin(app, date(2026, 10, 2))
        fd.file_case(app, "beta", beta)
    citizen = app.test_client()
    for link in fd.feedback_links(app):
        page = citizen.get(link)
        assert citizen.post(link, data=fd.answer_form(page.text)).status_code == 200
    fd.pin(app, date(2026, 12, 5))
    return app


def test_the_figures_equal_analysis_on_the_same_cases(sapp: Flask) -> None:
    with session_scope(sapp) as session:
        alpha = fd.agency(session, "alpha").id
        rows = [
            (c.received_on, c.due_on, c.answered_on, c.category_id)
            for c in session.execute(
                select(Complaint).where(Complaint.agency_id == alpha)
            ).scalars()
        ]
    today = date(2026, 12, 5)
    due = [r for r in rows if r[1] < today]
    on_time = sum(1 for r in due if r[2] is not None and r[2] <= r[1])
    expected_share = share(on_time, len(due))
    km = time_to_close(
        pd.Series([pd.Timestamp(r[0]) for r in rows]),
        pd.Series([pd.Timestamp(r[2]) if r[2] else pd.NaT for r in rows]),
        pd.Timestamp(today),
    )
    page = client_as(sapp, fd.ADMIN).get(PAGE + WAVE)
    assert page.status_code == 200
    assert f"{expected_share.estimate * 100:.1f}%" in page.text
    assert f"{expected_share.low * 100:.1f}%" in page.text
    assert "11" in page.text  # received in the wave
    assert f"{km.share_closed_within(7) * 100:.1f}%" in page.text
    assert "已答復" in page.text or "Answered" in page.text
    # both charts are drawn, each an image with its sentence
    assert page.text.count('<img class="chart" src="data:image/svg+xml;base64,') == 2


def test_small_cells_are_withheld_with_the_totals_that_would_reveal_them(sapp: Flask) -> None:
    page = client_as(sapp, fd.ADMIN).get(PAGE + WAVE).text
    # November holds the 3 lights cases only: its row total and cell are withheld
    november = page.split("2026-11</th>", 1)[1].split("</tr>", 1)[0]
    assert "&lt;5" in november and ">3<" not in november
    # the follow-up has 6 answers (shown), courtesy is not applicable for some: never a 1-4
    assert "回應率" in page


def test_another_agency_is_refused_and_never_shown(sapp: Flask) -> None:
    with session_scope(sapp) as session:
        alpha = fd.agency(session, "alpha").id
    beta = client_as(sapp, "admin@beta.example.test")
    page = beta.get(f"{PAGE}{WAVE}&agency={alpha}")
    assert page.status_code == 400
    assert "甲機關" not in page.text and "lights" not in page.text
    own = beta.get(PAGE + WAVE)
    assert own.status_code == 200 and "lights" not in own.text and "roads" in own.text


def test_the_ministry_sees_agencies_as_a_whole(sapp: Flask) -> None:
    ministry = client_as(sapp, "ministry@moi.example.test")
    with session_scope(sapp) as session:
        alpha = fd.agency(session, "alpha").id
        unit = session.execute(select(Unit.id).where(Unit.agency_id == alpha)).scalars().first()
    page = ministry.get(f"{PAGE}{WAVE}&agency={alpha}")
    assert page.status_code == 200
    assert 'name="unit"' not in page.text  # no per-unit figures
    assert ministry.get(f"{PAGE}{WAVE}&agency={alpha}&unit={unit}").status_code == 400


@pytest.mark.parametrize("who", ["cases@alpha.example.test", "analyst@alpha.example.test"])
def test_case_handlers_and_analysts_read_it(sapp: Flask, who: str) -> None:
    page = client_as(sapp, who).get(PAGE + "?wave=115H2")  # an ROC key
    assert page.status_code == 200
    assert "2026 H2" in page.text


def test_counter_staff_may_not(sapp: Flask) -> None:
    assert client_as(sapp, "counter@alpha.example.test").get(PAGE).status_code == 403


@pytest.mark.parametrize(
    "query", ["?wave=2026Q5", "?wave=c12", "?wave=" + "9" * 500, "?wave=1999", "?unit=abc",
              "?unit=99999", "?agency=x"],
)  # fmt: skip
def test_bad_input_gets_a_clear_error(sapp: Flask, query: str) -> None:
    page = client_as(sapp, fd.ADMIN).get(PAGE + query)
    assert page.status_code == 400
    assert "error-summary" in page.text or "has-error" in page.text
    assert "各月收案件數" not in page.text  # no figures for a refused choice


def test_a_month_without_a_case_due_is_named_in_the_p_chart_table(sapp: Flask) -> None:
    """July to September 2026 had no case due: rows that say so (the chart's gap), not
    months left out."""
    page = client_as(sapp, fd.ADMIN).get(PAGE + WAVE)
    assert page.status_code == 200
    table = page.text[page.text.index('id="on-time"') : page.text.index('id="time-to-close"')]
    for month in ("2026-07", "2026-08", "2026-09"):
        row = table[table.index(f'<th scope="row">{month}</th>') :]
        row = row[: row.index("</tr>")]
        assert "無到期案件" in row or "No cases due" in row
    assert '<th scope="row">2026-10</th>' in table
