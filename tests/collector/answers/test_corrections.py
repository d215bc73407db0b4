"""Corrections of keyed responses: every version stays readable, the history cannot be
rewritten, and a change is refused on a version the staff member did not see."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from collector.access.identity import actor_for_user
from collector.answers import corrections
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import Unit
from collector.core.models import User
from collector.core.plugins import get_plugins
from collector.core.voiding import including_voided
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.answers import add_responses

COUNTER = "counter@alpha.example.test"


def change(app: Flask, people: dict[str, int], receipt: str, what: str, **kw: Any) -> None:
    """One change through the service, in a write session, as the counter clerk."""
    with app.app_context(), session_scope(app) as session:
        user = session.get(User, people[COUNTER])
        assert user is not None
        actor = actor_for_user(user, db=session)
        response = session.execute(
            including_voided(select(Response).where(Response.receipt == receipt))  # type: ignore[arg-type]
        ).scalar_one()
        if what == "correct":
            version = session.get(QuestionnaireVersion, response.questionnaire_version_id)
            corrections.correct(
                session,
                get_plugins(app),
                response,
                version=version,  # type: ignore[arg-type]
                agency=session.get(Agency, response.agency_id),  # type: ignore[arg-type]
                unit=session.get(Unit, response.unit_id),
                actor=actor,
                **kw,
            )
        else:
            getattr(corrections, what)(session, response, actor=actor, **kw)


def test_history_keeps_every_version_in_order(staff_app: Flask, people: dict[str, int]) -> None:
    (receipt,) = add_responses(staff_app, "alpha", channel="paper", entered_by=people[COUNTER])
    first = {**CITIZEN_ANSWERS, "overall_satisfaction": 3}
    second = {**first, "overall_satisfaction": 2, "comment": "更正兩次"}
    change(staff_app, people, receipt, "correct", raw_answers=first, reason="一", seen_revision=1)
    change(staff_app, people, receipt, "void", reason="二", seen_revision=2)
    with pytest.raises(corrections.ChangeRefused) as refused:
        change(
            staff_app, people, receipt, "correct", raw_answers=second, reason="x", seen_revision=3
        )
    assert refused.value.key == "err_voided"
    change(staff_app, people, receipt, "restore", reason="三", seen_revision=3)
    change(staff_app, people, receipt, "correct", raw_answers=second, reason="四", seen_revision=4)
    with session_scope(staff_app) as session:
        response = session.execute(select(Response).where(Response.receipt == receipt)).scalar_one()  # type: ignore[arg-type]
        entries = corrections.history(session, response)
    assert [(e.revision, e.kind, e.reason) for e in entries] == [
        (1, "keyed", ""),
        (2, "corrected", "一"),
        (3, "voided", "二"),
        (4, "restored", "三"),
        (5, "corrected", "四"),
    ]
    scores = [e.answers["overall_satisfaction"] for e in entries if e.answers is not None]
    assert scores == [[[4.0, None]], [[3.0, None]], [[2.0, None]]]
    assert entries[1].changed == ["overall_satisfaction"]
    assert entries[4].changed == ["comment", "overall_satisfaction"]
    assert entries[4].replaced == entries[1].answers
    assert {e.actor_label for e in entries} == {"counter"}


def test_a_reason_is_required_and_a_stale_revision_refused(
    staff_app: Flask, people: dict[str, int]
) -> None:
    (receipt,) = add_responses(staff_app, "alpha", channel="paper")
    for reason in ("", "   ", "x" * 501, "bad\x07bell"):
        with pytest.raises(corrections.ChangeRefused) as refused:
            change(staff_app, people, receipt, "void", reason=reason, seen_revision=1)
        assert refused.value.key == "err_reason"
    with pytest.raises(corrections.ChangeRefused) as stale:
        change(staff_app, people, receipt, "void", reason="ok", seen_revision=0)
    assert stale.value.key == "err_stale"
    (online,) = add_responses(staff_app, "alpha")
    with pytest.raises(ValueError, match="keyed-in"):
        change(staff_app, people, online, "void", reason="ok", seen_revision=1)


def test_the_history_table_is_append_only(staff_app: Flask, people: dict[str, int]) -> None:
    (receipt,) = add_responses(staff_app, "alpha", channel="paper")
    change(staff_app, people, receipt, "void", reason="重複", seen_revision=1)
    for statement in (
        "UPDATE response_revision SET reason = 'rewritten'",
        "DELETE FROM response_revision",
    ):
        with pytest.raises(DBAPIError), session_scope(staff_app) as session:
            session.execute(text(statement))
