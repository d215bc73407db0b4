"""A question type's own rendering (collector.answers.assets): its template inside the
core's fieldset and legend, its script and stylesheet served from this app and
included by address, under the unchanged Content-Security-Policy."""

from __future__ import annotations

import importlib.metadata
import re
from typing import Any

import pytest
from flask import Flask

from collector.access.security import CSP
from collector.core import plugins as plugin_system
from tests.helpers.web import csrf_token

PAGE = "/s/alpha/star-test?lang=en"


@pytest.fixture
def star_app(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    ep = importlib.metadata.EntryPoint(
        name="stars", value="tests.helpers.star_plugin", group="collector"
    )
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [ep])
    return make_app(seed="agencies", PLUGINS_LOAD_ENTRY_POINTS=True)


def test_the_types_template_renders_in_a_fieldset_with_its_files(star_app: Flask) -> None:
    page = star_app.test_client().get(PAGE)
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CSP
    html = page.text
    fieldset = html.split('<fieldset id="fieldset-stars"')[1].split("</fieldset>")[0]
    assert re.search(r"<legend>Overall rating <span class=\"req\">", fieldset)
    assert 'data-stars="stars"' in fieldset and fieldset.count('type="radio"') == 5
    assert '<script src="/assets/question-types/star_rating/stars.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/assets/question-types/star_rating/stars.css">' in html
    assert "<script>" not in html  # no inline script anywhere on the page


def test_only_declared_files_are_served(star_app: Flask) -> None:
    client = star_app.test_client()
    script = client.get("/assets/question-types/star_rating/stars.js")
    assert script.status_code == 200
    assert script.mimetype in ("text/javascript", "application/javascript")
    assert b"stars-chosen" in script.data
    assert script.headers["Content-Security-Policy"] == CSP
    for path in (
        "/assets/question-types/star_rating/__init__.py",
        "/assets/question-types/star_rating/../__init__.py",
        "/assets/question-types/star_rating/templates/star_rating/widget.html",
        "/assets/question-types/likert5/stars.js",
        "/assets/question-types/nope/stars.js",
    ):
        assert client.get(path).status_code == 404, path


def test_an_answer_and_an_error_go_through_the_types_own_controls(star_app: Flask) -> None:
    client = star_app.test_client()
    page = client.get(PAGE)
    hidden = dict(
        re.findall(
            r'<input (?:id="[^"]*" )?name="([^"]+)" type="hidden" value="([^"]*)"', page.text
        )
    )
    refused = client.post(PAGE, data={**hidden, "csrf_token": csrf_token(page.text), "lang": "en"})
    assert refused.status_code == 422
    assert '<a href="#q-stars">' in refused.text  # the summary links to the first star
    assert (
        'id="q-stars" name="stars"' in refused.text or 'id="q-stars" name="q_stars"' in refused.text
    )
    assert 'aria-invalid="true"' in refused.text.split('id="fieldset-stars"')[1]
    name = re.search(r'id="q-stars" name="([^"]+)"', refused.text)
    assert name is not None
    sent = client.post(
        PAGE,
        data={**hidden, "csrf_token": csrf_token(refused.text), "lang": "en", name.group(1): "4"},
    )
    assert sent.status_code == 303
