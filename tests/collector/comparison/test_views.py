"""Agencies compared: side by side, within the actor's tree only, small groups "<5",
each figure what analysis computes from the same rows."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from flask import Flask

from analysis.design import SurveyDesign
from analysis.satisfaction import top_two_box
from collector.comparison.views import trend_line
from tests.helpers.answers import add_responses
from tests.helpers.web import login


def rows_of(html: str) -> dict[str, str]:
    """Each body row's heading and its text."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        heading = re.search(r'<th scope="row">(.*?)</th>', row, flags=re.S)
        assert heading is not None
        out[heading.group(1).strip()] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    return out


@pytest.fixture
def answered(staff_app: Flask) -> Flask:
    add_responses(staff_app, "alpha", "c1", 6, overall_satisfaction="5")
    add_responses(staff_app, "alpha", "c1", 4, overall_satisfaction="2")
    return staff_app


def test_a_ministry_sees_its_agencies_side_by_side(answered: Flask) -> None:
    add_responses(answered, "beta", None, 5, overall_satisfaction="5")
    client, _ = login(answered, "ministry@moi.example.test")
    page = client.get("/staff/results/agencies")
    assert page.status_code == 200
    rows = rows_of(page.text)
    alpha = next(
        text
        for name, text in rows.items()
        if "Alpha" in name or "alpha" in name.lower() or "甲" in name
    )
    assert " 10 " in alpha
    # top-two-box share of alpha: 6 of 10 answered 5, as analysis computes from the rows
    frame = pd.DataFrame({"unit": ["c1"] * 10, "y": [5.0] * 6 + [2.0] * 4})
    want = top_two_box(SurveyDesign(frame, strata="unit", lonely_psu="adjust"), "y")
    assert f"{want.estimate * 100:.1f}%" in alpha
    low, high = want.ci()
    assert f"{low * 100:.1f}–{high * 100:.1f}" in alpha
    assert len(rows) == 2
    sparklines = re.findall(
        r'<img class="sparkline" src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', page.text
    )
    assert len(sparklines) == 3  # each agency and the whole ministry
    assert all("half-year" in alt or "半年度" in alt for alt in sparklines)


def test_trend_line_skips_a_withheld_wave_and_names_its_span(staff_app: Flask) -> None:
    with staff_app.test_request_context():
        chart = trend_line([0.5, None, 0.75], "Alpha", ["113H2", "114H1", "114H2", "115H1"], "en")
    assert chart.title == "Alpha: share satisfied by half-year, 114H1 to 115H1 (%)"
    assert [row[1] for row in chart.rows] == ["50.0", "—", "75.0"]
    assert "from 50.0 to 75.0" in chart.alt


def test_a_small_agency_shows_lt5_only_and_hides_the_other_that_would_reveal_it(
    answered: Flask,
) -> None:
    add_responses(answered, "beta", None, 3, overall_satisfaction="5")
    client, _ = login(answered, "ministry@moi.example.test")
    rows = rows_of(client.get("/staff/results/agencies").text)
    assert all("&lt;5" in text and "%" not in text for text in rows.values()), rows


def test_an_agency_sees_only_itself(answered: Flask) -> None:
    client, _ = login(answered, "analyst@beta.example.test")
    rows = rows_of(client.get("/staff/results/agencies").text)
    assert len(rows) == 1


def test_bad_wave_and_sort_get_a_clear_error_never_a_500(answered: Flask) -> None:
    client, _ = login(answered, "ministry@moi.example.test")
    page = client.get("/staff/results/agencies?wave=nonsense&sort=evil&dir=x")
    assert page.status_code == 400
    assert 'role="alert"' in page.text
    sorted_page = client.get("/staff/results/agencies?sort=share&dir=desc")
    assert 'aria-sort="descending"' in sorted_page.text


def test_an_analyst_seeing_only_their_agency_is_told_no_comparison_is_possible(
    answered: Flask,
) -> None:
    client, _ = login(answered, "analyst@alpha.example.test")
    page = client.get("/staff/results/agencies", query_string={"lang": "en"})
    assert page.status_code == 200
    assert "No comparison possible: only one agency has responses in this wave" in page.text
    assert "nan" not in page.text.lower().replace("nanum", "")  # never "p = nan"
    assert "No significant difference" not in page.text
    rows = rows_of(page.text)
    assert len(rows) == 1 and " 10 " in next(iter(rows.values()))  # the figures still shown


def test_two_agencies_with_responses_are_compared(answered: Flask) -> None:
    add_responses(answered, "beta", None, 5, overall_satisfaction="5")
    client, _ = login(answered, "ministry@moi.example.test")
    page = client.get("/staff/results/agencies", query_string={"lang": "en"})
    assert "No comparison possible" not in page.text
    assert "p = " in page.text
