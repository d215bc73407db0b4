"""Interface text in zh-Hant-TW (first) and English, and choosing a language.

The words of the interface are gettext messages: the English text is the msgid,
the catalogues under ``collector/core/translations/<locale>/LC_MESSAGES/`` give
each language's text (docs/translations.md: extracting, updating, compiling).
Questionnaire text lives with the questionnaire, not here.

Three ways to say something, all found by ``pybabel extract`` (babel.cfg):

* In the language of the page being rendered (``g.language``, set by
  :func:`use_language`): ``gettext``/``_``, ``ngettext``, ``pgettext``,
  ``npgettext`` here, and ``{{ _('...') }}``, ``{{ ngettext(...) }}``,
  ``{% trans %}`` in templates.
* In an explicit language, with or without an app or request context (a
  complaint's notices in the case's language, the JSON API's fast path in
  front of Flask): ``translator(language).gettext(...)`` and its ``ngettext``,
  ``pgettext``, ``npgettext``, ``render`` and date and number formatting. A
  translator is built once per language and cached.
* A label chosen at run time (a status, a role, an error code) comes from an
  explicit table of lazy messages, ``lazy_gettext("...")``/``lazy_pgettext``
  (``lazy_ngettext`` for a count given later), rendered by ``str()`` in the
  page's language or by ``translator(language).render(message, **params)``.

Placeholders are ``%(name)s``; the parameters are substituted only when some
are given (``gettext("100%")`` needs no doubling, a template's ``_()`` always
formats: write ``%%`` there).

The app's language codes stay ``zh-Hant-TW`` and ``en`` (URLs, questionnaire
files, ``LANGUAGES``); :data:`LOCALES` maps them to Babel's locales.

Those two are complete: staff pages speak only them (``STAFF_LANGUAGES``).
Vietnamese, Indonesian and Thai speak to citizens (the messages of the files in
``translations/citizen.cfg``); a message they lack falls back to its English
msgid. A plugin adds a language (Hakka, Hokkien, an indigenous language) with a
:class:`Language` descriptor through the ``register_languages`` hook; its
catalogue may fall back to another language (Hakka to Chinese). Every language
is described in :data:`LANGUAGE_REGISTRY` (docs/translations.md).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from pathlib import Path
from typing import Any
from typing import Protocol

from babel import Locale
from babel import dates
from babel import numbers
from babel.support import NullTranslations
from babel.support import Translations
from flask import Flask
from flask import current_app
from flask import g
from flask import has_app_context
from flask import has_request_context
from flask import request
from flask import session
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from markupsafe import escape

from collector.core import clock
from surveys.loader import BUNDLED_DIR

DEFAULT_LANGUAGE = "zh-Hant-TW"
LOCALES: dict[str, str] = {"zh-Hant-TW": "zh_Hant_TW", "en": "en"}
"""The complete languages (staff and citizens) and the Babel locales (catalogue
folders) they use: every message is translated in them."""
STAFF_LANGUAGES = ("zh-Hant-TW", "en")
"""The languages staff pages are offered in (the default of ``STAFF_LANGUAGES``)."""
TRANSLATIONS_DIR = Path(__file__).parent / "translations"
QUESTIONNAIRE_TRANSLATIONS_DIR = BUNDLED_DIR / "translations"
"""The core's translations of the bundled questionnaires: ``<language>/<slug>.yaml``."""
DOMAIN = "messages"


@dataclass(frozen=True)
class Language:
    """An interface language: what the core knows of Vietnamese, and what a plugin
    returns from ``register_languages`` to add one (docs/plugin_hooks.md).

    ``code`` is the app's code (``?lang=``, questionnaire files) and the page's
    ``lang`` attribute unless ``html_lang`` says otherwise; ``name`` is the
    language's name in itself, as the language chooser shows it. ``locale`` is the
    Babel locale that formats dates and numbers (a language Babel does not know
    borrows one, as Hakka borrows ``zh_Hant_TW``). ``catalogue`` is the folder
    holding ``LC_MESSAGES/messages.mo``; a message it lacks comes from the
    ``fallback`` language's catalogue, or is the English msgid when ``fallback`` is
    None. ``questionnaires`` maps a questionnaire's slug to the file translating
    its texts (docs/questionnaire-format.md, "Translations"); texts it lacks are the
    ``fallback`` language's, or a start-up error without one.
    """

    code: str
    name: str
    locale: str
    catalogue: Path | None = None
    fallback: str | None = None
    html_lang: str | None = None
    questionnaires: Mapping[str, Path] = field(default_factory=dict)

    @property
    def lang_attribute(self) -> str:
        return self.html_lang or self.code


