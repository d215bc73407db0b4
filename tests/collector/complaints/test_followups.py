"""The follow-up service: stratified phone samples, the frame they are drawn from,
the inclusion probabilities kept, and the one-time answer."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy import update
from sqlmodel import Session

from collector.access.identity import actor_for_user
from collector.complaints import followups as fu
from collector.core.clock import utcnow
from collector.core.db import get_engine
from collector.core.db import session_scope
from collector.core.db import writing
from collector.core.models import Complaint
from collector.core.models import ComplaintEvent
from collector.core.models import ComplaintFollowup
from collector.core.models import User
from tests.helpers import complaints as fd


def frame(sizes: dict[tuple[int, str], int]) -> list[fu.FrameCase]:
    out, next_id = [], 1
    for (category, outcome), n in sizes.items():
        for _ in range(n):
            out.append(fu.FrameCase(next_id, category, outcome))
            next_id += 1
    return out


SIZES = {(1, "upheld"): 10, (1, "not_upheld"): 3, (2, "upheld"): 7, (2, "explained"): 1}


def test_stratified_counts_per_stratum() -> None:
    result = fu.draw(frame(SIZES), per_stratum=5, seed=7)
    got = {(s.category_id, s.outcome): (s.population, s.drawn) for s in result.strata}
    assert got == {
        (1, "not_upheld"): (3, 3),
        (1, "upheld"): (10, 5),
        (2, "explained"): (1, 1),
        (2, "upheld"): (7, 5),
    }
    assert result.size == 14 and result.population == 21
    for stratum in result.strata:
        assert len(set(stratum.case_ids)) == stratum.drawn
        assert stratum.probability == stratum.drawn / stratum.population


def test_fractions_round_half_up_and_keep_every_stratum() -> None:
    result = fu.draw(frame(SIZES), fraction=0.5, seed=1)
    got = {(s.category_id, s.outcome): s.drawn for s in result.strata}
    # 10 -> 5, 3 -> 1.5 -> 2, 7 -> 3.5 -> 4, 1 -> 0.5 -> 1 (never 0)
    assert got == {(1, "upheld"): 5, (1, "not_upheld"): 2, (2, "upheld"): 4, (2, "explained"): 1}
    assert fu.stratum_size(40, None, 0.01) == 1
    assert fu.stratum_size(0, 5, None) == 0


def test_the_same_seed_draws_the_same_cases() -> None:
    cases = frame(SIZES)
    a = fu.draw(cases, per_stratum=4, seed=2026)
    b = fu.draw(list(reversed(cases)), per_stratum=4, seed=2026)
    assert [s.case_ids for s in a.strata] == [s.case_ids for s in b.strata]
    others = {
        tuple(tuple(s.case_ids) for s in fu.draw(cases, per_stratum=4, seed=k).strata)
        for k in range(20)
    }
    assert len(others) > 1  # the seed matters


def test_each_case_is_drawn_with_probability_n_over_N() -> None:
    """Over many seeds, a case of a stratum of 10 with n = 5 is drawn about half the time."""
    cases = frame({(1, "upheld"): 10})
    counts: Counter[int] = Counter()
    runs = 2000
    for seed in range(runs):
        counts.update(fu.draw(cases, per_stratum=5, seed=seed).strata[0].case_ids)
    for case_id in range(1, 11):
        assert abs(counts[case_id] / runs - 0.5) < 0.05


@pytest.mark.parametrize(
    ("per_stratum", "fraction"),
    [(None, None), (5, 0.5), (0, None), (1001, None), (None, 0.0), (None, 1.2)],
)
def test_bad_sizes_are_refused(per_stratum: int | None, fraction: float | None) -> None:
    with pytest.raises(fu.FollowupError):
        fu.draw(frame(SIZES), per_stratum=per_stratum, fraction=fraction, seed=1)


# -- the frame and the record, on the database ------------------------------------------


@pytest.fixture
def fapp(outbox_app: Flask) -> Flask:
    app = outbox_app
    app.config["ROADS"] = fd.add_category(app, "alpha", "roads")
    app.config["LIGHTS"] = fd.add_category(app, "alpha", "lights")
    return app


def _closed(app: Flask, category: str, outcome: str, agency: str = "alpha", **contact: Any) -> int:
    fd.pin(app, "2026-10-05")
    category_id = app.config[category] if agency == "alpha" else app.config["BETA_ROADS"]
    filed = fd.file_case(app, agency, category_id, **contact)
    fd.close_case(
        app,
        filed.case.id,  # type: ignore[arg-type]
        outcome,
        replied="2026-10-06",
        closed="2026-10-07",
        email=f"admin@{agency}.example.test",
    )
    return filed.case.id  # type: ignore[return-value]


def _actor(session: Session, email: str = fd.ADMIN) -> Any:
    user = session.execute(select(User).where(User.email == email)).scalar_one()
    return actor_for_user(user, db=session)


def test_the_frame_leaves_out_who_cannot_or_need_not_be_called(fapp: Flask) -> None:
    from datetime import date

    fapp.config["BETA_ROADS"] = fd.add_category(fapp, "beta", "roads")
    callable_ = _closed(fapp, "ROADS", "upheld", name="甲", phone="0912000001")
    _closed(fapp, "ROADS", "upheld", anonymous=True)
    _closed(fapp, "ROADS", "upheld", name="乙", email="b@example.test")  # no phone
    answered = _closed(
        fapp, "LIGHTS", "explained", name="丙", phone="0912000003", email="c@example.test"
    )
    restricted = _closed(fapp, "LIGHTS", "explained", name="丁", phone="0912000004")
    _closed(fapp, "ROADS", "upheld", agency="beta", name="戊", phone="0912000005")
    fd.pin(fapp, "2026-10-05")
    still_open = fd.file_case(fapp, "alpha", fapp.config["ROADS"], name="己", phone="0912000006")
    with session_scope(fapp) as session:
        session.execute(
            update(ComplaintFollowup)
            .where(ComplaintFollowup.complaint_id == answered)
            .values(response_id=None, used_at=utcnow())
        )
        # an online answer: any response id marks the case as answered
        from collector.core.models import QuestionnaireVersion
        from collector.core.models import Response

        version = session.execute(select(QuestionnaireVersion)).scalars().first()
        response = Response(
            receipt="AAAAA-BBBBB",
            questionnaire_version_id=version.id,  # type: ignore[union-attr]
            agency_id=fd.agency(session, "alpha").id,  # type: ignore[arg-type]
            channel="online",
            language="zh-Hant-TW",
        )
        session.add(response)
        session.flush()
        session.execute(
            update(ComplaintFollowup)
            .where(ComplaintFollowup.complaint_id == answered)
            .values(response_id=response.id)
        )
        session.execute(
            update(Complaint).where(Complaint.id == restricted).values(restricted_at=utcnow())
        )
    with fapp.app_context(), session_scope(fapp) as session:
        alpha = fd.agency(session, "alpha").id
        got = fu.sampling_frame(
            session, alpha, date(2026, 10, 1), date(2026, 10, 31), _actor(session)
        )  # type: ignore[arg-type]
        assert [c.case_id for c in got] == [callable_]
        assert still_open.case.id not in [c.case_id for c in got]
        # closed outside the period
        assert (
            fu.sampling_frame(session, alpha, date(2026, 9, 1), date(2026, 9, 30), _actor(session))
            == []
        )  # type: ignore[arg-type]
        with pytest.raises(fu.FollowupError):
            fu.sampling_frame(
                session, alpha, date(2026, 10, 31), date(2026, 10, 1), _actor(session)
            )  # type: ignore[arg-type]


def test_a_recorded_sample_keeps_N_and_n_and_is_not_drawn_twice(fapp: Flask) -> None:
    from datetime import date

    for i in range(5):
        _closed(fapp, "ROADS", "upheld", name=f"民{i}", phone=f"09120000{i:02d}")
    for i in range(2):
        _closed(fapp, "LIGHTS", "not_upheld", name=f"眾{i}", phone=f"09130000{i:02d}")
    with fapp.app_context(), Session(writing(get_engine(fapp)), expire_on_commit=False) as session:
        actor = _actor(session)
        alpha = fd.agency(session, "alpha").id
        period = (date(2026, 10, 1), date(2026, 10, 31))
        cases = fu.sampling_frame(session, alpha, *period, actor)  # type: ignore[arg-type]
        result = fu.draw(cases, per_stratum=3, seed=99)
        sample_id = fu.record_sample(
            session,
            agency_id=alpha,
            result=result,
            start=period[0],
            end=period[1],
            actor=actor,  # type: ignore[arg-type]
        )
        session.commit()
        again = fu.sampling_frame(session, alpha, *period, actor)  # type: ignore[arg-type]
    assert len(cases) == 7 and result.size == 5
    assert len(again) == 2  # the drawn cases are not in the next frame
    with session_scope(fapp) as session:
        events = (
            session.execute(select(ComplaintEvent).where(ComplaintEvent.kind == fu.SAMPLED))
            .scalars()
            .all()
        )
        followups = (
            session.execute(
                select(ComplaintFollowup).where(ComplaintFollowup.sample_id == sample_id)
            )
            .scalars()
            .all()
        )
    assert len(events) == len(followups) == 5
    details = Counter((json.loads(e.detail)["N"], json.loads(e.detail)["n"]) for e in events)
    assert details == {(5, 3): 3, (2, 2): 2}
    assert all(json.loads(e.detail)["seed"] == 99 for e in events)
    assert all(f.channel == "phone" and f.token_hash is None for f in followups)


def test_two_concurrent_answers_to_one_link_store_one_response(fapp: Flask) -> None:
    import threading

    from collector.answers.records import Submission
    from collector.answers.submission import prepare
    from collector.core.models import Agency
    from collector.core.models import Response
    from collector.core.plugins import get_plugins
    from collector.core.questionnaires import current_version
    from collector.core.questionnaires import definition_of

    fd.pin(fapp, "2026-10-05")
    filed = fd.file_case(fapp, "alpha", fapp.config["ROADS"], name="甲", email="a@example.test")
    fd.close_case(fapp, filed.case.id)  # type: ignore[arg-type]
    with fapp.app_context(), session_scope(fapp) as session:
        followup_id = session.execute(select(ComplaintFollowup.id)).scalar_one()
        version = current_version(fapp, session, fu.QUESTIONNAIRE)
        assert version is not None
        agency = session.execute(select(Agency).where(Agency.code == "alpha")).scalar_one()
        questionnaire = definition_of(version)
        answers = {k: v for k, v in fd.ANSWERS.items()}
        prepared = [
            prepare(
                get_plugins(fapp),
                questionnaire,
                Submission(
                    questionnaire=version,
                    agency=agency,
                    unit=None,
                    channel="online",
                    language="zh-Hant-TW",
                    answers=answers,
                ),
            )
            for _ in range(4)
        ]
    results: list[int | None] = []
    barrier = threading.Barrier(len(prepared))

    def answer(p: Any) -> None:
        barrier.wait()
        with fapp.app_context():
            results.append(fu.store_answer(fapp, followup_id, p))

    threads = [threading.Thread(target=answer, args=(p,)) for p in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    stored = [r for r in results if r is not None]
    assert len(results) == 4 and len(stored) == 1
    with session_scope(fapp) as session:
        assert len(session.execute(select(Response)).all()) == 1
        followup = session.get(ComplaintFollowup, followup_id)
        assert followup is not None and followup.response_id == stored[0]
