"""Improvement actions on the results page (collector.improvement.results_section): the
open actions beside the findings with their before/after, and "record an improvement
action" links, with the finding in the query string, only for those who may record."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

from flask import Flask

from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.campaigns import make_campaign
from tests.helpers.improvement import add_action
from tests.helpers.organisation import unit_id
from tests.helpers.web import client_as

ANALYST = "analyst@alpha.example.test"
MINISTRY = "ministry@moi.example.test"
RECORD = "Record an improvement action"


def falling_waves(app: Flask) -> tuple[int, int]:
    """Two campaigns of alpha: satisfied at c1 and c2, then much less so at c2."""
    first = make_campaign(
        app,
        title="First wave",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 6, 30),
        status="closed",
    )["campaign_id"]
    second = make_campaign(app, title="Second wave", starts_on=date(2026, 7, 1))["campaign_id"]
    for unit in ("c1", "c2"):
        add_responses(
            app, "alpha", unit, 20, overall_satisfaction=5, measures_wait=5, campaign_id=first
        )
    add_responses(
        app, "alpha", "c1", 20, overall_satisfaction=5, measures_wait=4, campaign_id=second
    )
    add_responses(
        app, "alpha", "c2", 20, overall_satisfaction=1, measures_wait=1, campaign_id=second
    )
    return first, second


def page(app: Flask, email: str, **query: Any) -> str:
    return client_as(app, email).get("/staff/results", query_string={"lang": "en", **query}).text


def links(text: str) -> list[str]:
    """The query strings of the page's links to record an action."""
    return [html.unescape(q) for q in re.findall(r'href="/staff/improvement/new\?([^"]+)"', text)]


def test_an_analyst_gets_record_links_beside_the_findings(staff_app: Flask) -> None:
    _first, second = falling_waves(staff_app)
    text = page(staff_app, ANALYST, wave=f"c{second}")
    found = links(text)
    wave = f"wave=c{second}"
    # the headline fell significantly
    assert any("kind=falling_trend" in q and "item=" not in q and wave in q for q in found)
    # an item fell: measures_wait
    assert any("kind=falling_trend" in q and "item=measures_wait" in q for q in found)
    # the weakest unit, when units differ significantly
    c2 = unit_id(staff_app, "alpha", "c2")
    assert any("kind=weak_unit" in q and f"unit={c2}" in q for q in found)
    assert all(f"questionnaire={SLUG}" in q and "measure=top2" in q for q in found if "kind=" in q)
    # the new-action form is filled in from such a link
    form = client_as(staff_app, ANALYST).get(
        f"/staff/improvement/new?kind=weak_unit&questionnaire={SLUG}&unit={c2}&wave=c{second}&measure=top2"
    )
    assert form.status_code == 200


def test_a_ministry_administrator_sees_no_record_link(staff_app: Flask) -> None:
    falling_waves(staff_app)
    text = page(staff_app, MINISTRY, kind="campaign")
    assert "/staff/improvement/new" not in text
    assert RECORD not in text


def test_open_actions_show_beside_their_finding_with_before_and_after(staff_app: Flask) -> None:
    first, second = falling_waves(staff_app)
    ident = add_action(
        staff_app, title="叫號系統改善", item_key="measures_wait", wave_key=f"c{first}"
    )
    add_action(staff_app, "beta", "analyst@beta.example.test", title="乙機關的行動")
    text = page(staff_app, ANALYST, wave=f"c{second}")
    section = text[text.index('id="section-improvement"') :]
    section = section[: section.index("</section>")]
    assert f'href="/staff/improvement/{ident}"' in section and "叫號系統改善" in section
    assert "First wave" in section and "Second wave" in section  # before and after
    assert "significantly lower" in section
    assert "乙機關的行動" not in text
    # beside the finding: the item's row in the dimensions links to the action
    dims = text[text.index('id="section-dimensions"') :]
    dims = dims[: dims.index("</section>")]
    assert f'class="finding-link finding-open" href="/staff/improvement/{ident}"' in dims