def _core_language(code: str, name: str, locale: str, html_lang: str | None = None) -> Language:
    translated = {
        path.stem: path
        for path in sorted((QUESTIONNAIRE_TRANSLATIONS_DIR / code).glob("*.yaml"))
        if code not in LOCALES
    }
    return Language(
        code=code,
        name=name,
        locale=locale,
        catalogue=TRANSLATIONS_DIR / locale,
        html_lang=html_lang,
        questionnaires=translated,
    )


LANGUAGE_REGISTRY: dict[str, Language] = {
    language.code: language
    for language in (
        _core_language("zh-Hant-TW", "繁體中文", "zh_Hant_TW"),
        _core_language("en", "English", "en"),
        _core_language("vi", "Tiếng Việt", "vi"),
        _core_language("id", "Bahasa Indonesia", "id"),
        _core_language("th", "ภาษาไทย", "th"),
    )
}
"""Every language the process knows: the core's, then those plugins registered.
Process-wide, because :func:`translator` works without an app; which languages an
app offers is its ``LANGUAGES`` setting."""
CITIZEN_LANGUAGES = ("vi", "id", "th")
"""The core's languages for citizens only: the citizen-facing messages are complete."""

LANGUAGE_NAMES = {code: language.name for code, language in LANGUAGE_REGISTRY.items()}
HTML_LANG = {code: language.lang_attribute for code, language in LANGUAGE_REGISTRY.items()}


def register_language(language: Language) -> None:
    """Make ``language`` known to this process (a plugin's, at start-up). Registering the
    same descriptor again is harmless; a different one under a known code is refused."""
    known = LANGUAGE_REGISTRY.get(language.code)
    if known == language:
        return
    if known is not None:
        raise ValueError(f"language {language.code!r} is already registered differently")
    if language.fallback is not None and language.fallback not in LANGUAGE_REGISTRY:
        raise ValueError(
            f"language {language.code!r} falls back to unknown language {language.fallback!r}"
        )
    Locale.parse(language.locale)  # a clear error now, not on the first date shown
    LANGUAGE_REGISTRY[language.code] = language
    LANGUAGE_NAMES[language.code] = language.name
    HTML_LANG[language.code] = language.lang_attribute
    _translator.cache_clear()


Number = int | float | Decimal


class LazyText:
    """A message marked for translation now and translated when shown: ``str()``
    gives the text in the current page's language, ``translator(lang).render(it)``
    in another. Made by :func:`lazy_gettext`, :func:`lazy_pgettext` and
    :func:`lazy_ngettext`."""

    __slots__ = ("context", "message", "plural")

    def __init__(self, message: str, context: str | None = None, plural: str | None = None):
        self.message = message
        self.context = context
        self.plural = plural

    def __str__(self) -> str:
        return translator(_language_here()).render(self)

    def __repr__(self) -> str:
        return f"LazyText({self.message!r}, context={self.context!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText):
            return (self.message, self.context, self.plural) == (
                other.message,
                other.context,
                other.plural,
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.message, self.context, self.plural))

    def __mod__(self, params: Mapping[str, Any]) -> str:
        return str(self) % params

    def __add__(self, other: object) -> str:
        return str(self) + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + str(self)

    def __len__(self) -> int:
        return len(str(self))

    def __bool__(self) -> bool:
        return bool(self.message)

    def format(self, **params: Any) -> str:
        """The text in the page's language with ``params`` substituted (``n`` counts a plural)."""
        return translator(_language_here()).render(self, **params)


