"""``jobs.runner.requester``: the person who asked for a job, as they are when it runs
(the export and the evidence pack jobs both check through it)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import User
from collector.jobs.runner import RequesterRefused
from collector.jobs.runner import requester


def agency_id(app: Flask, code: str) -> int:
    with session_scope(app) as session:
        return int(session.execute(select(Agency.id).where(Agency.code == code)).scalar_one())


def test_the_requester_as_they_are_now(staff_app: Flask) -> None:
    with staff_app.app_context():  # where a job runs
        check(staff_app)


def check(staff_app: Flask) -> None:
    people = staff_app.config["PEOPLE"]
    alpha, beta = agency_id(staff_app, "alpha"), agency_id(staff_app, "beta")
    analyst = people["analyst@alpha.example.test"]
    with session_scope(staff_app) as session:
        actor = requester(session, analyst, alpha, "evidence.generate", "this evidence pack")
        assert actor.user_id == analyst and actor.agency_id == alpha and actor.source == "job"
        with pytest.raises(RequesterRefused, match="this evidence pack may no longer have it"):
            requester(session, analyst, beta, "evidence.generate", "this evidence pack")
        counter = people["counter@alpha.example.test"]
        with pytest.raises(RequesterRefused, match="this export may no longer have it"):
            requester(session, counter, alpha, "responses.export", "this export")
        with pytest.raises(RequesterRefused, match="is disabled"):
            requester(session, 10**9, alpha, "responses.export", "this export")
    with session_scope(staff_app) as session:
        user = session.get(User, analyst)
        assert user is not None
        user.active = False
    with (
        session_scope(staff_app) as session,
        pytest.raises(RequesterRefused, match="this evidence pack is disabled"),
    ):
        requester(session, analyst, alpha, "evidence.generate", "this evidence pack")
