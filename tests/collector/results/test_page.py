"""The results pages by wave: the numbers equal analysis/ on the same rows, the wave picker
refuses bad input kindly, plugins' sections and analyses reach the page, the staff page."""

from __future__ import annotations

import html
import importlib.metadata
import re
from datetime import date
from typing import Any

import pandas as pd
import pytest
from flask import Flask

from analysis.composite import average_of_means
from analysis.design import SurveyDesign
from analysis.satisfaction import score_0_100
from analysis.satisfaction import top_two_box
from collector.core import plugins as plugin_system
from collector.core.db import session_scope
from collector.core.plugins import get_plugins
from collector.results import importance
from collector.results import reliability
from collector.results import wavedata
from collector.results.core_sections import breakdowns
from collector.results.reading import load_table
from collector.results.sums import cache_of
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.campaigns import make_campaign
from tests.helpers.web import Auth
from tests.helpers.web import logged_in

ANALYST = "analyst@alpha.example.test"


def page_as(app: Flask, email: str, path: str = "/staff/results", **query: Any) -> Any:
    client = app.test_client()
    assert logged_in(Auth(client).login(email))
    return client.get(path, query_string={"lang": "en", **query})


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def by_id(page: str, ident: str) -> str:
    match = re.search(rf'id="{ident}"[^>]*>(.*?)</(?:dd|p|table)>', page, re.S)
    assert match, ident
    return text_of(match.group(1))


def seed_mixed(app: Flask) -> None:
    """Alpha: 9 + 4 + 3 responses of different satisfaction at two units; beta: 6."""
    add_responses(app, "alpha", "c1", 5, overall_satisfaction=5, env_signage=2)
    add_responses(app, "alpha", "c1", 4, overall_satisfaction=3, env_signage=4)
    add_responses(app, "alpha", "c2", 4, overall_satisfaction=4, env_signage=5)
    add_responses(app, "alpha", "c2", 3, overall_satisfaction=1, env_signage=1)
    add_responses(app, "beta", "c1", 6, overall_satisfaction=1)


def direct_design(app: Flask) -> SurveyDesign:
    """analysis/ on the same rows, without the page's code: alpha's responses, strata by unit."""
    with app.app_context(), session_scope(app) as session:
        table = load_table(session, get_plugins(app), SLUG)
    frame = table.frame[table.frame["agency"] == "alpha"]
    data = pd.DataFrame(
        {
            "stratum": frame["unit"].to_numpy(),
            "overall": pd.to_numeric(frame["overall_satisfaction"], errors="coerce").to_numpy(),
            **{
                key: pd.to_numeric(frame[key], errors="coerce").to_numpy()
                for key in ("env_signage", "env_comfort", "env_facilities")
            },
        }
    )
    return SurveyDesign(data, strata="stratum", lonely_psu="adjust")


def test_a_sample_of_the_numbers_equals_what_analysis_computes(staff_app: Flask) -> None:
    seed_mixed(staff_app)
    page = page_as(staff_app, ANALYST, questionnaire=SLUG).text
    design = direct_design(staff_app)
    share = top_two_box(design, "overall")
    low, high = share.ci()
    assert by_id(page, "headline-top2") == (
        f"{share.estimate * 100:.1f}% (95% confidence interval {low * 100:.1f}–{high * 100:.1f})"
    )
    score = score_0_100(design, "overall")
    slow, shigh = score.ci(df=score.df)
    assert by_id(page, "headline-score") == (
        f"{score.estimate:.1f} (95% confidence interval {slow:.1f}–{shigh:.1f})"
    )
    # the trend's row for this wave is counted in the database, and agrees
    trend = by_id(page, "trend-table")
    assert f"{share.estimate * 100:.1f}% ({low * 100:.1f}–{high * 100:.1f})" in trend
    # a dimension: the average of its items' 0-100 scores, never below all of them
    env = average_of_means(design, ["env_signage", "env_comfort"], 25, 1)  # env_facilities: all "n"
    elow, ehigh = env.ci()
    assert f"{env.estimate:.1f} ({elow:.1f}–{ehigh:.1f})" in text_of(page)
    assert "16 responses" in page  # alpha only: beta's six never counted


def test_a_change_since_the_previous_campaign_is_tested_and_said_in_words(
    staff_app: Flask,
) -> None:
    first = make_campaign(
        staff_app,
        title="First wave",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 6, 30),
        status="closed",
    )["campaign_id"]
    second = make_campaign(staff_app, title="Second wave", starts_on=date(2026, 7, 1))[
        "campaign_id"
    ]
    add_responses(staff_app, "alpha", "c1", 30, overall_satisfaction=2, campaign_id=first)
    add_responses(staff_app, "alpha", "c1", 5, overall_satisfaction=5, campaign_id=first)
    add_responses(staff_app, "alpha", "c1", 30, overall_satisfaction=5, campaign_id=second)
    add_responses(staff_app, "alpha", "c1", 5, overall_satisfaction=2, campaign_id=second)
    page = page_as(staff_app, ANALYST, kind="campaign").text
    assert by_id(page, "headline-statement").startswith("Significantly higher than First wave, p")
    assert "Second wave" in by_id(page, "trend-table")
    zh = page_as(staff_app, ANALYST, kind="campaign", lang="zh-Hant-TW").text
    assert "顯著高於 First wave" in by_id(zh, "headline-statement")
    again = page_as(staff_app, ANALYST, wave=f"c{first}").text
    assert "Compared with" not in again  # the first campaign has none before it
    assert "headline-statement" not in again


