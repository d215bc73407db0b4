"""The rules of a complaint's fields, one definition each, that every channel applies:
the public form (``forms``), the JSON API and Open311 (``intake``) and staff intake
(``staff_forms``). A channel decides only which fields it requires and in which
language it words a problem.

Text is NFC and trimmed, with CR LF and CR made LF. A one-line field refuses every
control character and every line separator (CR and LF included, so nothing typed
anywhere can inject a mail header); a multi-line one keeps line breaks and tabs.
Lengths are the model's.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Literal

from wtforms import Field
from wtforms.validators import ValidationError

from collector.core.i18n import LazyText
from collector.core.i18n import current_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.mail import MailError
from collector.core.mail import check_address

_LINE_SEPARATORS = "\u2028\u2029\x85"
_PHONE = re.compile(r"^\+?[0-9()\- #]+$")


@dataclass(frozen=True)
class Problem:
    """What is wrong with a value, worded in any language by :meth:`text`."""

    message: LazyText
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str) -> str:
        return translator(language).render(self.message, **self.params)


ONE_LINE = Problem(
    lazy_gettext("This field takes one line of text: no line breaks or control characters.")
)
UNREADABLE = Problem(
    lazy_gettext("The text contains characters that could not be read. Please type it again.")
)
BAD_EMAIL = Problem(
    lazy_gettext("Enter one valid email address (no spaces, line breaks or lists).")
)
BAD_PHONE = Problem(
    lazy_gettext(
        "Enter a valid phone number (digits; +, -, brackets, spaces and # for an extension)."
    )
)


def normalise(value: str) -> str:
    """NFC and trimmed; CR LF and CR become LF (a browser sends CR LF in a text area)."""
    return unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _has_controls(text: str, allowed: str) -> bool:
    return any(
        (unicodedata.category(ch) == "Cc" and ch not in allowed) or ch in _LINE_SEPARATORS
        for ch in text
    )


@dataclass(frozen=True)
class TextRule:
    """One field's rule: one line or several, at most ``max_length`` characters, and for
    ``kind`` "email" or "phone" the format of an address or a number."""

    max_length: int
    one_line: bool = True
    kind: Literal["text", "email", "phone"] = "text"

    def check(self, value: str) -> tuple[str, Problem | None]:
        """The value as stored (normalised; an address lower-cased) and what is wrong with
        it, if anything. An empty value has no problem: required is the channel's call."""
        text = normalise(value)
        if not text:
            return text, None
        if _has_controls(text, allowed="" if self.one_line else "\n\t"):
            if self.kind == "email":  # its own message says: no line breaks
                return text, BAD_EMAIL
            return text, ONE_LINE if self.one_line else UNREADABLE
        if "\ufffd" in text:  # a form field that was not valid UTF-8
            return text, UNREADABLE
        if len(text) > self.max_length:
            return text, Problem(
                lazy_gettext("The text is too long: at most %(max)s characters."),
                {"max": self.max_length},
            )
        if self.kind == "email":
            try:
                return check_address(text), None
            except MailError:
                return text, BAD_EMAIL
        if self.kind == "phone":
            digits = sum(ch.isdigit() for ch in text)
            if not _PHONE.match(text) or not 6 <= digits <= 20:
                return text, BAD_PHONE
        return text, None


SUBJECT = TextRule(200)
DESCRIPTION = TextRule(5000, one_line=False)
SUPPLEMENT = TextRule(5000, one_line=False)
LOCATION = TextRule(300)
NAME = TextRule(100)
EMAIL = TextRule(254, kind="email")
PHONE = TextRule(40, kind="phone")
ADDRESS = TextRule(300)
CASE_NUMBER = TextRule(40)
PASSWORD = TextRule(128)
COORDINATE_TEXT = TextRule(32)

LATITUDE = (90.0, lazy_gettext("Latitude is a number from −90 to 90."))
LONGITUDE = (180.0, lazy_gettext("Longitude is a number from −180 to 180."))
"""Each coordinate's bound and what is said when a value is not within it."""


def coordinate(value: Any, rule: tuple[float, LazyText]) -> tuple[float | None, Problem | None]:
    """A latitude or longitude (text or a JSON number) within ``rule``'s bound; None for
    an empty value."""
    bound, message = rule
    if value is None or value == "":
        return None, None
    if isinstance(value, str):
        text, problem = COORDINATE_TEXT.check(value)
        if problem is not None:
            return None, problem
        value = text
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or not -bound <= number <= bound:
        return None, Problem(message)
    return number, None


# -- as WTForms validators ---------------------------------------------------------


def _language(form: Any) -> str:
    """A public form's own language (``form.language``), else the interface's (a staff
    form's ``language`` is a field: the case's language, not the page's)."""
    language = getattr(form, "language", None)
    return language if isinstance(language, str) else current_language()


def validators(rule: TextRule, required: LazyText | None = None) -> list[Any]:
    """A form field's validators under ``rule``: required (with the ``required``
    message), then the rule; the field keeps the value as stored."""

    def check(form: Any, field: Field) -> None:
        text = field.data or ""
        if not text:
            if required is not None:
                raise ValidationError(translator(_language(form)).render(required))
            return
        value, problem = rule.check(text)
        if problem is not None:
            raise ValidationError(problem.text(_language(form)))
        field.data = value

    return [check]


def coordinate_validators(rule: tuple[float, LazyText]) -> list[Any]:
    def check(form: Any, field: Field) -> None:
        _value, problem = coordinate(field.data, rule)
        if problem is not None:
            raise ValidationError(problem.text(_language(form)))

    return [check]
