"""The public complaint forms (WTForms; CSRF from Flask-WTF): filing a complaint,
following a case with its number and password, and sending a supplement.

Every message is in the page's language (``form.language``). Text is NFC and
trimmed; a single-line field refuses every control character (CR and LF
included, so nothing typed here can inject a mail header), a multi-line one
every control character but line breaks and tabs. Lengths are the model's.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import Field
from wtforms import HiddenField
from wtforms import MultipleFileField
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from collector.answers.question_types import select_choices
from collector.complaints.labels import PUBLIC_REPLY_CHANNELS
from collector.complaints.labels import REPLY_NEEDS
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_pgettext
from collector.core.i18n import translator
from collector.core.mail import MailError
from collector.core.mail import check_address
from collector.core.models import Agency
from collector.core.models import ComplaintCategory

SUBJECT_MAX = 200
DESCRIPTION_MAX = 5000
SUPPLEMENT_MAX = 5000
LOCATION_MAX = 300
NAME_MAX = 100
EMAIL_MAX = 254
PHONE_MAX = 40
ADDRESS_MAX = 300
CASE_NUMBER_MAX = 20
PASSWORD_MAX = 128

REPLY_CHANNELS = ("email", "letter", "phone", "none")
"""The reply channels a complainant may choose, in the order shown."""

NOTICE_VERSION = "2026-11"
"""The version of the personal data notice shown on the form (docs/complaints.md)."""

NOTICE_PARTS: tuple[tuple[LazyText, LazyText], ...] = (
    (
        lazy_gettext("Who collects your data"),
        lazy_gettext(
            "%(agency)s (the agency) gives you this notice under Article 8 of the Personal Data Protection Act."
        ),
    ),
    (
        lazy_gettext("Purpose"),
        lazy_gettext(
            "Handling complaints: receiving, assigning, investigating and answering your complaint, transferring it to the competent agency where the law requires, and asking how satisfied you were with the handling."
        ),
    ),
    (
        lazy_gettext("Data collected"),
        lazy_gettext(
            "Identification data (C001): name, email, phone, postal address; and whatever you write in the complaint, its location and attachments. The agency does not store your network address with the case."
        ),
    ),
    (
        lazy_gettext("Period, area, recipients and manner of use"),
        lazy_gettext(
            "Period: kept under the Archives Act for the agency's retention period, then destroyed with approval. Area: the Republic of China (Taiwan). Recipients: the agency's case handlers; when the matter belongs to another agency, the case is transferred to it and you are told (without your identity if you asked for confidentiality). Manner: handled and answered electronically or on paper."
        ),
    ),
    (
        lazy_gettext("Your rights"),
        lazy_gettext(
            "Under Article 3 of the Act you may ask the agency to let you see your data, give you a copy, complete or correct it, stop collecting, processing or using it, and delete it. A complaint file is an official record: on a request to delete, its use is restricted until the retention period ends, and it is then destroyed."
        ),
    ),
    (
        lazy_gettext("If you do not give some data"),
        lazy_gettext(
            "Everything except the category, subject and description is up to you. Without a contact detail the agency cannot reply that way; a complaint without a real name or address may be declined under Art. 173 of the Administrative Procedure Act (it is still logged)."
        ),
    ),
)
"""The PDPA Art. 8 notice: (heading, text) for each item the article requires;
``agency`` is the agency's name."""

_PHONE = re.compile(r"^\+?[0-9()\- #]+$")
_LINE_BREAKS = "\u2028\u2029\x85"


def privacy_notice(agency: Agency, language: str) -> list[tuple[str, str]]:
    """The Art. 8 notice for ``agency``: (heading, text) pairs in ``language``."""
    name = agency.name_en if language == "en" else agency.name_zh
    text = translator(language)
    return [(text.render(title), text.render(body, agency=name)) for title, body in NOTICE_PARTS]


# -- filters and validators ----------------------------------------------------


