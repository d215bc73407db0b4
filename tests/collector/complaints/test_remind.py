"""``collector complaints remind``: digests of cases due soon, escalation of overdue
cases, once per case per day."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from collector.complaints import remind
from collector.complaints.service import CaseService
from collector.core import clock
from collector.core.db import session_scope
from collector.core.models import ComplaintEvent
from collector.core.models import Job
from collector.jobs.worker import drain
from collector.jobs.worker import sweep_kinds
from collector.mailqueue.outbox import MailMessage
from tests.helpers import complaints as fd
from tests.helpers.database import count_rows


@pytest.fixture
def fapp(outbox_app: Flask) -> Flask:
    app = outbox_app
    app.config["ROADS"] = fd.add_category(app, "alpha", "roads", name_en="Roads")
    app.config["SLOW"] = fd.add_category(app, "alpha", "slow", deadline_days=90)
    app.config["BETA"] = fd.add_category(app, "beta", "roads")
    return app


def _remind(app: Flask, day: str) -> dict[str, Any]:
    result = app.test_cli_runner().invoke(args=["complaints", "remind", "--date", day])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def _events(app: Flask) -> int:
    with session_scope(app) as session:
        return session.execute(
            select(func.count())
            .select_from(ComplaintEvent)
            .where(ComplaintEvent.kind.in_(("reminder", "escalated")))  # type: ignore[attr-defined]
        ).scalar_one()


def _mails(app: Flask, agency: str = "alpha") -> dict[str, str]:
    """Recipient -> body of the reminder digests in the outbox."""
    return {
        m.to: m.body
        for m in fd.outbox(app, agency)
        if "即將屆期" in m.subject or "逾期" in m.subject
    }


def test_digests_escalations_and_a_second_run_that_sends_nothing(fapp: Flask) -> None:
    contact = {"name": "王小明", "email": "wang@example.test", "phone": "0912345678"}
    fd.pin(fapp, "2026-10-01")
    late = fd.file_case(fapp, "alpha", fapp.config["ROADS"], **contact).case
    beta_late = fd.file_case(fapp, "beta", fapp.config["BETA"], **contact).case
    fd.pin(fapp, "2026-11-02")
    mine = fd.file_case(fapp, "alpha", fapp.config["ROADS"], **contact).case
    nobody = fd.file_case(fapp, "alpha", fapp.config["ROADS"], **contact).case
    far = fd.file_case(fapp, "alpha", fapp.config["SLOW"], **contact).case
    handler = "cases@alpha.example.test"
    fd.act(fapp, mine.id, handler, lambda s, c, a: CaseService(fapp, s, a).start(c))
    day = mine.due_on - timedelta(days=2)
    assert late.due_on < day and beta_late.due_on < day and far.due_on > day + timedelta(days=10)

    first = _remind(fapp, day.isoformat())
    assert first["date"] == day.isoformat()
    assert (first["reminded"], first["escalated"], first["already_done_today"]) == (2, 2, 0)
    assert first["mails"] == 3  # the handler, alpha's administrator, beta's administrator
    assert first["agencies"] == {
        "alpha": {"reminded": 2, "escalated": 1},
        "beta": {"reminded": 0, "escalated": 1},
    }
    alpha_mail = _mails(fapp)
    assert set(alpha_mail) == {handler, fd.ADMIN}
    assert mine.case_number in alpha_mail[handler]
    assert late.case_number not in alpha_mail[handler]
    assert nobody.case_number in alpha_mail[fd.ADMIN]  # unassigned: to the administrators
    assert late.case_number in alpha_mail[fd.ADMIN] and "逾處理期限" in alpha_mail[fd.ADMIN]
    assert far.case_number not in alpha_mail[handler] + alpha_mail[fd.ADMIN]
    assert f"https://survey.example.test/staff/cases/{mine.id}" in alpha_mail[handler]
    assert f"/staff/cases/{late.id}" in alpha_mail[fd.ADMIN]
    for body in alpha_mail.values():
        assert "王小明" not in body and "wang@example.test" not in body and "0912345678" not in body
    assert set(_mails(fapp, "beta")) == {"admin@beta.example.test"}
    assert _events(fapp) == 4

    before = len(fd.outbox(fapp)) + len(fd.outbox(fapp, "beta"))
    second = _remind(fapp, day.isoformat())
    assert (second["reminded"], second["escalated"], second["mails"]) == (0, 0, 0)
    assert second["already_done_today"] == 4
    assert _events(fapp) == 4
    assert len(fd.outbox(fapp)) + len(fd.outbox(fapp, "beta")) == before

    next_day = _remind(fapp, (day + timedelta(days=1)).isoformat())
    assert next_day["reminded"] + next_day["escalated"] >= 2  # a new day: reminded again
    assert _events(fapp) > 4


def test_closed_and_paused_cases_are_left_alone(fapp: Flask) -> None:
    fd.pin(fapp, "2026-10-01")
    closed = fd.file_case(
        fapp, "alpha", fapp.config["ROADS"], name="甲", email="a@example.test"
    ).case
    fd.close_case(fapp, closed.id)  # type: ignore[arg-type]
    waiting = fd.file_case(
        fapp, "alpha", fapp.config["ROADS"], name="乙", email="b@example.test"
    ).case
    fd.act(
        fapp,
        waiting.id,
        fd.ADMIN,
        lambda s, c, a: CaseService(fapp, s, a).request_supplement(c, reason="請提供照片"),
    )
    day = closed.due_on - timedelta(days=2)
    summary = _remind(fapp, day.isoformat())
    assert (summary["reminded"], summary["escalated"], summary["mails"]) == (0, 0, 0)


def test_a_bad_date_is_a_usage_error(fapp: Flask) -> None:
    result = fapp.test_cli_runner().invoke(args=["complaints", "remind", "--date", "2026-13-40"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_the_worker_queues_the_days_reminders_once_and_runs_them(fapp: Flask) -> None:
    """On the task queue: from ``COMPLAINTS_REMINDERS_HOUR`` on, the sweeper's
    ``schedule`` queues one ``complaints.remind`` job a day, and the job sends the
    same digests as the command, once."""
    contact = {"name": "王小明", "email": "wang@example.test", "phone": "0912345678"}
    fd.pin(fapp, "2026-10-01")
    late = fd.file_case(fapp, "alpha", fapp.config["ROADS"], **contact).case
    day = late.due_on + timedelta(days=1)
    fd.pin(fapp, day)
    hour = clock.local(clock.now(fapp), fapp).hour
    fapp.config["COMPLAINTS_REMINDERS_HOUR"] = None  # reminders left to a cron job
    assert remind.schedule(fapp) is None
    if hour < 23:
        fapp.config["COMPLAINTS_REMINDERS_HOUR"] = hour + 1  # not yet
        assert remind.schedule(fapp) is None
    fapp.config["COMPLAINTS_REMINDERS_HOUR"] = hour
    sweep_kinds(fapp)  # what the worker's sweeper does every JOBS_SWEEP_SECONDS
    assert remind.schedule(fapp) is None  # today's is queued already
    [job] = reminder_jobs(fapp)
    assert job.parameters == {"day": day.isoformat()} and job.status == "queued"
    assert _events(fapp) == 0 and count_rows(fapp, MailMessage) == 0
    drain(fapp)
    [job] = reminder_jobs(fapp)
    assert job.status == "done", job.error
    assert "escalated 1" in (job.message or "")
    assert _events(fapp) == 1
    assert late.case_number in _mails(fapp)[fd.ADMIN]
    fd.pin(fapp, day + timedelta(days=1))  # the next day: queued again
    assert remind.schedule(fapp) is not None
    assert len(reminder_jobs(fapp)) == 2


def reminder_jobs(app: Flask) -> list[Job]:
    with session_scope(app) as session:
        found = list(
            session.execute(select(Job).where(Job.kind == remind.KIND).order_by(Job.id)).scalars()
        )
        session.expunge_all()
        return found
