"""The demo complaint cases: made through the case service, in varied states, once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy import select

from collector.complaints import lifecycle
from collector.complaints import records
from collector.complaints.replies import PLACEHOLDERS
from collector.complaints.replies import fill_template
from collector.complaints.replies import unfilled
from collector.core import clock
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintEvent
from collector.core.models import User
from tests.helpers.web import Auth
from tests.helpers.web import logged_in


def test_demo_cases_exist_in_varied_states(make_app: Any, tmp_path: Any) -> None:
    app = make_app(MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--months", "1"])
    assert result.exit_code == 0, result.output
    assert "demo complaint cases" in result.output
    today = records.today_for(app)
    with session_scope(app) as session:
        codes = {a.id: a.code for a in session.execute(select(Agency)).scalars()}
        rows = list(session.execute(select(Complaint)).scalars())
        assert len(rows) >= 40
        statuses = {r.status for r in rows}
        # Routing assigns every new demo case (each category names a unit).
        wanted = {"assigned", "in_progress", "awaiting_supplement", "replied", "closed"}
        assert wanted | {"declined", "transferred"} <= statuses
        assert {r.outcome for r in rows if r.status == "closed"} >= {
            "upheld",
            "explained",
            "not_upheld",
        }
        open_rows = [r for r in rows if r.status in lifecycle.OPEN]
        assert any(r.due_on < today for r in open_rows)  # overdue
        assert any(r.due_on >= today for r in open_rows)
        assert any(r.extension_days for r in rows)
        assert any(r.confidential for r in rows)
        assert all(r.retain_until for r in rows if r.status == "closed")
        sent = [r for r in rows if r.status == "transferred"]
        assert len(sent) == 1
        copy = session.get(Complaint, sent[0].transferred_to_id)
        assert copy is not None and copy.transferred_from_id == sent[0].id
        assert codes[sent[0].agency_id] == "demo-land" and codes[copy.agency_id] == "demo-household"
        for row in rows:  # every history starts with its receipt, written by the service
            first = session.execute(
                select(ComplaintEvent.kind)
                .where(ComplaintEvent.complaint_id == row.id)
                .order_by(ComplaintEvent.id)
                .limit(1)
            ).scalar_one()
            assert first in ("received", "transferred_in")
        received_days = {
            clock.local_date(e.at)
            for e in session.execute(
                select(ComplaintEvent).where(ComplaintEvent.kind == "received")
            ).scalars()
        }
        assert received_days == {r.received_on for r in rows if r.transferred_from_id is None}
        assert len(received_days) > 20  # histories spread over the weeks before today
        events = session.execute(select(func.count()).select_from(ComplaintEvent)).scalar_one()
        assert events > 2 * len(rows)
        templates = session.execute(select(ComplaintCategory)).scalars().all()
        assert len(templates) == 6 and all(
            "{case_number}" in c.reply_template_zh for c in templates
        )
        assert all("{name}" in c.reply_template_en for c in templates)
        # The handler's part is a placeholder: a draft sent unedited is refused.
        filled = dict.fromkeys(PLACEHOLDERS, "x")
        assert all(unfilled(fill_template(c.reply_template_zh, filled)) for c in templates)
        assert all(unfilled(fill_template(c.reply_template_en, filled)) for c in templates)
        handler = session.execute(
            select(User).where(User.email == "cases@demo-land.example")
        ).scalar_one()
        assert handler.role == "case_handler"
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "demo complaint cases" not in again.output
    with session_scope(app) as session:
        assert session.execute(select(func.count()).select_from(Complaint)).scalar_one() == len(
            rows
        )
    # The demo handler's queue shows the demo cases.
    from collector.demo.staff import DEMO_PASSWORD

    client = app.test_client()
    assert logged_in(Auth(client).login("cases@demo-land.example", DEMO_PASSWORD))
    queue = client.get("/staff/cases?who=all&status=any")
    assert queue.status_code == 200 and "mark-overdue" in queue.text
