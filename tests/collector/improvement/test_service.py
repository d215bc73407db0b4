"""Queries for the results pages and the console (collector.improvement.service), and a
before/after read from stored responses (collector.improvement.measures)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from flask import Flask
from sqlalchemy import update

from collector.access.identity import actor_for_user
from collector.core.db import session_scope
from collector.core.models import Response
from collector.core.models import User
from collector.core.plugins import get_plugins
from collector.improvement.measures import before_after
from collector.improvement.service import actions_for
from collector.improvement.service import due_actions
from collector.results.waves import parse_period
from tests.helpers.answers import add_responses
from tests.helpers.improvement import add_action
from tests.helpers.organisation import unit_id


def as_actor(app: Flask, email: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    with session_scope(app) as session:
        user = session.execute(select(User).where(User.email == email)).scalar_one()
        return actor_for_user(user, db=session)


def test_actions_for_a_results_page_and_the_console(staff_app: Flask) -> None:
    open_one = add_action(staff_app, due_on=date(2026, 11, 30))
    add_action(staff_app, status="done", wave_key="2025H2", title="done earlier")
    found_here = add_action(staff_app, status="done", wave_key="2026H1", title="done here")
    add_action(staff_app, "beta", "analyst@beta.example.test")
    overdue = add_action(staff_app, due_on=date(2026, 11, 1))
    later = add_action(staff_app, due_on=date(2027, 6, 1))
    today = date(2026, 11, 23)
    with staff_app.test_request_context():
        analyst = as_actor(staff_app, "analyst@alpha.example.test")
        counter = as_actor(staff_app, "counter@alpha.example.test")
        with session_scope(staff_app) as session:
            views = actions_for(
                session, analyst, "citizen-satisfaction", parse_period("2026H1"), today
            )
            assert {v.id for v in views} == {open_one, found_here, overdue, later}
            assert all(v.item == "measures_wait" and v.owner for v in views)
            assert {
                v.id for v in actions_for(session, analyst, "citizen-satisfaction", None, today)
            } == {
                open_one,
                overdue,
                later,
            }
            due = due_actions(session, analyst, today)
            assert [v.id for v in due] == [overdue, open_one]
            assert [v.overdue for v in due] == [True, False]
            assert actions_for(session, counter, "citizen-satisfaction", None, today) == []


def test_a_before_after_from_stored_responses(staff_app: Flask) -> None:
    c1 = unit_id(staff_app, "alpha", "c1")
    low = add_responses(staff_app, "alpha", "c1", 6, measures_wait=2)
    high = add_responses(staff_app, "alpha", "c1", 7, measures_wait=5)
    add_responses(staff_app, "alpha", "c2", 5, measures_wait=5)  # another unit: left out
    with session_scope(staff_app) as session:
        session.execute(
            update(Response)
            .where(Response.receipt.in_(low))  # type: ignore[attr-defined]
            .values(submitted_at=datetime(2026, 3, 1, tzinfo=UTC))
        )
        session.execute(
            update(Response)
            .where(Response.receipt.notin_(low))  # type: ignore[attr-defined]
            .values(submitted_at=datetime(2026, 8, 1, tzinfo=UTC))
        )
    ident = add_action(
        staff_app, finding_kind="weak_unit", unit_id=c1, status="done", done_on=date(2026, 7, 1)
    )
    assert len(high) == 7
    with staff_app.test_request_context():
        ministry = as_actor(staff_app, "ministry@moi.example.test")  # reads, aggregates only
        with session_scope(staff_app) as session:
            from collector.core.models import ImprovementAction

            action = session.get(ImprovementAction, ident)
            assert action is not None
            result = before_after(
                session, get_plugins(staff_app), ministry, action, date(2026, 11, 23)
            )
    assert result is not None
    assert (result.before.n, result.before.estimate) == (6, 0.0)
    assert result.after is not None and (result.after.n, result.after.estimate) == (7, 1.0)
    assert result.after.wave.key == "2026H2"
    assert result.change is not None and result.change.estimate == 1.0
