"""The public complaint forms (WTForms; CSRF from Flask-WTF): filing a complaint,
following a case with its number and password, and sending a supplement.

Every message is in the page's language (``form.language``). Each field obeys its
rule in ``collector.complaints.fields`` (the same on every channel): text is NFC and
trimmed, a one-line field refuses every control character and line break (no mail
header injection), lengths are the model's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import MultipleFileField
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField

from collector.answers.question_types import select_choices
from collector.complaints import fields
from collector.complaints.labels import PUBLIC_REPLY_CHANNELS
from collector.complaints.labels import REPLY_NEEDS
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_pgettext
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import ComplaintCategory

SUBJECT_MAX = fields.SUBJECT.max_length
DESCRIPTION_MAX = fields.DESCRIPTION.max_length

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


def privacy_notice(agency: Agency, language: str) -> list[tuple[str, str]]:
    """The Art. 8 notice for ``agency``: (heading, text) pairs in ``language``."""
    name = agency.name_en if language == "en" else agency.name_zh
    text = translator(language)
    return [(text.render(title), text.render(body, agency=name)) for title, body in NOTICE_PARTS]


# -- filters -------------------------------------------------------------------


def _nfc(value: Any) -> Any:
    """The rules' normalisation (NFC, trimmed, CR LF made LF) of a posted text."""
    return fields.normalise(value) if isinstance(value, str) else value


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
        filters=[_nfc],
        validators=fields.validators(fields.SUBJECT, lazy_gettext("Enter a subject.")),
    )
    description = TextAreaField(
        filters=[_nfc],
        validators=fields.validators(fields.DESCRIPTION, lazy_gettext("Describe your complaint.")),
    )
    location = StringField(filters=[_nfc], validators=fields.validators(fields.LOCATION))
    latitude = StringField(filters=[_nfc], validators=fields.coordinate_validators(fields.LATITUDE))
    longitude = StringField(
        filters=[_nfc], validators=fields.coordinate_validators(fields.LONGITUDE)
    )
    attachments = MultipleFileField()
    anonymous = BooleanField()
    confidential = BooleanField()
    name = StringField(filters=[_nfc], validators=fields.validators(fields.NAME))
    email = StringField(filters=[_nfc], validators=fields.validators(fields.EMAIL))
    phone = StringField(filters=[_nfc], validators=fields.validators(fields.PHONE))
    address = StringField(filters=[_nfc], validators=fields.validators(fields.ADDRESS))
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
        validators=fields.validators(fields.CASE_NUMBER, lazy_gettext("Enter the case number.")),
    )
    password = PasswordField(
        validators=fields.validators(fields.PASSWORD, lazy_gettext("Enter the password."))
    )


class SupplementForm(LocalisedForm):
    """The complainant's answer to a request for supplement: text and files."""

    LABELS = {"text": lazy_gettext("Your supplement"), "attachments": lazy_gettext("Attachments")}

    text = TextAreaField(
        filters=[_nfc],
        validators=fields.validators(fields.SUPPLEMENT, lazy_gettext("Write your supplement.")),
    )
    attachments = MultipleFileField()