def lazy_gettext(message: str) -> LazyText:
    """Mark ``message`` for translation when it is shown (tables of labels)."""
    return LazyText(message)


def lazy_pgettext(context: str, message: str) -> LazyText:
    """Like :func:`lazy_gettext` for a message whose English is ambiguous: ``context``
    tells translators (and the catalogue) which meaning it is."""
    return LazyText(message, context=context)


def lazy_ngettext(singular: str, plural: str) -> LazyText:
    """A message with plural forms, the count (``n``) given when it is rendered:
    ``translator(lang).render(message, n=3)``; ``%(num)s`` is the count."""
    return LazyText(singular, plural=plural)


_l = lazy_gettext


def _format(text: str, params: Mapping[str, Any]) -> str:
    return text % params if params else text


class Translator:
    """Interface text and formatting in one language, with or without an app or
    request context; get one with :func:`translator`."""

    def __init__(self, language: str):
        described = LANGUAGE_REGISTRY[language]
        self.language = language
        self.locale = Locale.parse(described.locale)
        self.translations = _load(described.catalogue)
        if described.fallback is not None:
            self.translations.add_fallback(_translator(described.fallback).translations)

    def gettext(self, message: str, /, **params: Any) -> str:
        return _format(self.translations.gettext(message), params)

    def ngettext(self, singular: str, plural: str, num: int, /, **params: Any) -> str:
        params.setdefault("num", num)
        return _format(self.translations.ngettext(singular, plural, num), params)

    def pgettext(self, context: str, message: str, /, **params: Any) -> str:
        return _format(str(self.translations.pgettext(context, message)), params)

    def npgettext(
        self, context: str, singular: str, plural: str, num: int, /, **params: Any
    ) -> str:
        params.setdefault("num", num)
        return _format(self.translations.npgettext(context, singular, plural, num), params)

    def render(self, message: LazyText | str, /, **params: Any) -> str:
        """A message marked elsewhere (a :class:`LazyText` from a table, or a msgid
        that was extracted where it was written) in this language; a plural
        message takes its count as ``n``."""
        if not isinstance(message, LazyText):
            return self.gettext(str(message), **params)
        if message.plural is not None:
            num = params.pop("n")
            params.setdefault("num", num)
            if message.context is None:
                text = self.translations.ngettext(message.message, message.plural, num)
            else:
                text = self.translations.npgettext(
                    message.context, message.message, message.plural, num
                )
            return _format(text, params)
        if message.context is None:
            return self.gettext(message.message, **params)
        return self.pgettext(message.context, message.message, **params)

    # -- formatting --------------------------------------------------------------

    def format_date(self, value: dt.date | None, format: str = "medium") -> str:
        """A date in this language (Babel's ``short``/``medium``/``long``/``full`` or a
        CLDR pattern); "" for None."""
        return "" if value is None else dates.format_date(value, format, locale=self.locale)

    def format_datetime(self, value: dt.datetime | None, format: str = "medium") -> str:
        return "" if value is None else dates.format_datetime(value, format, locale=self.locale)

    def format_roc_date(self, value: dt.date | None) -> str:
        """A date as Taiwan's official documents write it: the ROC (民國) year,
        ``year - 1911``, in Chinese; the long Gregorian date in English."""
        if value is None:
            return ""
        if not self.language.startswith("zh"):
            return self.format_date(value, "long")
        return self.pgettext(
            "ROC calendar date",
            "ROC year %(year)s, %(month)s/%(day)s",
            year=value.year - 1911,
            month=value.month,
            day=value.day,
        )

    def format_local_datetime(self, value: dt.datetime | None, zone: dt.tzinfo) -> str:
        """An instant as staff read it, in the agencies' time zone ``zone`` (a naive value
        is UTC): the ROC date and the 24-hour time in Chinese ("民國115年12月3日 14:05"),
        Babel's medium date and time in other languages; "" for None."""
        if value is None:
            return ""
        moment = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(zone)
        if not self.language.startswith("zh"):
            return dates.format_datetime(moment, "medium", tzinfo=zone, locale=self.locale)
        return f"{self.format_roc_date(moment.date())} {moment:%H:%M}"

    def format_official_date(self, value: dt.date | None) -> str:
        """A date on staff pages that deal with official documents (due dates): the ROC
        date with the ISO date beside it in Chinese, the ISO date in English."""
        if value is None:
            return ""
        if not self.language.startswith("zh"):
            return value.isoformat()
        return self.pgettext(
            "ROC calendar date with the Gregorian date",
            "%(roc)s (%(iso)s)",
            roc=self.format_roc_date(value),
            iso=value.isoformat(),
        )

    def format_decimal(self, value: Number, format: str | None = None) -> str:
        return numbers.format_decimal(value, format, locale=self.locale)

    def format_percent(self, value: Number, format: str | None = None) -> str:
        return numbers.format_percent(value, format, locale=self.locale)


