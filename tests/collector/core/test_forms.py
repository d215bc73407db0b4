"""Staff forms: WTForms' own messages in our words and the interface language."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask import g
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from collector.core.forms import WTFORMS_MESSAGES
from collector.core.forms import LocalisedForm
from collector.core.i18n import translator


class ExampleForm(LocalisedForm):
    class Meta:
        csrf = False

    name = StringField(validators=[InputRequired(), Length(max=3)])
    days = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=365)])
    kind = SelectField(choices=[SelectChoice("a", "A")])


def errors(app: Flask, language: str, **data: Any) -> list[str]:
    """Every message of the form posted with ``data``, in ``language``."""
    with app.test_request_context(method="POST", data=data):
        g.language = language
        form = ExampleForm()
        assert not form.validate()
        return [message for field in form for message in field.errors]


@pytest.mark.parametrize(
    ("data", "zh", "en"),
    [
        ({}, "此欄位為必填。", "This field is required."),
        ({"days": "abc"}, "請輸入整數。", "Not a valid integer value."),
        ({"days": "5000"}, "請輸入 1 到 365 之間的數字。", "Number must be between 1 and 365."),
        ({"name": "abcd"}, "最多 3 個字。", "Field cannot be longer than 3 characters."),
        ({"kind": "z"}, "請從選項中選擇。", "Not a valid choice."),
    ],
)
def test_wtforms_messages_are_ours_in_the_interface_language(
    app: Flask, data: dict[str, str], zh: str, en: str
) -> None:
    assert zh in errors(app, "zh-Hant-TW", **data)
    assert en in errors(app, "en", **data)


def test_no_message_comes_out_in_the_library_wording(app: Flask) -> None:
    """WTForms' own Taiwanese catalogue says "此欄位是必需的。"; ours is used instead."""
    found = errors(app, "zh-Hant-TW")
    assert found and "此欄位是必需的。" not in found


def test_every_listed_message_has_a_chinese_text() -> None:
    chinese = translator("zh-Hant-TW")
    for message in WTFORMS_MESSAGES:
        if message.plural is None:
            text = chinese.translations.gettext(message.message)
        else:
            text = chinese.translations.ngettext(message.message, message.plural, 1)
        assert text != message.message, message.message
