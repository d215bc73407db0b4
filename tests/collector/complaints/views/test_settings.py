"""Complaint settings (/staff/cases/settings) and the working-day calendar (/staff/calendar):
permissions, audit, and due dates that follow a change."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.complaints import calendars
from collector.complaints import records
from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.core.models import CalendarDay
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintPolicy
from tests.helpers.complaints import file_with_contact
from tests.helpers.complaints import make_category
from tests.helpers.organisation import agency_id
from tests.helpers.web import client_as
from tests.helpers.web import post_form

XSS = '<script>alert("x")</script>'
ADMIN = "admin@alpha.example.test"


@pytest.fixture
def app(staff_app: Flask, tmp_path: Path) -> Flask:
    staff_app.config["COMPLAINT_ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    return staff_app


def audited(app: Flask, action: str) -> list[dict[str, Any]]:
    with session_scope(app) as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
        return [json.loads(r.detail) for r in rows]


def due_on(app: Flask, case_id: int) -> date:
    with session_scope(app) as session:
        case = session.get(Complaint, case_id)
        assert case is not None
        return case.due_on


def test_only_the_agency_administrator_changes_settings(app: Flask) -> None:
    for email in (
        "cases@alpha.example.test",
        "analyst@alpha.example.test",
        "sysadmin@example.test",
    ):
        client = client_as(app, email)
        assert client.get("/staff/cases/settings").status_code == 403, email
        assert post_form(client, "/staff/cases/settings", deadline_days=5).status_code == 403, email
    category = make_category(app)
    beta = client_as(app, "admin@beta.example.test")
    assert beta.get(f"/staff/cases/settings/categories/{category}").status_code == 404


def test_the_settings_page_says_whether_attachments_are_scanned(app: Flask) -> None:
    client = client_as(app, ADMIN)
    page = client.get("/staff/cases/settings").text
    assert "附件病毒掃描" in page and "尚未設定防毒掃描" in page and "ATTACHMENT_SCANNER" in page
    english = client.get("/staff/cases/settings?lang=en").text
    assert "No virus scanner is configured" in english
    app.config["ATTACHMENT_SCANNER"] = "clamd:///run/clamav/clamd.ctl"
    page = client.get("/staff/cases/settings?lang=zh-Hant-TW").text
    assert "尚未設定防毒掃描" not in page
    assert "每個附件在儲存前都經 ClamAV 掃描（clamd 位於 /run/clamav/clamd.ctl）" in page


def test_the_policy_is_saved_audited_and_moves_open_due_dates(app: Flask) -> None:
    category = make_category(app)
    case_id, _ = file_with_contact(app, category)
    received = due_on(app, case_id)
    client = client_as(app, ADMIN)
    page = client.get("/staff/cases/settings")
    assert page.status_code == 200 and "道路養護" in page.text
    bad = post_form(
        client, "/staff/cases/settings", deadline_days=0, day_kind="calendar", due_soon_days=3
    )
    assert bad.status_code == 422
    bad = post_form(
        client, "/staff/cases/settings", deadline_days=10, day_kind="lunar", due_soon_days=3
    )
    assert bad.status_code == 422
    assert audited(app, "complaint.policy_changed") == []
    saved = post_form(
        client,
        "/staff/cases/settings",
        deadline_days=10,
        day_kind="working",
        due_soon_days=2,
        accept_anonymous="y",
    )
    assert saved.status_code == 303
    with session_scope(app) as session:
        policy = session.get(ComplaintPolicy, agency_id(app, "alpha"))
        assert policy is not None
        assert (policy.deadline_days, policy.day_kind, policy.due_soon_days) == (10, "working", 2)
        assert policy.accept_anonymous and not policy.followup
    (change,) = audited(app, "complaint.policy_changed")
    assert change["before"]["deadline_days"] == 30 and change["after"]["deadline_days"] == 10
    assert change["moved"] == 1
    assert due_on(app, case_id) < received  # 10 working days come before 30 calendar days


def test_categories_are_created_edited_escaped_and_audited(
    app: Flask, people: dict[str, int]
) -> None:
    client = client_as(app, ADMIN)
    fields = {
        "code": "noise",
        "name_zh": "噪音" + XSS,
        "name_en": "Noise",
        "deadline_days": "",
        "day_kind": "",
        "unit": "",
        "handler": str(people["cases@alpha.example.test"]),
        "retention_class": "long",
        "reply_template_zh": "{name} 您好：{subject}",
        "reply_template_en": "Dear {name}",
        "active": "y",
    }
    assert (
        post_form(
            client, "/staff/cases/settings/categories/new", **{**fields, "code": "Bad Code!"}
        ).status_code
        == 422
    )
    assert (
        post_form(
            client,
            "/staff/cases/settings/categories/new",
            **{**fields, "retention_class": "forever"},
        ).status_code
        == 422
    )
    assert post_form(client, "/staff/cases/settings/categories/new", **fields).status_code == 303
    assert (
        post_form(client, "/staff/cases/settings/categories/new", **fields).status_code == 422
    )  # code taken
    listing = client.get("/staff/cases/settings").text
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing
    with session_scope(app) as session:
        row = session.execute(
            select(ComplaintCategory).where(ComplaintCategory.code == "noise")
        ).scalar_one()
        category_id = row.id
        assert (
            row.handler_id == people["cases@alpha.example.test"] and row.retention_class == "long"
        )
    assert len(audited(app, "complaint.category_created")) == 1
    # A new case of the category is routed to its default handler.
    case_id, _ = file_with_contact(app, category_id)
    with session_scope(app) as session:
        case = session.get(Complaint, case_id)
        assert case is not None and case.status == "assigned"
    before = due_on(app, case_id)
    edit = client.get(f"/staff/cases/settings/categories/{category_id}")
    assert edit.status_code == 200 and "Dear {name}" in edit.text
    changed = post_form(
        client,
        f"/staff/cases/settings/categories/{category_id}",
        **{**fields, "code": "renamed", "deadline_days": "3", "day_kind": "working"},
    )
    assert changed.status_code == 303
    with session_scope(app) as session:
        row = session.get(ComplaintCategory, category_id)
        assert row is not None and row.code == "noise" and row.deadline_days == 3  # code fixed
    (change,) = audited(app, "complaint.category_changed")
    assert change["before"]["deadline_days"] is None and change["after"]["deadline_days"] == 3
    assert due_on(app, case_id) < before


def test_a_calendar_change_moves_due_dates_and_is_audited(app: Flask) -> None:
    category = make_category(app, deadline_days=3, day_kind="working")
    case_id, _ = file_with_contact(app, category)
    before = due_on(app, case_id)
    client = client_as(app, ADMIN)
    page = client.get(f"/staff/calendar?year={before.year}")
    assert page.status_code == 200
    # The agency closes on the due date (a local day off): the due date moves one working day on.
    added = post_form(
        client,
        "/staff/calendar",
        day=before.isoformat(),
        working="0",
        name_zh="颱風假" + XSS,
        name_en="Typhoon day",
    )
    assert added.status_code == 303
    moved = due_on(app, case_id)
    assert moved > before
    with app.app_context(), session_scope(app) as session:
        calendar = calendars.calendar_for(app, session, agency_id(app, "alpha"))
        assert moved == calendar.add_working_days(before, 1)
    (event,) = audited(app, "calendar.day_added")
    assert event["day"] == before.isoformat() and event["moved"] == 1
    listing = client.get(f"/staff/calendar?year={before.year}").text
    assert "<script>alert" not in listing and "颱風假" in listing
    assert (
        post_form(
            client, "/staff/calendar", day=before.isoformat(), working="0", name_zh="x", name_en="x"
        ).status_code
        == 422
    )  # already listed
    assert (
        post_form(
            client, "/staff/calendar", day="1990-01-01", working="0", name_zh="x", name_en="x"
        ).status_code
        == 422
    )  # outside the calendar's years
    with session_scope(app) as session:
        row = session.execute(select(CalendarDay)).scalar_one()
        day_id = row.id
    # Another agency cannot remove it; a bare POST removes nothing.
    beta = client_as(app, "admin@beta.example.test")
    assert (
        post_form(beta, f"/staff/calendar/days/{day_id}/delete", day=before.isoformat()).status_code
        == 404
    )
    assert post_form(client, f"/staff/calendar/days/{day_id}/delete").status_code == 400
    assert due_on(app, case_id) == moved
    removed = post_form(client, f"/staff/calendar/days/{day_id}/delete", day=before.isoformat())
    assert removed.status_code == 303
    assert due_on(app, case_id) == before
    assert audited(app, "calendar.day_removed")


def test_recompute_refreshes_due_dates_stored_before_a_change(app: Flask) -> None:
    category = make_category(app, deadline_days=3, day_kind="working")
    case_id, _ = file_with_contact(app, category)
    before = due_on(app, case_id)
    with session_scope(app) as session:  # a row written behind the pages' back
        session.add(
            CalendarDay(
                agency_id=agency_id(app, "alpha"),
                day=before,
                working=False,
                name_zh="停班",
                name_en="Office closed",
            )
        )
    assert due_on(app, case_id) == before
    client = client_as(app, ADMIN)
    assert post_form(client, "/staff/calendar/recompute").status_code == 303
    assert due_on(app, case_id) > before
    assert audited(app, "complaint.due_dates_recomputed")[0]["moved"] == 1


def test_the_system_administrator_edits_the_national_calendar(app: Flask) -> None:
    alpha = make_category(app, deadline_days=3, day_kind="working")
    beta = make_category(app, "beta", deadline_days=3, day_kind="working")
    alpha_case, _ = file_with_contact(app, alpha)
    beta_case, _ = file_with_contact(app, beta, agency_code="beta")
    day = due_on(app, alpha_case)
    client = client_as(app, "sysadmin@example.test")
    page = client.get(f"/staff/calendar?year={day.year}")
    assert page.status_code == 200 and "全國辦公日曆" in page.text
    assert (
        post_form(
            client,
            "/staff/calendar",
            day=day.isoformat(),
            working="0",
            name_zh="全國停班",
            name_en="National closure",
        ).status_code
        == 303
    )
    with session_scope(app) as session:
        row = session.execute(select(CalendarDay)).scalar_one()
        assert row.agency_id is None
    assert due_on(app, alpha_case) > day and due_on(app, beta_case) > day
    # An agency administrator sees the national day but cannot remove it.
    admin = client_as(app, ADMIN)
    listing = admin.get(f"/staff/calendar?year={day.year}").text
    assert "全國停班" in listing and "全國修訂" in listing
    assert (
        post_form(admin, f"/staff/calendar/days/{row.id}/delete", day=day.isoformat()).status_code
        == 404
    )
    assert client_as(app, "cases@alpha.example.test").get("/staff/calendar").status_code == 403


def test_the_calendar_year_is_checked(app: Flask) -> None:
    client = client_as(app, ADMIN)
    today = records.today_for(app)
    for year in ("abc", "1900", "99999999999", "9" * 5000, "٢٠٢٦"):
        page = client.get(f"/staff/calendar?year={year}")
        assert page.status_code == 200
        assert re.search(rf"<h1>[^<]*{today.year}</h1>", page.text)