@pytest.mark.parametrize(
    "query",
    [
        {"wave": "2099H9"},
        {"wave": "<script>x</script>"},
        {"kind": "decade"},
        {"kind": "campaign", "wave": "c999999"},
        {"campaign": "²"},
    ],
)
def test_a_bad_wave_gets_a_notice_and_the_default_never_a_500(
    staff_app: Flask, query: dict[str, str]
) -> None:
    add_responses(staff_app, "alpha", "c1", 5)
    response = page_as(staff_app, ANALYST, **query)
    assert response.status_code == 200
    # the default wave (no campaign exists: no campaign wave to fall back on)
    assert ('id="headline-top2"' in response.text) != (query.get("kind") == "campaign")
    assert "<script>x" not in response.text
    if query.get("wave") or query.get("kind"):
        assert 'class="notice" role="status"' in response.text


def test_another_agencys_campaign_is_never_shown(staff_app: Flask) -> None:
    theirs = make_campaign(staff_app, "beta", title="Beta secret wave")["campaign_id"]
    add_responses(staff_app, "beta", "c1", 6, campaign_id=theirs, comment="beta secret")
    add_responses(staff_app, "alpha", "c1", 5)
    page = page_as(staff_app, ANALYST, kind="campaign", wave=f"c{theirs}").text
    assert "Beta secret wave" not in page and "beta secret" not in page
    assert f"no wave c{theirs} among the waves you can read" in page


def test_the_staff_survey_has_its_own_page(staff_app: Flask) -> None:
    citizen = page_as(staff_app, ANALYST).text
    assert "Internal Staff Satisfaction Survey" not in citizen
    page = page_as(staff_app, ANALYST, "/staff/results/staff")
    assert page.status_code == 200
    assert "Internal staff survey results" in page.text
    assert (
        'value="staff-satisfaction"' in page.text
        and 'value="citizen-satisfaction"' not in page.text
    )


def test_a_plugins_section_and_analysis_reach_the_page(
    monkeypatch: pytest.MonkeyPatch, make_app: Any
) -> None:
    ep = importlib.metadata.EntryPoint(
        name="example", value="tests.helpers.example_plugin", group="collector"
    )
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [ep])
    app = make_app(seed="staff", PLUGINS_LOAD_ENTRY_POINTS=True)
    add_responses(app, "alpha", "c1", 6)
    page = page_as(app, ANALYST).text
    assert by_id(page, "example-section") == "6 responses counted by the example plugin."
    analyses = page.split('id="section-analyses"')[1]
    assert "count: How many responses" in analyses
    assert re.search(r"<code>responses</code></th><td class=\"num\">6</td>", analyses)
    ministry = page_as(app, "ministry@moi.example.test").text
    assert 'id="section-analyses"' not in ministry  # free-form output: detailed readers only


def test_the_figures_are_computed_once_and_worded_in_each_language(
    staff_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page seen in English, then in Chinese: the breakdowns, the reliability and the
    importance-performance table come from sums counted once for the wave (kept: the
    second request counts nothing again; their figures do not depend on the language),
    not from the wave's rows, and are labelled in each language."""
    calls: dict[str, int] = {}

    def counting(module: Any, name: str) -> None:
        original = getattr(module, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[name] = calls.get(name, 0) + 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)

    for module, name in [
        (breakdowns, "breakdown"),
        (reliability, "dimension_figures"),
        (importance, "ipa_table"),
        (breakdowns, "summed_breakdown"),
        (reliability, "summed_figures"),
        (importance, "summed_ipa_table"),
    ]:
        counting(module, name)
    seed_mixed(staff_app)
    english = page_as(staff_app, ANALYST, questionnaire=SLUG)
    assert english.status_code == 200
    first = dict(calls)
    assert first.get("summed_breakdown") and first.get("summed_figures")
    assert first.get("summed_ipa_table")
    assert not (first.get("breakdown") or first.get("dimension_figures") or first.get("ipa_table"))
    counted = cache_of(staff_app).misses
    chinese = page_as(staff_app, ANALYST, questionnaire=SLUG, lang="zh-Hant-TW")
    assert chinese.status_code == 200
    assert cache_of(staff_app).misses == counted  # every sum kept from the first request
    assert not (calls.get("breakdown") or calls.get("dimension_figures") or calls.get("ipa_table"))
    q = get_plugins(staff_app).questionnaires.items[SLUG]
    label = q.question("env_signage").label
    assert html.escape(q.text(label, "en")) in english.text
    assert html.escape(q.text(label, "zh-Hant-TW")) in chinese.text
    assert html.escape(q.text(label, "zh-Hant-TW")) not in english.text


def test_an_unweighted_page_reads_no_row_of_its_wave(
    staff_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every section of the default page (design, headline, dimensions, trend, breakdowns,
    reliability, importance-performance, registered analyses, comments) comes from sums
    or the comments' own column: the wave's responses are never read as rows."""
    read: list[str] = []
    original = wavedata.load_table

    def counted(*args: Any, **kwargs: Any) -> Any:
        read.append("rows")
        return original(*args, **kwargs)

    monkeypatch.setattr(wavedata, "load_table", counted)
    seed_mixed(staff_app)
    page = page_as(staff_app, ANALYST, questionnaire=SLUG)
    assert page.status_code == 200
    for heading in ("Breakdowns", "Reliability of the dimensions", "Comments"):
        assert heading in page.text
    assert not read
