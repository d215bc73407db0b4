"""The base of every staff form: WTForms' messages in our words, in the interface language.

WTForms has its own catalogues, but its Taiwanese wording reads as a translation
("此欄位是必需的。", "無效的選擇：無法強制轉化。"). The messages our forms can show are
listed in :data:`WTFORMS_MESSAGES`, so that extraction puts them in our catalogues
(docs/translations.md) where they are written as a Taiwanese agency would; any other
WTForms message falls back to WTForms' own catalogue for the language.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms.i18n import get_translations

from collector.core.i18n import LazyText
from collector.core.i18n import current_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_ngettext
from collector.core.i18n import translator

WTFORMS_MESSAGES: tuple[LazyText, ...] = (
    lazy_gettext("This field is required."),
    lazy_gettext("Invalid input."),
    lazy_gettext("Not a valid integer value."),
    lazy_gettext("Not a valid decimal value."),
    lazy_gettext("Not a valid float value."),
    lazy_gettext("Not a valid date value."),
    lazy_gettext("Not a valid choice."),
    lazy_gettext("Invalid Choice: could not coerce."),
    lazy_gettext("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
    ),
    lazy_ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
    ),
    lazy_ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
    ),
    lazy_ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
    ),
    lazy_gettext("Field must be between %(min)d and %(max)d characters long."),
    lazy_gettext("Number must be at least %(min)s."),
    lazy_gettext("Number must be at most %(max)s."),
    lazy_gettext("Number must be between %(min)s and %(max)s."),
)
"""WTForms' messages (its msgids, verbatim) that the validators and fields of our forms
can give; WTForms formats the placeholders itself after translating."""


class FormMessages:
    """WTForms' ``translations`` object for one language: our catalogue's text where
    it has the message, else WTForms' own."""

    def __init__(self, language: str) -> None:
        self.ours = translator(language).translations
        self.theirs = get_translations(["zh_TW" if language.startswith("zh") else "en"])

    def gettext(self, message: str) -> str:
        text = self.ours.gettext(message)
        return text if text != message else self.theirs.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        text = self.ours.ngettext(singular, plural, n)
        return text if text not in (singular, plural) else self.theirs.ngettext(singular, plural, n)


class LocalisedForm(FlaskForm):
    """A form whose WTForms messages ("This field is required.") speak the interface
    language in our catalogues' words (:class:`FormMessages`)."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            return FormMessages(current_language())
