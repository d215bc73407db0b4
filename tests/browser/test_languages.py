"""The survey page and the complaint form in Vietnamese, Indonesian, Thai and Hakka at
phone size: translated, marked with their language, and switching language keeps the
answers. Screenshots go to ``tmp_path`` (and to ``$COLLECTOR_SHOTS`` when set, to look
at: Thai and 𠊎 render only with the fonts of docs/deployment.md, "Fonts")."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page
from playwright.sync_api import expect

from collector.core.i18n import LANGUAGE_NAMES
from tests.helpers import complaints as fd
from tests.helpers.browser import LiveServer
from tests.helpers.browser import choose

SURVEY = "/s/alpha/c1/citizen-satisfaction"
PAGES = {
    "vi": ("Khảo sát mức độ hài lòng của người dân về dịch vụ", "Gửi kiến nghị trực tuyến"),
    "id": ("Survei Kepuasan Masyarakat terhadap Layanan", "Ajukan pengaduan secara daring"),
    "th": ("แบบสำรวจความพึงพอใจของประชาชนต่อการให้บริการ", "ร้องเรียนออนไลน์"),
    "hak": ("民眾服務滿意度調查", "線上陳情"),  # Hakka: the complaint form falls back to Chinese
}


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=tmp_path / name, full_page=False)
    folder = os.environ.get("COLLECTOR_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / name, full_page=False)


@pytest.mark.parametrize("language", list(PAGES))
def test_survey_and_complaint_form_in_each_language(
    app: Flask, live_server: LiveServer, phone: Page, tmp_path: Path, language: str
) -> None:
    fd.add_category(app, "alpha", "roads", name_zh="道路", name_en="Roads")
    title, complaint = PAGES[language]
    phone.goto(f"{live_server.url}{SURVEY}?lang={language}")
    expect(phone.locator("html")).to_have_attribute("lang", language)
    expect(phone.locator("h1")).to_have_text(title)
    expect(phone.locator(".brand span")).to_have_attribute("lang", "zh-Hant-TW")
    _shot(phone, tmp_path, f"survey-{language}-phone.png")
    phone.goto(f"{live_server.url}/complaints/alpha/new?lang={language}")
    expect(phone.locator("h1")).to_have_text(complaint)
    _shot(phone, tmp_path, f"complaint-{language}-phone.png")
    phone.goto(f"{live_server.url}/?lang={language}")
    other = "vi" if language == "th" else "th"
    expect(phone.locator(f".lang-switch a[lang='{other}']")).to_have_text(LANGUAGE_NAMES[other])
    _shot(phone, tmp_path, f"chooser-{language}-phone.png")


def test_switching_language_keeps_the_answers(live_server: LiveServer, phone: Page) -> None:
    phone.goto(f"{live_server.url}{SURVEY}?lang=vi")
    choose(phone, "service_type", "payment")
    phone.locator(".lang-switch button[lang='th']").click()
    expect(phone.locator("html")).to_have_attribute("lang", "th")
    expect(phone.locator("#q-service_type-3")).to_be_checked()
    expect(phone.get_by_text("ชำระเงินหรือค่าธรรมเนียม")).to_be_visible()