def by_language(message: LazyText | str, /, **params: Any) -> dict[str, str]:
    """``message`` in every interface language, ``{"zh-Hant-TW": ..., "en": ...}``: for
    records that keep both (a unit's two names, an export's data dictionary)."""
    return {language: translator(language).render(message, **params) for language in LOCALES}


def _load(catalogue: Path | None) -> NullTranslations:
    path = catalogue / "LC_MESSAGES" / f"{DOMAIN}.mo" if catalogue else None
    if path is None or not path.is_file():
        return NullTranslations()
    with path.open("rb") as fp:
        return Translations(fp, domain=DOMAIN)


@functools.cache
def _translator(language: str) -> Translator:
    return Translator(language)


def translator(language: str | None) -> Translator:
    """Interface text in ``language`` (an app code such as ``zh-Hant-TW``, ``en`` or
    ``vi``; an unknown code speaks the default, Traditional Chinese). Works outside
    any app or request context; built once per language."""
    return _translator(language if language in LANGUAGE_REGISTRY else DEFAULT_LANGUAGE)


def _language_here() -> str:
    """The current page's language, or the default outside an app context."""
    if has_app_context():
        return current_language()
    return DEFAULT_LANGUAGE


def gettext(message: str, /, **params: Any) -> str:
    """``message`` in the current page's language (see :func:`use_language`)."""
    return translator(_language_here()).gettext(message, **params)


_ = gettext


def ngettext(singular: str, plural: str, num: int, /, **params: Any) -> str:
    return translator(_language_here()).ngettext(singular, plural, num, **params)


def pgettext(context: str, message: str, /, **params: Any) -> str:
    return translator(_language_here()).pgettext(context, message, **params)


def npgettext(context: str, singular: str, plural: str, num: int, /, **params: Any) -> str:
    return translator(_language_here()).npgettext(context, singular, plural, num, **params)


# -- choosing a language ------------------------------------------------------------


def pick_language(
    offered: Iterable[str], explicit: str | None = None, header: str | None = None
) -> str:
    """The language to use: an explicit choice, else the browser's best match, else the first."""
    offered = list(offered)
    if explicit in offered:
        return explicit
    if header is None and has_request_context():
        header = request.headers.get("Accept-Language")
    if header:
        ranked = sorted(_parse_accept(header), key=lambda x: -x[1])
        for tag, _q in ranked:
            for lang in offered:
                if _matches(tag, lang):
                    return lang
    return offered[0] if offered else current_app.config["LANGUAGES"][0]


def _parse_accept(header: str) -> list[tuple[str, float]]:
    out = []
    for part in header.split(",")[:20]:
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        if tag and q > 0:  # q=0 (or an unreadable q) means "not acceptable"
            out.append((tag, q))
    return out


def _matches(tag: str, lang: str) -> bool:
    lang_l = lang.lower()
    if tag == lang_l or tag.split("-")[0] == lang_l:
        return True
    if lang_l.startswith("zh-hant"):
        return tag in ("zh-tw", "zh-hant", "zh-hk", "zh-mo", "zh")
    return tag.split("-")[0] == lang_l.split("-")[0]


def localised(text: Mapping[str, str] | None, language: str, fallback: str = "zh-Hant-TW") -> str:
    """A translation mapping's text in ``language`` (questionnaire text and
    plugins' own words, which are not in the catalogues)."""
    if not text:
        return ""
    return text.get(language) or text.get(fallback) or next(iter(text.values()))


