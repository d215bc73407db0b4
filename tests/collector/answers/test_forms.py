"""Survey forms: invalid UTF-8 is found per field."""

from __future__ import annotations

from collector.answers.forms import undecodable_fields
from collector.core.forms import LocalisedForm


def test_undecodable_fields() -> None:
    body = b"q_a=%E4%B8%AD&q_b=%C3%28&q_c=plain+text&q_d=%FF"
    assert undecodable_fields(body) == {"q_b", "q_d"}
    assert undecodable_fields(b"") == set()


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
