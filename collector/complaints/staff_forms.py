"""The forms of the staff case pages: one per case action (each carrying the case's
version), restriction, destruction and intake; text fields lose control characters
before they are checked, and which field shows which case error."""

from __future__ import annotations

import re
from typing import Any

from wtforms import BooleanField
from wtforms import EmailField
from wtforms import IntegerField
from wtforms import MultipleFileField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from collector.complaints import fields as rules
from collector.core.forms import LocalisedForm

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(value: Any) -> Any:
    """Text without control characters (NUL, which PostgreSQL refuses, among them);
    tabs and line breaks stay."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


class StaffForm(LocalisedForm):
    """A staff form whose text fields drop control characters before validation and
    whose validation messages are in the interface language."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            if issubclass(unbound_field.field_class, StringField):  # TextAreaField too
                filters = unbound_field.kwargs.get("filters", ())
                options["filters"] = (strip_controls, *filters)
            return unbound_field.bind(form=form, **options)


class VersionedForm(StaffForm):
    """Every action's form carries the case's version (optimistic concurrency)."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


def _reason(required: bool = True) -> TextAreaField:
    checks = [InputRequired()] if required else [Optional()]
    return TextAreaField(validators=[*checks, Length(max=2000)])


class AssignForm(VersionedForm):
    unit = SelectField(default="")
    handler = SelectField(default="")
    reason = _reason(required=False)


class StartForm(VersionedForm):
    pass


class DeclineForm(VersionedForm):
    ground = SelectField(validators=[InputRequired()])
    reason = _reason()


class ReasonForm(VersionedForm):
    reason = _reason()


class TextForm(VersionedForm):
    text = TextAreaField(validators=[InputRequired(), Length(max=20000)])


class ExtendForm(VersionedForm):
    days = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=365)])
    reason = _reason()


class TransferUnitForm(VersionedForm):
    unit = SelectField(validators=[InputRequired()])
    reason = _reason()


class TransferAgencyForm(VersionedForm):
    category = SelectField(validators=[InputRequired()])
    reason = _reason()


class ReplyForm(VersionedForm):
    body = TextAreaField(validators=[InputRequired(), Length(max=20000)])


class CloseForm(VersionedForm):
    outcome = SelectField(validators=[InputRequired()])
    reason = _reason(required=False)


class MergeForm(VersionedForm):
    into = StringField(validators=[InputRequired(), Length(max=40)])
    reason = _reason()


class RestrictForm(VersionedForm):
    reason = _reason()


class DestroyForm(VersionedForm):
    confirm_number = StringField(validators=[InputRequired(), Length(max=40)])
    reason = _reason()


ACTION_FORMS: dict[str, type[VersionedForm]] = {
    "assign": AssignForm,
    "start": StartForm,
    "decline": DeclineForm,
    "request_supplement": ReasonForm,
    "supplement_received": TextForm,
    "extend": ExtendForm,
    "transfer_unit": TransferUnitForm,
    "transfer_agency": TransferAgencyForm,
    "reply": ReplyForm,
    "close": CloseForm,
    "reopen": ReasonForm,
    "merge": MergeForm,
    "note": TextForm,
}
"""The case page's action forms, keyed by ``lifecycle.TRANSITIONS`` action (also the prefix)."""


ERROR_FIELDS = {
    "case_reason_required": "reason",
    "case_bad_extension": "days",
    "case_bad_unit": "unit",
    "case_assign_nobody": "unit",
    "case_bad_handler": "handler",
    "case_bad_ground": "ground",
    "case_bad_outcome": "outcome",
    "case_bad_merge": "into",
    "cs_merge_not_found": "into",
    "case_reply_required": "body",
    "case_reply_placeholder": "body",
    "case_note_required": "text",
    "case_supplement_required": "text",
    "case_bad_category": "category",
    "case_same_agency": "category",
    "case_not_destroyable": "confirm_number",
    "cs_confirm_number": "confirm_number",
}
"""Which field shows a ``CaseError`` (by key); others are shown above the forms."""


class IntakeForm(StaffForm):
    channel = SelectField(validators=[InputRequired()])
    category = SelectField(validators=[InputRequired()])
    language = SelectField(default="zh-Hant-TW", validators=[InputRequired()])
    # One-line fields obey the public form's rules (collector.complaints.fields).
    subject = StringField(validators=[InputRequired(), *rules.validators(rules.SUBJECT)])
    description = TextAreaField(validators=[InputRequired(), Length(max=20000)])
    location = StringField(validators=rules.validators(rules.LOCATION))
    anonymous = BooleanField()
    confidential = BooleanField()
    name = StringField(validators=rules.validators(rules.NAME))
    email = EmailField(validators=rules.validators(rules.EMAIL))
    phone = StringField(validators=rules.validators(rules.PHONE))
    address = StringField(validators=rules.validators(rules.ADDRESS))
    reply_channel = SelectField(default="email", validators=[InputRequired()])
    read_back_of = StringField(widget=HiddenInput(), validators=[Optional(), Length(max=64)])
    intake_token = StringField(
        widget=HiddenInput(), validators=[InputRequired(), Length(min=16, max=64)]
    )
    read_back_confirmed = BooleanField()
    attachments = MultipleFileField()
