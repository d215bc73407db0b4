"""Vietnamese, Indonesian and Thai on every citizen-facing page: the catalogues hold
every citizen-facing message, the pages render in each language with translated
text, the bundled questionnaires speak all five languages, and staff pages stay in
Chinese and English."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from collector.campaigns.service import LINK_PAGES
from collector.complaints import labels
from collector.core.i18n import CITIZEN_LANGUAGES
from collector.core.i18n import LANGUAGE_NAMES
from collector.core.i18n import TRANSLATIONS_DIR
from collector.core.i18n import LazyText
from collector.core.i18n import translator
from tests.helpers import complaints as fd
from tests.helpers.catalogues import compiled
from tests.helpers.kiosk import paired_tablet

ROOT = Path(__file__).resolve().parents[3]
CITIZEN_CFG = TRANSLATIONS_DIR / "citizen.cfg"
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "lazy_gettext": None,
    "lazy_pgettext": ((1, "c"), 2),
    "lazy_ngettext": (1, 2),
    "_l": None,
}
CITIZEN_TABLES: list[Any] = [
    labels.COMPLAINANT_STATUS,
    labels.COMPLAINANT_EVENT,
    labels.PUBLIC_REPLY_CHANNELS,
    labels.PUBLIC_ERRORS,
    labels.PUBLIC_ERROR,
    LINK_PAGES,
]
"""Lazy tables in modules that also speak to staff, whose entries citizens see."""
SAME_IN_TRANSLATION = {"Email", "Status", "Kirim", "“%(name)s”: %(message)s"}
"""msgids whose translation may be the English itself ("Email" in Vietnamese, "Status"
in Indonesian): anything else copied is an untranslated placeholder."""
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrs%])")
Key = tuple[str | None, str | tuple[str, ...]]


def _table_messages(table: Any) -> set[Key]:
    values = table.values() if isinstance(table, dict) else [table]
    found: set[Key] = set()
    for value in values:
        for text in value if isinstance(value, tuple) else [value]:
            assert isinstance(text, LazyText)
            message = text.message if text.plural is None else (text.message, text.plural)
            found.add((text.context, message))
    return found


@pytest.fixture(scope="module")
def citizen_messages() -> set[Key]:
    """(context, msgid) of every message a citizen can see."""
    with CITIZEN_CFG.open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp, str(CITIZEN_CFG))
    found: set[Key] = set()
    for _f, _l, message, _c, context in extract_from_dir(
        str(ROOT / "collector"), method_map, options_map, keywords=KEYWORDS
    ):
        found.add((context, message if isinstance(message, str) else tuple(message)))
    for table in CITIZEN_TABLES:
        found |= _table_messages(table)
    return found


def _catalogue(locale: str) -> Any:
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=locale)


def test_the_citizen_surface_is_found(citizen_messages: set[Key]) -> None:
    ids = {m for _, m in citizen_messages}
    assert len(citizen_messages) > 200
    assert "Submit" in ids and "Send the complaint" in ids and "Page not found" in ids
    assert ("complaint status", "Closed") in citizen_messages  # a table
    assert "Log out" not in ids  # staff only
    # The kiosk's screens (kiosk/screens.py), its page and its pairing page.
    assert {"Choose your language", "I need more time", "Pairing code"} <= ids
    assert "Register a kiosk" not in ids  # its console page is staff only


@pytest.mark.parametrize("locale", CITIZEN_LANGUAGES)
def test_every_citizen_message_is_translated(locale: str, citizen_messages: set[Key]) -> None:
    catalogue = _catalogue(locale)
    problems = []
    for context, msgid in sorted(citizen_messages, key=repr):
        key = msgid if isinstance(msgid, str) else msgid[0]
        message = catalogue.get(key, context)
        strings = (
            []
            if message is None
            else [message.string]
            if isinstance(message.string, str)
            else list(message.string)
        )
        if message is None or message.fuzzy or not strings or not all(strings):
            problems.append(f"{locale} lacks {context!r} {msgid!r}")
        elif all(s == key for s in strings) and key not in SAME_IN_TRANSLATION:
            problems.append(f"{locale} copies the English of {msgid!r}")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("locale", CITIZEN_LANGUAGES)
def test_citizen_catalogues_keep_placeholders_and_are_compiled(locale: str) -> None:
    catalogue = _catalogue(locale)
    source = {}
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = {p for i in ids for p in PLACEHOLDER.findall(i)}
        for string in strings:
            if string:
                assert set(PLACEHOLDER.findall(string)) == wanted, message.id
        if all(strings):
            key = message.id if isinstance(message.id, str) else tuple(message.id)
            source[(message.context, key)] = (
                message.string if isinstance(message.string, str) else tuple(message.string)
            )
    # pybabel writes an untranslated plural as its English singular: only translations count.
    assert {key: compiled(locale).get(key) for key in source} == source


def test_staff_messages_fall_back_to_english() -> None:
    assert translator("vi").gettext("Submit") == "Gửi phiếu"
    assert translator("th").gettext("Log out") == "Log out"  # staff only: the msgid


# -- the pages ----------------------------------------------------------------------

EXPECTED = {
    "vi": ("Xin chọn phiếu khảo sát", "Gửi phiếu", "Gửi kiến nghị", "Tra cứu"),
    "id": ("Silakan pilih survei", "Kirim", "Kirim pengaduan", "Lihat kasus"),
    "th": ("กรุณาเลือกแบบสอบถาม", "ส่งแบบสอบถาม", "ส่งเรื่องร้องเรียน", "ดูเรื่อง"),
}


def _no_english_left(html: str, citizen_messages: set[Key]) -> None:
    """No citizen-facing English sentence shows (long msgids only: "Email" is Indonesian too)."""
    text = re.sub(r"<[^>]+>", " ", html)
    left = [m for _, m in citizen_messages if isinstance(m, str) and len(m) > 15 and m in text]
    assert not left, left


def _chooser_lists_every_language(html: str, language: str) -> None:
    for code in ("zh-Hant-TW", "en", *CITIZEN_LANGUAGES):
        if code != language:
            assert f'lang="{code}"' in html and LANGUAGE_NAMES[code] in html


@pytest.mark.parametrize("language", CITIZEN_LANGUAGES)
def test_survey_pages_speak_the_language(
    client: FlaskClient, language: str, citizen_messages: set[Key]
) -> None:
    chooser, _submit, _complain, _follow = EXPECTED[language]
    index = client.get(f"/?lang={language}").text
    assert f'<html lang="{language}">' in index and chooser in index
    assert 'lang="zh-Hant-TW">甲機關</h2>' in index  # the Chinese name says it is Chinese
    _chooser_lists_every_language(index, language)
    page = client.get(f"/s/alpha/c1/citizen-satisfaction?lang={language}")
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text and EXPECTED[language][1] in page.text
    assert translator(language).gettext("Very satisfied") in page.text
    _no_english_left(page.text, citizen_messages)
    _chooser_lists_every_language(page.text, language)
    missing = client.get(f"/s/nosuch/citizen-satisfaction?lang={language}")
    assert missing.status_code == 404
    assert translator(language).gettext("Page not found") in missing.text
    assert f'<html lang="{language}">' in missing.text


@pytest.fixture
def capp(make_app: Any, tmp_path: Path) -> Flask:
    app = fd.complaints_app(make_app, tmp_path)
    fd.add_category(app, "alpha", "roads", name_zh="道路", name_en="Roads")
    return app


@pytest.mark.parametrize("language", CITIZEN_LANGUAGES)
def test_complaint_pages_speak_the_language(
    capp: Flask, language: str, citizen_messages: set[Key]
) -> None:
    client = capp.test_client()
    _chooser, _submit, complain, follow = EXPECTED[language]
    form = client.get(f"/complaints/alpha/new?lang={language}").text
    assert f'<html lang="{language}">' in form and complain in form
    assert '<option value="' in form and "道路" in form  # the agency's own words
    _no_english_left(form, citizen_messages)
    _chooser_lists_every_language(form, language)
    following = client.get(f"/complaints/follow?lang={language}").text
    assert f'<html lang="{language}">' in following and follow in following
    _no_english_left(following, citizen_messages)


@pytest.mark.parametrize("language", CITIZEN_LANGUAGES)
def test_the_handling_follow_up_speaks_the_language(outbox_app: Flask, language: str) -> None:
    app = outbox_app
    category = fd.add_category(app, "alpha", "roads", name_zh="道路", name_en="Roads")
    fd.closed_case(app, category, email="citizen@example.test", name="Nguyễn Thị Lan")
    link = fd.feedback_links(app)[-1]
    page = app.test_client().get(f"{link}?lang={language}")
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    title = {
        "vi": "Khảo sát mức độ hài lòng về việc xử lý kiến nghị",
        "id": "Survei Kepuasan Penanganan Pengaduan",
        "th": "แบบสำรวจความพึงพอใจต่อการจัดการเรื่องร้องเรียน",
    }[language]
    assert title in page.text


@pytest.mark.parametrize("language", CITIZEN_LANGUAGES)
def test_the_kiosk_speaks_the_language(staff_app: Flask, language: str) -> None:
    """The kiosk page carries every screen's text in each language: none is English."""
    tablet, _kiosk_id = paired_tablet(staff_app)
    page = tablet.get("/kiosk/").text
    match = re.search(r'<script type="application/json" id="kiosk-data">(.*?)</script>', page, re.S)
    assert match
    data = json.loads(match.group(1))
    english, text = data["text"]["en"], data["text"][language]
    assert set(text) == set(english) and all(text.values())
    assert not [key for key in english if text[key] == english[key]]
    assert data["screens"][0]["questions"][0]["label"][language] not in (
        "",
        data["screens"][0]["questions"][0]["label"]["en"],
    )
    pairing = staff_app.test_client().get(f"/kiosk/pair?lang={language}").text
    assert f'<html lang="{language}">' in pairing
    assert translator(language).gettext("Pairing code") in pairing


def test_staff_pages_offer_only_chinese_and_english(staff_client: FlaskClient) -> None:
    login = staff_client.get("/staff/login?lang=vi").text
    assert '<html lang="zh-Hant-TW">' in login
    assert staff_client.get("/staff/login?lang=en").text.count('<html lang="en">') == 1
