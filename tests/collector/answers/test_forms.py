"""Survey forms: invalid UTF-8 is found per field."""

from __future__ import annotations

from flask import Flask
from flask import g

from collector.answers.forms import undecodable_fields
from collector.core.forms import LocalisedForm


def test_undecodable_fields() -> None:
    body = b"q_a=%E4%B8%AD&q_b=%C3%28&q_c=plain+text&q_d=%FF"
    assert undecodable_fields(body) == {"q_b", "q_d"}
    assert undecodable_fields(b"") == set()


def test_localised_forms_speak_the_interface_language(app: Flask) -> None:
    from wtforms import StringField
    from wtforms.validators import DataRequired

    from collector.core.forms import LocalisedForm

    class NameForm(LocalisedForm):
        class Meta:
            csrf = False

        name = StringField(validators=[DataRequired()])

    for language, message in (
        ("zh-Hant-TW", "此欄位是必需的。"),
        ("en", "This field is required."),
    ):
        with app.test_request_context(method="POST", data={}):
            g.language = language
            form = NameForm()
            assert not form.validate()
            assert form.name.errors == [message]


def test_every_staff_form_is_localised() -> None:
    from collector.access.views import account
    from collector.access.views import login as auth
    from collector.access.views import users as staff
    from collector.campaigns import views as campaigns
    from collector.organisation import views as organisation

    forms = (
        account.PasswordForm,
        auth.LoginForm,
        campaigns.CampaignForm,
        organisation.NamesForm,
        staff.CreateUserForm,
    )
    assert all(issubclass(form, LocalisedForm) for form in forms)
