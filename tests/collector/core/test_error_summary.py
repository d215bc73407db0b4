"""The error summary of staff forms: what a refused form reports, and every staff form
opening on one summary at the top, linked to its fields, in the interface language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from collector.core.error_summary import Problem
from collector.core.error_summary import report_error
from collector.core.error_summary import reported_errors
from collector.core.i18n import lazy_gettext
from collector.core.i18n import use_language
from tests.helpers.complaints import file_with_contact
from tests.helpers.complaints import make_category
from tests.helpers.organisation import agency_id
from tests.helpers.organisation import unit_id
from tests.helpers.web import csrf_token
from tests.helpers.web import element_ids
from tests.helpers.web import error_summary
from tests.helpers.web import login

ADMIN = "admin@alpha.example.test"
SYSADMIN = "sysadmin@example.test"
HANDLER = "cases@alpha.example.test"


def test_reports_are_kept_in_order_once_each(app: Flask) -> None:
    with app.test_request_context():
        use_language("en")
        assert report_error(["Too long.", "Not a code."], "code", "Code") == ""
        report_error([], "name", "Name")  # a field without errors reports nothing
        report_error(None)
        report_error(lazy_gettext("This field is required."))
        report_error(["Too long.", "Not a code."], "code", "Code")
        assert reported_errors() == [
            Problem("Too long. Not a code.", "code", "Code"),
            Problem("This field is required."),
        ]
    with app.test_request_context():
        assert reported_errors() == []  # one request's reports only


# -- every staff form ---------------------------------------------------------------------


def _forms(app: Flask) -> list[tuple[str | None, str, dict[str, Any]]]:
    """(who, address, fields) of a refused submission of every staff form."""
    alpha = agency_id(app, "alpha")
    case_id, _ = file_with_contact(app, make_category(app))
    return [
        (None, "/staff/login", {"email": "", "password": ""}),
        (ADMIN, "/staff/account/password", {"current_password": "", "new_password": "x"}),
        (ADMIN, "/staff/users", {"email": "not an address", "role": "analyst"}),
        (SYSADMIN, "/staff/agencies", {"code": "Bad Code", "level": "agency"}),
        (SYSADMIN, f"/staff/agencies/{alpha}", {"name_zh": "", "name_en": ""}),
        (ADMIN, "/staff/units", {"code": "", "name_zh": ""}),
        (ADMIN, f"/staff/units/{unit_id(app, 'alpha', 'c1')}", {"name_zh": ""}),
        (ADMIN, "/staff/campaigns/new", {"title": "", "starts_on": "2026-13-01", "units": "x"}),
        (ADMIN, "/staff/staff-survey", {"title": "", "ends_on": "someday"}),
        (ADMIN, "/staff/cases/new", {"channel": "phone", "subject": "", "intake_token": "x"}),
        (ADMIN, f"/staff/cases/{case_id}/act", {"action": "extend", "extend-days": "abc"}),
        (ADMIN, f"/staff/cases/{case_id}/restrict", {"restrict-reason": ""}),
        (ADMIN, "/staff/cases/settings", {"deadline_days": "0", "due_soon_days": "x"}),
        (ADMIN, "/staff/cases/settings/categories/new", {"code": "", "deadline_days": "x"}),
        (ADMIN, "/staff/cases/followup", {"start": "x", "size": "many", "seed": "s"}),
        (ADMIN, "/staff/calendar", {"day": "2026-02-30", "working": "x"}),
    ]


def test_every_staff_form_opens_on_one_summary_linked_to_its_fields(staff_app: Flask) -> None:
    clients: dict[str | None, Any] = {}
    for who, address, fields in _forms(staff_app):
        if who not in clients:
            clients[who] = login(staff_app, who)[0] if who else staff_app.test_client()
        client = clients[who]
        page = client.get(address.removesuffix("/act").removesuffix("/restrict")).text
        token = csrf_token(page)
        data = {"csrf_token": token, **fields}
        if address.endswith(("/act", "/restrict")):  # a case page's forms: prefixed
            prefix = fields.get("action", "restrict")
            version = re.search(rf'name="{prefix}-version" type="hidden" value="(\d+)"', page)
            assert version, address
            data |= {f"{prefix}-csrf_token": token, f"{prefix}-version": version.group(1)}
        response = client.post(address, data=data)
        assert response.status_code in (200, 409, 422), (address, response.status_code)
        html = response.text
        summary = error_summary(html)
        assert 0 <= summary.start < html.index("<h1"), address  # first in the page
        assert summary.attrs["role"] == "alert" and summary.attrs["tabindex"] == "-1"
        assert summary.entries, address
        ids = element_ids(html)
        for target, text in summary.entries:
            assert target is None or target in ids, (address, target)
            assert not re.search(r"This field|Not a valid|Invalid|Field must", text), text
        linked = [t for t, _ in summary.entries if t]
        assert linked, (address, summary.entries)  # at least one entry leads to its field
        assert re.search(r"<title>有 \d+ 處需要修正 – ", html), address
        assert "error_summary.js" in html


@pytest.mark.parametrize("address", ["/staff/", "/staff/users", "/staff/cases/settings"])
def test_a_page_without_errors_has_no_summary(staff_app: Flask, address: str) -> None:
    client, _ = login(staff_app, ADMIN)
    html = client.get(address).text
    assert error_summary(html).start == -1
    assert "error_summary.js" not in html and "處需要修正" not in html
