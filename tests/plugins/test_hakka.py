"""The Hakka example plugin: the language chooser and the citizen satisfaction survey
in Hakka, Chinese for what Hakka leaves out, and 𠊎 (outside the BMP) kept whole."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.i18n import translator
from collector.core.models import Response
from collector.core.plugins import PluginConfigurationError
from collector.core.plugins import get_plugins
from plugins import hakka
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.web import csrf_token
from tests.helpers.web import form_data
from tests.helpers.web import hidden

URL = "/s/alpha/c1/citizen-satisfaction"


def test_the_chooser_and_the_survey_speak_hakka(app: Flask) -> None:
    client = app.test_client()
    index = client.get("/").text
    assert '<a href="/?lang=hak" lang="hak" hreflang="hak">客家話</a>' in index
    chooser = client.get("/?lang=hak").text
    assert '<html lang="hak">' in chooser and "請揀一份問卷來寫" in chooser
    page = client.get(f"{URL}?lang=hak").text
    assert '<html lang="hak">' in page
    assert "你今晡日主要來辦麼个事情？" in page  # the questionnaire's Hakka
    assert "非常毋滿意" in page  # the scale, from the plugin's catalogue
    assert "個人資料類別：性別" in page  # the notice: the Chinese fallback


def test_an_answer_in_hakka_is_stored_in_hakka(app: Flask) -> None:
    client = app.test_client()
    html = client.get(f"{URL}?lang=hak").text
    data = {
        "csrf_token": csrf_token(html),
        "submission_token": hidden(html, "submission_token"),
        "started": hidden(html, "started"),
        "lang": "hak",
    } | form_data({**CITIZEN_ANSWERS, "comment": "𠊎今晡日等忒久"})
    done = client.post(URL, data=data, follow_redirects=True)
    assert done.status_code == 200 and "𠊎兜收到你个問卷了" in done.text
    with session_scope(app) as session:
        response = session.execute(select(Response)).scalars().one()
        assert response.language == "hak"


def test_messages_hakka_lacks_are_chinese() -> None:
    assert translator("hak").gettext("Submit") == "送出問卷"
    assert translator("hak").gettext("Case number") == "案號"  # from zh-Hant-TW
    assert translator("hak").format_decimal(1068) == "1,068"


def test_disabled_the_language_is_gone(make_app: Any) -> None:
    app = make_app(PLUGINS_DISABLED=["hakka"])
    assert "hak" not in app.config["LANGUAGES"]
    assert "hak" not in get_plugins(app).questionnaires["citizen-satisfaction"].languages


def test_a_language_registered_differently_refuses_to_start(
    make_app: Any, monkeypatch: Any
) -> None:
    clash = hakka.Language(code="vi", name="Việt", locale="vi")
    monkeypatch.setattr(hakka, "HAKKA", clash)
    with pytest.raises(PluginConfigurationError, match="'vi' is already registered"):
        make_app()


def test_the_kiosk_first_and_last_screens_speak_hakka(app: Flask) -> None:
    """The kiosk's first screen and its thank-you, in Hakka; 𠊎 (outside the BMP) intact."""
    text = translator("hak")
    assert text.gettext("Choose your language") == "請揀語言"
    assert text.gettext("Start") == "開始"
    assert "\U0002028e" in text.gettext("Your answers have been received.")
