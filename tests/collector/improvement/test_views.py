"""The improvement pages (collector.improvement.views): recording an action from a
results link, moving it on, evidence, editing; bad input refused with an error summary
and nothing changed; other agencies' actions never seen."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import ImprovementAction
from collector.core.models import ImprovementEvent
from tests.helpers.database import audit_events
from tests.helpers.database import count_rows
from tests.helpers.improvement import add_action
from tests.helpers.organisation import unit_id
from tests.helpers.staff import PEOPLE
from tests.helpers.web import client_as
from tests.helpers.web import csrf_token
from tests.helpers.web import error_summary

ANALYST = "analyst@alpha.example.test"
ADMIN = "admin@alpha.example.test"
MINISTRY = "ministry@moi.example.test"
HANDLER = "cases@alpha.example.test"
BETA = "analyst@beta.example.test"


def owner_id(app: Flask, email: str = ANALYST) -> int:
    from collector.core.models import User

    with session_scope(app) as session:
        return session.execute(select(User.id).where(User.email == email)).scalar_one()


def action(app: Flask, ident: int) -> ImprovementAction:
    with session_scope(app) as session:
        row = session.get(ImprovementAction, ident)
        assert row is not None
        session.expunge(row)
        return row


def events(app: Flask, ident: int) -> list[ImprovementEvent]:
    with session_scope(app) as session:
        rows = list(
            session.execute(
                select(ImprovementEvent).where(ImprovementEvent.action_id == ident)
            ).scalars()
        )
        session.expunge_all()
        return rows


def new_form(app: Flask, **overrides: Any) -> dict[str, Any]:
    data = {
        "finding_kind": "weak_unit",
        "questionnaire": "citizen-satisfaction",
        "item": "measures_wait",
        "unit": str(unit_id(app, "alpha", "c1")),
        "category": "",
        "reason": "",
        "wave": "115H1",
        "measure": "top2",
        "title": "午間加開櫃台",
        "measure_taken": "中午與尖峰時段加開一個櫃台",
        "owner": str(owner_id(app)),
        "due_on": "2026-12-31",
        "version": "",
    }
    data.update(overrides)
    return data


def post(client: Any, url: str, data: dict[str, Any], page: str) -> Any:
    token = csrf_token(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **data})


def test_a_results_link_prefills_the_finding(staff_app: Flask) -> None:
    client = client_as(staff_app, ANALYST)
    unit = unit_id(staff_app, "alpha", "c2")
    page = client.get(
        f"/staff/improvement/new?kind=weak_unit&questionnaire=citizen-satisfaction"
        f"&item=measures_wait&unit={unit}&wave=2026H1"
    )
    assert page.status_code == 200
    html = page.text
    assert '<option selected value="weak_unit">' in html
    assert f'<option selected value="{unit}">' in html
    assert 'value="2026H1"' in html
    assert '<option selected value="measures_wait">' in html


def test_recording_an_action_stores_it_with_its_history_and_audit(staff_app: Flask) -> None:
    client = client_as(staff_app, ANALYST)
    response = post(client, "/staff/improvement/new", new_form(staff_app), "/staff/improvement/new")
    assert response.status_code == 303, response.text
    counter = unit_id(staff_app, "alpha", "c1")
    with session_scope(staff_app) as session:
        stored = session.execute(select(ImprovementAction)).scalar_one()
        ident = stored.id
        assert stored.wave_key == "2026H1"  # the ROC key, stored as the Gregorian one
        assert stored.unit_id == counter
        assert stored.status == "planned"
    assert [e.kind for e in events(staff_app, ident)] == ["created"]
    assert [e.target for e in audit_events(staff_app, "improvement.create")] == [
        f"improvement_action:{ident}"
    ]
    page = client.get(response.headers["Location"])
    assert "午間加開櫃台" in page.text and 'id="history"' in page.text


def test_bad_input_is_refused_with_a_summary_and_nothing_stored(staff_app: Flask) -> None:
    client = client_as(staff_app, ANALYST)
    beta_unit = unit_id(staff_app, "beta", "c1")
    response = post(
        client,
        "/staff/improvement/new",
        new_form(
            staff_app,
            unit=str(beta_unit),  # another agency's unit
            item="no_such_item",
            wave="next spring",
            title="",
            owner=str(owner_id(staff_app, BETA)),  # another agency's staff
            due_on="31/12/2026",
        ),
        "/staff/improvement/new",
    )
    assert response.status_code == 422
    summary = error_summary(response.text)
    targets = {target for target, _text in summary.entries}
    assert {"unit", "item", "wave", "title", "owner", "due_on"} <= targets, summary.entries
    assert summary.attrs.get("role") == "alert"
    assert count_rows(staff_app, ImprovementAction) == 0
    assert audit_events(staff_app, "improvement.create") == []


def test_a_complaint_finding_needs_a_category_of_the_agency(staff_app: Flask) -> None:
    from tests.helpers.complaints import make_category

    beta_category = make_category(staff_app, "beta", "roads")
    client = client_as(staff_app, ADMIN)
    response = post(
        client,
        "/staff/improvement/new",
        new_form(
            staff_app,
            finding_kind="complaint_category",
            category=str(beta_category),
            reason="",
            wave="2026H1",
        ),
        "/staff/improvement/new",
    )
    assert response.status_code == 422
    targets = {t for t, _ in error_summary(response.text).entries}
    assert {"category", "reason"} <= targets
    assert count_rows(staff_app, ImprovementAction) == 0
    ours = make_category(staff_app, "alpha", "roads")
    response = post(
        client,
        "/staff/improvement/new",
        new_form(
            staff_app, finding_kind="complaint_category", category=str(ours), reason="overdue"
        ),
        "/staff/improvement/new",
    )
    assert response.status_code == 303
    with session_scope(staff_app) as session:
        stored = session.execute(select(ImprovementAction)).scalar_one()
        assert (stored.category_id, stored.complaint_reason, stored.questionnaire_slug) == (
            ours,
            "overdue",
            None,
        )


def test_moving_the_status_needs_a_note_and_done_needs_its_day(staff_app: Flask) -> None:
    ident = add_action(staff_app)
    client = client_as(staff_app, ANALYST)
    page = f"/staff/improvement/{ident}"
    url = f"{page}/status"
    refused = post(client, url, {"status": "done", "note": "", "done_on": "", "version": "1"}, page)
    assert refused.status_code == 422
    assert {t for t, _ in error_summary(refused.text).entries} == {"note", "done_on"}
    refused = post(client, url, {"status": "in_progress", "note": "", "version": "1"}, page)
    assert refused.status_code == 422
    assert [t for t, _ in error_summary(refused.text).entries] == ["note"]
    assert action(staff_app, ident).status == "planned"
    done = post(
        client,
        url,
        {"status": "done", "note": "已加開櫃台", "done_on": "2026-07-01", "version": "1"},
        page,
    )
    assert done.status_code == 303
    stored = action(staff_app, ident)
    assert (stored.status, stored.done_on.isoformat(), stored.version) == (  # type: ignore[union-attr]
        "done",
        "2026-07-01",
        2,
    )
    assert [(e.kind, e.from_status, e.to_status, e.note) for e in events(staff_app, ident)][-1] == (
        "status",
        "planned",
        "done",
        "已加開櫃台",
    )
    stale = post(client, url, {"status": "planned", "note": "重開", "version": "1"}, page)
    assert stale.status_code == 422
    assert action(staff_app, ident).status == "done"


def test_evidence_links_must_be_web_addresses(staff_app: Flask) -> None:
    ident = add_action(staff_app)
    client = client_as(staff_app, ADMIN)
    page = f"/staff/improvement/{ident}"
    refused = post(
        client, f"{page}/evidence", {"evidence": "會議紀錄", "link": "javascript:alert(1)"}, page
    )
    assert refused.status_code == 422
    assert [t for t, _ in error_summary(refused.text).entries] == ["link"]
    assert [e.kind for e in events(staff_app, ident)] == ["created"]
    added = post(
        client,
        f"{page}/evidence",
        {"evidence": "會議紀錄", "link": "https://docs.example.test/minutes/12"},
        page,
    )
    assert added.status_code == 303
    assert [(e.kind, e.link) for e in events(staff_app, ident)][-1] == (
        "evidence",
        "https://docs.example.test/minutes/12",
    )
    html = client.get(page).text
    assert 'href="https://docs.example.test/minutes/12"' in html


def test_editing_the_details(staff_app: Flask) -> None:
    ident = add_action(staff_app)
    client = client_as(staff_app, ANALYST)
    url = f"/staff/improvement/{ident}/edit"
    refused = post(
        client,
        url,
        {"title": "x" * 201, "measure_taken": "", "owner": "", "due_on": "", "version": "1"},
        url,
    )
    assert refused.status_code == 422
    assert {t for t, _ in error_summary(refused.text).entries} == {"title", "owner", "due_on"}
    assert action(staff_app, ident).title == "櫃台加開"
    saved = post(
        client,
        url,
        {
            "title": "午間加開櫃台",
            "measure_taken": "",
            "owner": str(owner_id(staff_app, ADMIN)),
            "due_on": "2027-01-31",
            "version": "1",
        },
        url,
    )
    assert saved.status_code == 303
    stored = action(staff_app, ident)
    assert (stored.title, stored.owner_id, stored.version) == (
        "午間加開櫃台",
        owner_id(staff_app, ADMIN),
        2,
    )
    assert events(staff_app, ident)[-1].kind == "changed"
    assert audit_events(staff_app, "improvement.update")


def test_who_sees_which_actions(staff_app: Flask) -> None:
    ours = add_action(staff_app, title="甲機關的行動")
    add_action(staff_app, "beta", "analyst@beta.example.test", title="乙機關的行動")
    for email in (ANALYST, ADMIN, HANDLER):
        html = client_as(staff_app, email).get("/staff/improvement").text
        assert "甲機關的行動" in html and "乙機關的行動" not in html, email
    ministry = client_as(staff_app, MINISTRY)
    html = ministry.get("/staff/improvement").text
    assert "甲機關的行動" in html and "乙機關的行動" in html
    detail = ministry.get(f"/staff/improvement/{ours}").text
    assert "/status" not in detail and "/edit" not in detail  # read-only
    assert client_as(staff_app, HANDLER).get("/staff/improvement/new").status_code == 403
    assert client_as(staff_app, BETA).get(f"/staff/improvement/{ours}").status_code == 404
    assert set(PEOPLE) >= {ANALYST, ADMIN, HANDLER, MINISTRY, BETA}


def test_the_list_marks_overdue_actions(staff_app: Flask) -> None:
    from datetime import date

    add_action(staff_app, title="逾期的行動", due_on=date(2026, 10, 1))
    add_action(staff_app, title="已完成的行動", due_on=date(2026, 10, 1), status="done")
    html = client_as(staff_app, ANALYST).get("/staff/improvement").text
    assert 'class="row-overdue"' in html
    assert "逾期的行動" in html and "已完成的行動" not in html  # open ones by default
    everything = client_as(staff_app, ANALYST).get("/staff/improvement?status=all").text
    assert everything.count('class="row-overdue"') == 1
    assert "已完成的行動" in everything


def test_the_improvement_pages_show_the_console_navigation_and_account(staff_app: Flask) -> None:
    """The staff layout draws the console's navigation and the account only with ``actor``."""
    html = client_as(staff_app, ANALYST).get("/staff/improvement").text
    assert 'class="console-nav"' in html and 'class="who"' in html
    stats = client_as(staff_app, ANALYST).get("/staff/cases/statistics").text
    assert 'class="console-nav"' in stats and 'class="who"' in stats
