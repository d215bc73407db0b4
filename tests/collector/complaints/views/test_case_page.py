"""The staff case page's history in sentences (collector.complaints.views.case_page)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from tests.helpers import complaints as fd
from tests.helpers.web import login


def test_reminders_and_escalations_are_named_in_the_history(outbox_app: Flask) -> None:
    """The deadline reminders' events (``complaints remind``) have a title and say the
    deadline and who was told, as every other event does."""
    app = outbox_app
    roads = fd.add_category(app, "alpha", "roads", name_en="Roads")
    fd.pin(app, "2026-10-01")
    late = fd.file_case(app, "alpha", roads).case
    day = late.due_on + timedelta(days=1)
    fd.pin(app, day)
    done = app.test_cli_runner().invoke(args=["complaints", "remind", "--date", day.isoformat()])
    assert done.exit_code == 0, done.output
    client, _auth = login(app, fd.ADMIN)
    page = client.get(f"/staff/cases/{late.id}").text
    roc = f"民國{late.due_on.year - 1911}年{late.due_on.month}月{late.due_on.day}日"
    assert "<strong>已逾期，已通知管理者</strong>" in page
    assert f"處理期限：{roc}；通知對象：admin" in page
    english = client.get(f"/staff/cases/{late.id}?lang=en").text
    assert "<strong>Overdue: the administrators were told</strong>" in english
    assert "; told: admin" in english