def _nfc(value: Any) -> Any:
    """NFC and trimmed; CR LF become LF (the browser sends CR LF in a textarea)."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _language(form: Any) -> str:
    return getattr(form, "language", "zh-Hant-TW")


def _message(form: Any, message: LazyText, **params: Any) -> str:
    return translator(_language(form)).render(message, **params)


def _has_controls(text: str, allowed: str = "") -> bool:
    return any(
        (unicodedata.category(ch) == "Cc" and ch not in allowed) or ch in _LINE_BREAKS
        for ch in text
    )


def _text_check(
    max_length: int, required: LazyText | None, allowed: str, one_line: bool
) -> Callable[[Any, Field], None]:
    """One field's text rules: required (with the ``required`` message), no control
    character but ``allowed``, nothing unreadable, at most ``max_length`` characters."""

    def check(form: Any, field: Field) -> None:
        text = field.data or ""
        words = translator(_language(form))
        if not text:
            if required is not None:
                raise ValidationError(_message(form, required))
            return
        unreadable = words.gettext(
            "The text contains characters that could not be read. Please type it again."
        )
        if _has_controls(text, allowed=allowed):
            raise ValidationError(
                words.gettext(
                    "This field takes one line of text: no line breaks or control characters."
                )
                if one_line
                else unreadable
            )
        if "\ufffd" in text:
            raise ValidationError(unreadable)
        if len(text) > max_length:
            raise ValidationError(
                words.gettext("The text is too long: at most %(max)s characters.", max=max_length)
            )

    return check


def single_line(max_length: int, required: LazyText | None = None) -> list[Any]:
    """Validators of a one-line field: required (with the ``required`` message), no control
    characters at all (no CR/LF: no header injection), readable, at most ``max_length``."""
    return [_text_check(max_length, required, allowed="", one_line=True)]


def multi_line(max_length: int, required: LazyText | None = None) -> list[Any]:
    """Validators of a text area: line breaks and tabs allowed, other controls not."""
    return [_text_check(max_length, required, allowed="\n\t", one_line=False)]


def _email(form: Any, field: Field) -> None:
    if not field.data:
        return
    try:
        field.data = check_address(field.data)
    except MailError:
        raise ValidationError(
            translator(_language(form)).gettext(
                "Enter one valid email address (no spaces, line breaks or lists)."
            )
        ) from None


def _phone(form: Any, field: Field) -> None:
    if not field.data:
        return
    digits = sum(ch.isdigit() for ch in field.data)
    if not _PHONE.match(field.data) or not 6 <= digits <= 20:
        raise ValidationError(
            translator(_language(form)).gettext(
                "Enter a valid phone number (digits; +, -, brackets, spaces and # for an extension)."
            )
        )


def _coordinate(limit: float, message: LazyText) -> Any:
    def check(form: Any, field: Field) -> None:
        if not field.data:
            return
        try:
            value = float(field.data)
        except ValueError:
            raise ValidationError(_message(form, message)) from None
        if not math.isfinite(value) or not -limit <= value <= limit:
            raise ValidationError(_message(form, message))

    return check


# -- the forms -----------------------------------------------------------------


class LocalisedForm(FlaskForm):
    """A form whose labels and messages are in ``language`` (set by the constructor)."""

    LABELS: dict[str, LazyText] = {}

    def __init__(self, *args: Any, language: str = "zh-Hant-TW", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        text = translator(language)
        for name, label in self.LABELS.items():
            self[name].label.text = text.render(label)

    def error_list(self) -> list[tuple[str, str]]:
        """(field id, first message) of every field in error, in page order (CSRF aside)."""
        return [
            (field.id, field.errors[0])
            for field in self
            if field.errors and field.name != "csrf_token"
        ]

    @property
    def csrf_failed(self) -> bool:
        return bool(getattr(self, "csrf_token", None) is not None and self.csrf_token.errors)


class ComplaintForm(LocalisedForm):
    """A complaint filed on the public page. ``categories`` are the agency's active ones."""

    LABELS = {
        "category": lazy_pgettext("complaint form", "Category"),
        "subject": lazy_pgettext("complaint form", "Subject"),
        "description": lazy_gettext("Description"),
        "location": lazy_gettext("Where"),
        "latitude": lazy_gettext("Latitude"),
        "longitude": lazy_gettext("Longitude"),
        "attachments": lazy_gettext("Attachments"),
        "anonymous": lazy_gettext("File anonymously"),
        "confidential": lazy_gettext("Keep my identity confidential"),
        "name": lazy_pgettext("complaint form", "Name"),
        "email": lazy_gettext("Email"),
        "phone": lazy_gettext("Phone"),
        "address": lazy_gettext("Postal address"),
        "reply_channel": lazy_gettext("How should we reply?"),
    }

    category = SelectField(choices=select_choices([]), validate_choice=False)
    subject = StringField(
        filters=[_nfc], validators=single_line(SUBJECT_MAX, lazy_gettext("Enter a subject."))
    )
    description = TextAreaField(
        filters=[_nfc],
        validators=multi_line(DESCRIPTION_MAX, lazy_gettext("Describe your complaint.")),
    )
    location = StringField(filters=[_nfc], validators=single_line(LOCATION_MAX))
    latitude = StringField(
        filters=[_nfc],
        validators=[
            *single_line(32),
            _coordinate(90, lazy_gettext("Latitude is a number from −90 to 90.")),
        ],
    )
    longitude = StringField(
        filters=[_nfc],
        validators=[
            *single_line(32),
            _coordinate(180, lazy_gettext("Longitude is a number from −180 to 180.")),
        ],
    )
    attachments = MultipleFileField()
    anonymous = BooleanField()
    confidential = BooleanField()
    name = StringField(filters=[_nfc], validators=single_line(NAME_MAX))
    email = StringField(filters=[_nfc], validators=[*single_line(EMAIL_MAX), _email])
    phone = StringField(filters=[_nfc], validators=[*single_line(PHONE_MAX), _phone])
    address = StringField(filters=[_nfc], validators=single_line(ADDRESS_MAX))
    reply_channel = RadioField(
        choices=select_choices([(c, c) for c in REPLY_CHANNELS]), validate_choice=False
    )
    submission_token = HiddenField()

    def __init__(
        self,
        *args: Any,
        categories: Sequence[ComplaintCategory] = (),
        language: str = "zh-Hant-TW",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, language=language, **kwargs)
        self.category.choices = select_choices(
            [("", translator(language).gettext("Choose one"))]
            + [(str(c.id), c.name_en if language == "en" else c.name_zh) for c in categories]
        )
        self._categories = {str(c.id): c for c in categories}
        self.reply_channel.choices = select_choices(
            [(c, translator(language).render(PUBLIC_REPLY_CHANNELS[c])) for c in REPLY_CHANNELS]
        )
        if not self.reply_channel.data:
            self.reply_channel.data = "email"

    @property
    def chosen_category(self) -> ComplaintCategory | None:
        return self._categories.get(self.category.data or "")

    def coordinates(self) -> tuple[float | None, float | None]:
        if not self.latitude.data or not self.longitude.data:
            return None, None
        return float(self.latitude.data), float(self.longitude.data)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        language = self.language
        if self.chosen_category is None:
            self.category.errors = [translator(language).gettext("Choose a category.")]
            ok = False
        if bool(self.latitude.data) != bool(self.longitude.data):
            target = self.longitude if self.latitude.data else self.latitude
            if not target.errors:
                target.errors = [
                    translator(language).gettext("Give both latitude and longitude, or neither.")
                ]
            ok = False
        channel = self.reply_channel.data
        if channel not in REPLY_CHANNELS:
            self.reply_channel.errors = [
                translator(language).gettext("Choose how we should reply.")
            ]
            return False
        contact = [self.name, self.email, self.phone, self.address]
        if self.anonymous.data:
            if any(f.data for f in contact):
                self.anonymous.errors = [
                    translator(language).gettext(
                        "An anonymous complaint has no contact details: untick “File anonymously”, or clear the name, email, phone and address."
                    )
                ]
                ok = False
            if channel != "none":
                self.reply_channel.errors = [
                    translator(language).gettext(
                        "An anonymous complaint gets no reply: choose “No reply needed”."
                    )
                ]
                ok = False
            return ok
        if not self.name.data and not self.name.errors:
            self.name.errors = [
                translator(language).gettext("Enter your name, or tick “File anonymously”.")
            ]
            ok = False
        needed = {"email": self.email, "letter": self.address, "phone": self.phone}.get(channel)
        if needed is not None and not needed.data and not needed.errors:
            needed.errors = [translator(language).render(REPLY_NEEDS[channel])]
            ok = False
        return ok

    def case_fields(self) -> dict[str, Any]:
        """The validated answers as ``cases.new_case`` takes them."""
        latitude, longitude = self.coordinates()
        anonymous = bool(self.anonymous.data)
        return {
            "subject": self.subject.data,
            "description": self.description.data,
            "location": self.location.data or None,
            "latitude": latitude,
            "longitude": longitude,
            "anonymous": anonymous,
            "confidential": bool(self.confidential.data),
            "name": None if anonymous else self.name.data or None,
            "email": None if anonymous else self.email.data or None,
            "phone": None if anonymous else self.phone.data or None,
            "address": None if anonymous else self.address.data or None,
            "reply_channel": "none" if anonymous else self.reply_channel.data,
        }


class FollowForm(LocalisedForm):
    """Following a case without an account: its number and its password."""

    LABELS = {
        "case_number": lazy_gettext("Case number"),
        "password": lazy_pgettext("complaint form", "Password"),
    }

    case_number = StringField(
        filters=[_nfc],
        validators=single_line(CASE_NUMBER_MAX * 2, lazy_gettext("Enter the case number.")),
    )
    password = PasswordField(
        validators=single_line(PASSWORD_MAX, lazy_gettext("Enter the password."))
    )


class SupplementForm(LocalisedForm):
    """The complainant's answer to a request for supplement: text and files."""

    LABELS = {"text": lazy_gettext("Your supplement"), "attachments": lazy_gettext("Attachments")}

    text = TextAreaField(
        filters=[_nfc],
        validators=multi_line(SUPPLEMENT_MAX, lazy_gettext("Write your supplement.")),
    )
    attachments = MultipleFileField()
