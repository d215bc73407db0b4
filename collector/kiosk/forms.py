"""The kiosk's forms: pairing on the tablet, registering and changing the PIN in the console.

Fields carry no validators that speak English: the views check and word every problem."""

from __future__ import annotations

from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField

from collector.core.forms import LocalisedForm


class PairForm(LocalisedForm):
    code = StringField()


class PinForm(LocalisedForm):
    pin = PasswordField()
    pin_again = PasswordField()


class RegisterForm(PinForm):
    name = StringField()
    unit = SelectField(validate_choice=False)
    questionnaire = SelectField(validate_choice=False)
