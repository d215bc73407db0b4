"""The staff survey's rules: the staff list, coarse times, and spending a token atomically."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.answers.records import Submission
from collector.answers.submission import prepare
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import Response
from collector.core.models import StaffInvitation
from collector.core.models import Unit
from collector.core.plugins import get_plugins
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.staff_survey import service as ss
from tests.helpers.campaigns import make_campaign


def units() -> dict[str, Unit]:
    return {
        "c1": Unit(id=1, agency_id=1, code="c1", name_zh="一", name_en="one"),
        "c2": Unit(id=2, agency_id=1, code="c2", name_zh="二", name_en="two"),
    }


def test_a_valid_list_with_bom_and_header() -> None:
    data = "\ufeffemail,unit\r\nA@x.tw,c1\r\nb@x.tw , c2\r\n\r\n".encode()
    rows, errors = ss.parse_staff_list(data, units())
    assert errors == []
    assert [(e, u.code) for e, u in rows] == [("a@x.tw", "c1"), ("b@x.tw", "c2")]


def test_a_list_without_header_or_bom() -> None:
    rows, errors = ss.parse_staff_list(b"a@x.tw,c1\n", units())
    assert errors == [] and len(rows) == 1


def test_every_bad_line_is_reported_with_its_number() -> None:
    data = (
        b"a@x.tw,c1\n"
        b'"b@x.tw\r\nBcc: z@x.tw",c1\n'
        b"c@x.tw,c9\n"
        b"a@x.tw,c2\n"
        b"d@x.tw\n"
        b"e@x.tw,c1,extra\n"
        b"f@x.tw,c1\n"
    )
    rows, errors = ss.parse_staff_list(data, units(), taken={"f@x.tw"})
    assert [(e.line, e.key) for e in errors] == [
        (3, "ss_err_email"),
        (4, "ss_err_unit"),
        (5, "ss_err_duplicate"),
        (6, "ss_err_columns"),
        (7, "ss_err_columns"),
        (8, "ss_err_already"),
    ]
    assert errors[2].params == {"other": 1}
    assert len(rows) == 1


def test_not_utf8_and_empty_files_are_refused() -> None:
    assert ss.parse_staff_list(b"\xff\xfea", units())[1][0].key == "ss_err_not_utf8"
    assert ss.parse_staff_list(b"email,unit\n", units())[1][0].key == "ss_err_empty"


def test_times_are_coarsened_to_the_day_in_utc() -> None:
    moment = datetime(2026, 11, 23, 23, 59, 59, 999, tzinfo=UTC)
    assert ss.coarse(moment) == datetime(2026, 11, 23, tzinfo=UTC)


def test_tokens_are_random_and_only_their_hash_is_kept() -> None:
    a, b = ss.new_token(), ss.new_token()
    assert a != b and len(a) >= 43
    assert ss.hash_token(a) != a and len(ss.hash_token(a)) == 64


def _setup(app: Flask, invitees: int) -> tuple[str, int]:
    """An open staff survey of alpha with ``invitees`` in c1; (a token, campaign id)."""
    token = ss.new_token()
    survey = make_campaign(
        app, slug=ss.SLUG, title="t", starts_on=date(2000, 1, 1), ends_on=date(2999, 1, 1)
    )
    with session_scope(app) as session:
        for i in range(invitees):
            session.add(
                StaffInvitation(
                    campaign_id=survey["campaign_id"],
                    unit_id=survey["unit_id"],
                    email=f"p{i}@x.tw",
                    token_hash=ss.hash_token(token if i == 0 else ss.new_token()),
                )
            )
    return token, survey["campaign_id"]


def _prepared(app: Flask, target: ss.Target) -> Any:
    with session_scope(app) as session:
        with app.app_context():
            version = current_version(app, session, ss.SLUG)
        agency = session.get(Agency, target.agency_id)
        unit = session.get(Unit, target.unit_id) if target.unit_id else None
    plugins = get_plugins(app)
    questionnaire = definition_of(version)  # type: ignore[arg-type]
    answers: dict[str, Any] = {q.key: "4" for q in questionnaire.questions() if q.type == "likert5"}
    submission = Submission(
        questionnaire=version,  # type: ignore[arg-type]
        agency=agency,  # type: ignore[arg-type]
        unit=unit,
        channel="online",
        language="zh-Hant-TW",
        answers=answers,
        campaign_id=target.campaign_id,
        idempotency_key="web:abc",
        started_at=datetime.now(UTC),
    )
    with app.app_context():
        return prepare(plugins, questionnaire, submission)


@pytest.mark.parametrize(("invitees", "keeps_unit"), [(4, False), (5, True)])
def test_a_token_answers_once_and_the_unit_needs_5_invitees(
    app: Flask, invitees: int, keeps_unit: bool
) -> None:
    token, campaign_id = _setup(app, invitees)
    with session_scope(app) as session:
        target = ss.find_target(session, app, token)
    assert target is not None and target.campaign_id == campaign_id
    assert (target.unit_id is not None) is keeps_unit
    assert ss.store_answer(app, target, _prepared(app, target)) is True
    assert ss.store_answer(app, target, _prepared(app, target)) is False
    with session_scope(app) as session:
        stored = session.execute(select(Response)).scalars().all()
        assert ss.find_target(session, app, token) is None
    assert len(stored) == 1
    assert stored[0].idempotency_key is None and stored[0].started_at is None
    assert (stored[0].unit_id is not None) is keeps_unit


def test_a_failed_insert_leaves_the_token_unspent(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collector.answers import writer

    token, _ = _setup(app, 1)
    with session_scope(app) as session:
        target = ss.find_target(session, app, token)
    assert target is not None

    def broken(conn: Any, batch: Any, events: bool = False) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "store", broken)
    with pytest.raises(RuntimeError):
        ss.store_answer(app, target, _prepared(app, target))
    with session_scope(app) as session:
        assert session.execute(select(StaffInvitation.used)).scalars().all() == [False]
        assert session.execute(select(Response)).first() is None
    monkeypatch.undo()
    assert ss.store_answer(app, target, _prepared(app, target)) is True


def test_a_closed_survey_takes_no_answer(app: Flask) -> None:
    token, campaign_id = _setup(app, 1)
    with session_scope(app) as session:
        target = ss.find_target(session, app, token)
        session.get(Campaign, campaign_id).status = "closed"  # type: ignore[union-attr]
    assert target is not None
    assert ss.store_answer(app, target, _prepared(app, target)) is False
    with session_scope(app) as session:
        assert ss.find_target(session, app, token) is None


def test_two_concurrent_answers_with_one_token_store_one_response(app: Flask) -> None:
    import threading

    token, _ = _setup(app, 1)
    with session_scope(app) as session:
        target = ss.find_target(session, app, token)
    assert target is not None
    prepared = [_prepared(app, target) for _ in range(4)]
    results: list[bool] = []
    barrier = threading.Barrier(len(prepared))

    def run(p: Any) -> None:
        barrier.wait()
        results.append(ss.store_answer(app, target, p))

    threads = [threading.Thread(target=run, args=(p,)) for p in prepared]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    with session_scope(app) as session:
        assert len(session.execute(select(Response)).scalars().all()) == 1
