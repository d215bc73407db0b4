"""The demo complaint cases: made through the case service, in varied states, once;
each filed at the agency whose business it is, under a category of that agency, with
replies that answer it."""

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
from collector.demo.staff import DEMO_PASSWORD
from tests.helpers.demo import DemoData
from tests.helpers.web import Auth
from tests.helpers.web import logged_in


def test_demo_cases_exist_in_varied_states(make_app: Any, tmp_path: Any) -> None:
    app = make_app(MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--waves", "1", "--no-case-history"])
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
    client = app.test_client()
    assert logged_in(Auth(client).login("cases@demo-land.example", DEMO_PASSWORD))
    queue = client.get("/staff/cases?who=all&status=any")
    assert queue.status_code == 200 and "mark-overdue" in queue.text


LAND_MATTERS = (
    "地籍",
    "鑑界",
    "測量",
    "權狀",
    "地號",
    "實價登錄",
    "抵押權",
    "土地登記",
    "買賣移轉",
)
HOUSEHOLD_MATTERS = ("身分證", "戶口名簿", "結婚登記", "出生登記", "死亡登記", "遷入", "門牌")
CATEGORIES = {
    "demo-land": {"registration", "survey", "service"},
    "demo-household": {"household", "id-card", "service"},
}


def test_every_case_is_filed_at_its_agency(demo_data: DemoData) -> None:
    cases = demo_data.cases
    assert len(cases) >= 40
    assert all(c.category_agency == c.agency for c in cases)
    assert all(c.category in CATEGORIES[c.agency] for c in cases)
    # What stays at an agency is that agency's business (a case sent on is only a trail).
    kept = [c for c in cases if c.status != "transferred"]
    text = {c.number: c.subject + c.description for c in kept}
    assert [
        c.subject
        for c in kept
        if c.agency == "demo-land" and any(w in text[c.number] for w in HOUSEHOLD_MATTERS)
    ] == []
    assert [
        c.subject
        for c in kept
        if c.agency == "demo-household" and any(w in text[c.number] for w in LAND_MATTERS)
    ] == []
    id_cards = [c for c in kept if "身分證" in c.subject]
    assert id_cards and all(c.category == "id-card" for c in id_cards)
    surveys = [c for c in kept if "鑑界" in c.subject or "測量" in c.subject]
    assert surveys and all(c.category == "survey" for c in surveys)
    sent = [c for c in cases if c.status == "transferred"]
    assert [(c.agency, c.category) for c in sent] == [("demo-land", "registration")]
    copies = [c for c in cases if c.subject == sent[0].subject and c is not sent[0]]
    assert [(c.agency, c.category) for c in copies] == [("demo-household", "household")]


def test_cases_are_written_as_citizens_write_them(demo_data: DemoData) -> None:
    cases = demo_data.cases
    assert len({c.subject for c in cases}) == len(cases) - 1  # only the transfer repeats one
    english = [c for c in cases if c.language == "en"]
    assert english and all(c.subject.isascii() for c in english)
    assert all(not c.subject.isascii() for c in cases if c.language != "en")


def test_replies_answer_their_case(demo_data: DemoData) -> None:
    replied = [c for c in demo_data.cases if c.replies]
    assert len(replied) >= 12
    for case in replied:
        (reply,) = case.replies
        assert case.number in reply and case.subject in reply
        assert "請承辦人填寫" not in reply and "the handler writes" not in reply
        assert ("Dear" in reply) == (case.language == "en")
    assert {c.outcome for c in replied if c.status == "closed"} >= {
        "upheld",
        "explained",
        "partly_upheld",
        "not_upheld",
        "withdrawn",
    }
    # The story's complaints about the lunchtime queue were answered with the improvement.
    queue = [c for c in replied if "網路預約取號" in c.replies[0]]
    assert {c.subject for c in queue} == {"中午時段等候超過一小時", "等候時無法得知叫號進度"}
    assert all(c.agency == "demo-household" and c.category == "service" for c in queue)
    assert all(c.status == "closed" and c.outcome == "upheld" for c in queue)
