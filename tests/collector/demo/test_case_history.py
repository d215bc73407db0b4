"""The demo's complaint history: volume for the complaint statistics page, made through
the case service, with answered follow-ups in every half-year."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select

from collector.complaints.views.statistics import RUN_RULES
from collector.core import clock
from collector.core.db import session_scope
from collector.core.i18n import translator
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintEvent
from collector.core.models import ComplaintFollowup
from collector.demo.case_history import LATE_MONTH
from collector.demo.staff import DEMO_PASSWORD
from tests.helpers.demo import DEMO_TODAY
from tests.helpers.demo import demo_app
from tests.helpers.web import client_as


def test_fifteen_months_of_cases_with_answered_follow_ups(make_app: Any, tmp_path: Path) -> None:
    app = demo_app(make_app, tmp_path, "--waves", "2", "--case-history")
    assert "answered follow-ups" in app.config["DEMO_OUTPUT"]
    with session_scope(app) as session:
        codes = {a.id: a.code for a in session.execute(select(Agency)).scalars()}
        cases = list(session.execute(select(Complaint)).scalars())
        followups = list(session.execute(select(ComplaintFollowup)).scalars())
        closings = Counter(
            e.complaint_id
            for e in session.execute(
                select(ComplaintEvent).where(ComplaintEvent.kind == "close")
            ).scalars()
        )
    assert len(cases) > 400
    assert min(c.received_on for c in cases) < DEMO_TODAY.replace(year=2025, month=9)
    closed = [c for c in cases if c.status == "closed"]
    assert len(closed) > 350 and all(closings[c.id] >= 1 for c in closed)  # by the service
    due = [c for c in closed if c.answered_on is not None]
    late = sum(1 for c in due if c.answered_on > c.due_on)  # type: ignore[operator]
    assert 0.08 < late / len(due) < 0.3
    # the follow-ups are dated at their closing, the answers after it, in their half-year
    answered = Counter()
    history = {c.id for c in cases if (c.email or "").startswith("history")}
    for f in followups:
        if f.complaint_id not in history:
            continue  # a story case's follow-up, offered on the demo day
        assert f.sent_at is not None and f.sent_at.date() < DEMO_TODAY
        if f.response_id is not None:
            assert f.used_at is not None and f.used_at >= f.sent_at
            half = 1 if clock.local(f.created_at, app).month <= 6 else 2
            answered[(codes[f.agency_id], f"{clock.local(f.created_at, app).year}H{half}")] += 1
    assert answered[("demo-land", "2026H1")] >= 30
    assert answered[("demo-household", "2026H1")] >= 30
    # the late month at the household registration office is signalled on the p-chart
    agency = LATE_MONTH[0]
    client = client_as(app, f"analyst@{agency}.example", DEMO_PASSWORD)
    year = client.get("/staff/cases/statistics?wave=2026&lang=en").text
    english = translator("en")
    assert any(english.render(rule) in year for rule in RUN_RULES.values())
    # the statistics page shows the handling satisfaction of a half-year
    page = client.get("/staff/cases/statistics?wave=2026H1&lang=en")
    assert page.status_code == 200
    assert "follow-up answers in this period: nothing is shown" not in page.text
    assert page.text.count('<img class="chart"') == 2
