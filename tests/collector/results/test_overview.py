"""The console's results panels: the headline's half-year trend drawn as a sparkline."""

from __future__ import annotations

import base64
import re

from flask import Flask

from tests.helpers.answers import add_responses
from tests.helpers.web import login


def test_the_headline_panel_draws_its_trend_beside_the_table(staff_app: Flask) -> None:
    add_responses(staff_app, "alpha", "c1", 6, overall_satisfaction="5")
    add_responses(staff_app, "alpha", "c1", 2, overall_satisfaction="2")
    client, _ = login(staff_app, "analyst@alpha.example.test")
    html = client.get("/staff/?lang=en").text
    found = re.search(
        r'<img class="sparkline" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', html
    )
    assert found is not None, html
    assert found.group(2).startswith("Share satisfied by half-year, ")
    assert b"<svg" in base64.b64decode(found.group(1))
    assert "75.0%" in html  # the table stays: 6 of 8 satisfied this half-year
