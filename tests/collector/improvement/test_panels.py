"""The console's "Improvement actions due" panel (collector.improvement.panels)."""

from __future__ import annotations

from datetime import date

from flask import Flask

from tests.helpers.improvement import add_action
from tests.helpers.web import client_as

ANALYST = "analyst@alpha.example.test"


def test_the_console_lists_overdue_and_due_soon_actions_of_the_agency(staff_app: Flask) -> None:
    late = add_action(staff_app, title="逾期的行動", due_on=date(2026, 1, 5))
    add_action(staff_app, title="遠期的行動", due_on=date(2027, 12, 31))
    add_action(staff_app, title="已完成的行動", due_on=date(2026, 1, 5), status="done")
    add_action(
        staff_app,
        "beta",
        "analyst@beta.example.test",
        title="乙機關的行動",
        due_on=date(2026, 1, 5),
    )
    html = client_as(staff_app, ANALYST).get("/staff/").text
    assert 'id="panel-improvement_due"' in html
    assert f'href="/staff/improvement/{late}"' in html and "逾期的行動" in html
    assert "遠期的行動" not in html  # due later than two weeks
    assert "已完成的行動" not in html and "乙機關的行動" not in html


def test_the_panel_is_not_shown_to_those_who_do_not_read_actions(staff_app: Flask) -> None:
    add_action(staff_app, title="逾期的行動", due_on=date(2026, 1, 5))
    html = client_as(staff_app, "counter@alpha.example.test").get("/staff/").text
    assert "逾期的行動" not in html
