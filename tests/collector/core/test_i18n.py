"""Interface text and language choice: the catalogues are complete and compiled, and
the explicit-language API works with or without an app."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask import render_template_string

from collector.core.i18n import LOCALES
from collector.core.i18n import TRANSLATIONS_DIR
from collector.core.i18n import by_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_ngettext
from collector.core.i18n import lazy_pgettext
from collector.core.i18n import pick_language
from collector.core.i18n import translator
from collector.core.i18n import use_language
from tests.helpers.catalogues import compiled

ROOT = Path(__file__).resolve().parents[3]
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrs%])")


def _catalogue(locale: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=locale)


@pytest.fixture(scope="module")
def extracted() -> set[tuple[str | None, str | tuple[str, ...]]]:
    """(context, msgid) of every message in collector/, extracted as babel.cfg says."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp, str(ROOT / "babel.cfg"))
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT / "collector"), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        found.add((context, message if isinstance(message, str) else tuple(message)))
    return found


def test_extraction_finds_the_interface(
    extracted: set[tuple[str | None, str | tuple[str, ...]]],
) -> None:
    ids = {m for _, m in extracted}
    assert len(extracted) > 500
    assert "Submit" in ids  # a template
    assert ("case status", "Closed") in extracted  # a lazy table with a context
    assert ("%(num)s working day left", "%(num)s working days left") in ids  # a plural
    assert "Dear colleague," in ids  # translator(language).gettext in an e-mail


@pytest.mark.parametrize("locale", sorted(LOCALES.values()))
def test_every_extracted_message_is_translated(
    locale: str, extracted: set[tuple[str | None, str | tuple[str, ...]]]
) -> None:
    catalogue = _catalogue(locale)
    problems = []
    for context, msgid in sorted(extracted, key=repr):
        key = msgid if isinstance(msgid, str) else msgid[0]
        message = catalogue.get(key, context)
        if message is None:
            problems.append(f"missing: {context!r} {msgid!r}")
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        if not strings or not all(strings):
            problems.append(f"empty: {msgid!r}")
    assert not problems, "\n".join(problems[:50])


@pytest.mark.parametrize("locale", sorted(LOCALES.values()))
def test_msgstr_uses_the_msgid_placeholders(locale: str) -> None:
    problems = []
    for message in _catalogue(locale):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = {p for i in ids for p in PLACEHOLDER.findall(i)}
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"{message.id!r} -> {string!r}")
    assert not problems, "\n".join(problems)


def test_placeholders_are_python_format() -> None:
    for message in _catalogue("zh_Hant_TW"):
        text = message.id if isinstance(message.id, str) else message.id[0]
        if message.id and "%(" in text:
            assert "python-format" in message.flags, message.id


def test_the_english_catalogue_copies_its_msgids() -> None:
    for message in _catalogue("en"):
        if not message.id:
            continue  # the header
        if isinstance(message.id, str):
            assert message.string == message.id
        else:
            assert tuple(message.string) == tuple(message.id)


@pytest.mark.parametrize("locale", sorted(LOCALES.values()))
def test_compiled_catalogue_matches_its_source(locale: str) -> None:
    """A stale .mo (pybabel compile not run after editing the .po) fails here."""
    source = {
        (m.context, m.id if isinstance(m.id, str) else tuple(m.id)): m.string
        if isinstance(m.string, str)
        else tuple(m.string)
        for m in _catalogue(locale)
        if m.id and not m.fuzzy
    }
    assert compiled(locale) == source


def test_explicit_language_works_without_an_app() -> None:
    assert translator("en").gettext("Submit") == "Submit"
    assert translator("zh-Hant-TW").gettext("Submit") == "送出問卷"
    assert translator("fr").gettext("Submit") == "送出問卷"  # unknown: the default language
    assert translator("vi").gettext("Submit") == "Gửi phiếu"
    assert translator("en").gettext("no such message") == "no such message"
    assert translator("en").gettext("The value must be at most %(max)s.", max=5) == (
        "The value must be at most 5."
    )
    assert translator("zh-Hant-TW").gettext("The value must be at most %(max)s.", max=5) == (
        "數值不能大於 5。"
    )
    assert translator("en").gettext("100%") == "100%"  # no parameters: nothing substituted


def test_plurals_follow_each_language() -> None:
    en, zh = translator("en"), translator("zh-Hant-TW")
    one, many = "%(num)s working day left", "%(num)s working days left"
    assert en.ngettext(one, many, 1) == "1 working day left"
    assert en.ngettext(one, many, 3) == "3 working days left"
    assert en.ngettext(one, many, 0) == "0 working days left"
    assert zh.ngettext(one, many, 1) == zh.ngettext(one, many, 3).replace("3", "1")


def test_lazy_messages_render_in_the_page_or_an_explicit_language() -> None:
    closed = lazy_pgettext("case status", "Closed")
    assert translator("en").render(closed) == "Closed"
    assert translator("zh-Hant-TW").render(closed) == "已結案"
    assert str(closed) == "已結案"  # no app: the default language
    sent = lazy_ngettext("%(num)s invitation sent.", "%(num)s invitations sent.")
    assert translator("en").render(sent, n=1) == "1 invitation sent."
    assert translator("en").render(sent, n=4) == "4 invitations sent."
    assert by_language(lazy_gettext("Whole agency")) == {
        "zh-Hant-TW": "全機關",
        "en": "Whole agency",
    }
    app = Flask(__name__)
    app.config["LANGUAGES"] = ["zh-Hant-TW", "en"]
    with app.test_request_context():
        use_language("en")
        assert str(closed) == "Closed"


def test_templates_translate_escape_and_pluralise(app: Flask) -> None:
    source = (
        "{{ _('Submit') }}|{{ _('Unit: %(unit)s', unit='<b>') }}|"
        "{{ ngettext('%(num)s day left', '%(num)s days left', n) }}|"
        "{{ pgettext('case status', 'Closed') }}"
    )
    with app.test_request_context():
        use_language("en")
        assert render_template_string(source, n=1) == ("Submit|Unit: &lt;b&gt;|1 day left|Closed")
        use_language("zh-Hant-TW")
        assert render_template_string(source, n=2).startswith("送出問卷|單位：&lt;b&gt;|")


def test_roc_dates_and_numbers() -> None:
    day = dt.date(2026, 12, 2)
    assert translator("zh-Hant-TW").format_roc_date(day) == "民國115年12月2日"
    assert translator("en").format_roc_date(day) == "December 2, 2026"
    assert translator("zh-Hant-TW").format_decimal(1068) == "1,068"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh-Hant-TW"),
        ("en-US,en;q=0.9", "en"),
        ("ja,en;q=0.5", "en"),
        ("fr", "zh-Hant-TW"),
        ("en;q=0.2,zh-Hant;q=0.9", "zh-Hant-TW"),
        ("", "zh-Hant-TW"),
        ("en;q=abc", "zh-Hant-TW"),
    ],
)
def test_pick_language_from_header(header: str, expected: str) -> None:
    assert pick_language(["zh-Hant-TW", "en"], None, header) == expected


def test_explicit_choice_wins_if_offered() -> None:
    assert pick_language(["zh-Hant-TW", "en"], "en", "zh-TW") == "en"
    assert pick_language(["zh-Hant-TW", "en"], "vi", "zh-TW") == "zh-Hant-TW"