def use_language(language: str) -> str:
    """Render this request's pages in ``language``."""
    g.language = language
    return language


def current_language() -> str:
    """The language of the page being rendered (set by the view on ``g``)."""
    return g.get("language") or current_app.config["LANGUAGES"][0]


def staff_language() -> str:
    """The staff console's language, one of ``STAFF_LANGUAGES``: ``?lang=`` (remembered
    in the session), else the remembered choice, else the browser's."""
    offered = current_app.config["STAFF_LANGUAGES"]
    explicit = request.args.get("lang")
    if explicit in offered:
        session["lang"] = explicit
    return use_language(pick_language(offered, explicit or session.get("lang")))


# -- templates ----------------------------------------------------------------------


def _in_template(context: Context, text: str) -> str:
    # A translation is text, never markup: escaped like any other value, so
    # ``{{ _('a < b') }}`` shows what the catalogue says.
    return escape(text) if context.eval_ctx.autoescape else text


@pass_context
def _template_gettext(context: Context, message: str) -> str:
    return _in_template(context, translator(current_language()).gettext(message))


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, num: int) -> str:
    text = translator(current_language()).translations.ngettext(singular, plural, num)
    return _in_template(context, text)


@pass_context
def _template_pgettext(context: Context, ctx: str, message: str) -> str:
    return _in_template(context, translator(current_language()).pgettext(ctx, message))


@pass_context
def _template_npgettext(context: Context, ctx: str, singular: str, plural: str, num: int) -> str:
    text = translator(current_language()).translations.npgettext(ctx, singular, plural, num)
    return _in_template(context, text)


def _here() -> Translator:
    return translator(current_language())


def init_app(app: Flask) -> None:
    """Jinja's i18n extension (new-style gettext: ``_('Hi %(name)s', name=x)``,
    parameters escaped) and Babel's formatting, all in the page's language."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.add_extension("jinja2.ext.do")  # {% do list.append(x) %}: `_` is gettext
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        _template_gettext,
        _template_ngettext,
        newstyle=True,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )
    app.jinja_env.filters.update(
        format_date=lambda value, format="medium": _here().format_date(value, format),
        format_datetime=lambda value, format="medium": _here().format_datetime(value, format),
        format_roc_date=lambda value: _here().format_roc_date(value),
        format_official_date=lambda value: _here().format_official_date(value),
        format_local_datetime=lambda value: _here().format_local_datetime(value, clock.zone()),
        format_decimal=lambda value, format=None: _here().format_decimal(value, format),
        format_percent=lambda value, format=None: _here().format_percent(value, format),
    )

    @app.context_processor
    def _inject() -> dict[str, object]:
        return {
            "html_lang": HTML_LANG.get(current_language(), current_language()),
            "lang_attribute": lang_attribute,
            "language_names": LANGUAGE_NAMES,
            "in_chinese": in_chinese,
        }


def lang_attribute(code: str) -> str:
    """The BCP 47 tag of an app language code, for a ``lang`` attribute."""
    return HTML_LANG.get(code, code)


def in_chinese(language: str | None = None) -> Markup:
    """`` lang="zh-Hant-TW"`` for a tag holding a name kept only in Chinese and English
    (an agency, a unit, a category) on a page in ``language``: such a page shows the
    Chinese name (:func:`agency_name`), so it says so; nothing on a Chinese or English
    page. Hakka, written in Han characters, is not Chinese: its page says so too."""
    language = language or current_language()
    if language in (DEFAULT_LANGUAGE, "en"):
        return Markup("")
    return Markup(' lang="%s"') % HTML_LANG[DEFAULT_LANGUAGE]


class Named(Protocol):
    """An agency or a unit: anything with a name in both languages."""

    name_zh: str
    name_en: str


def agency_name(agency: Named | None, language: str | None = None) -> str:
    """An agency's (or unit's) name in the interface language; "no agency" for None."""
    language = language or current_language()
    if agency is None:
        return translator(language).gettext("(whole system)")
    return agency.name_en if language == "en" else agency.name_zh
