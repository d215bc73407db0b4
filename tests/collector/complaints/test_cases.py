"""The case service: intake, routing, the deadline clock, the state machine,
transfers, notices, identity and retention (collector.complaints.cases)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlmodel import Session

from collector.complaints import complainant
from collector.complaints import lifecycle
from collector.complaints import records
from collector.complaints.service import CaseService
from collector.core.db import get_engine
from collector.core.models import AuditEvent
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintEvent
from collector.core.models import ComplaintFollowup
from collector.core.models import ComplaintPolicy
from tests.helpers.complaints import act
from tests.helpers.complaints import actor
from tests.helpers.complaints import add_category
from tests.helpers.complaints import add_handler
from tests.helpers.complaints import file_case
from tests.helpers.complaints import load
from tests.helpers.organisation import agency
from tests.helpers.organisation import unit
from tests.helpers.staff import FAST_HASH

CONTACT = {
    "name": "王小明",
    "email": "ming@example.test",
    "reply_channel": "email",
}


@pytest.fixture
def app(make_app: Any) -> Flask:

    app = make_app(
        seed="agencies", COMPLAINT_TODAY="2026-03-02", PASSWORD_HASH=FAST_HASH
    )  # a Monday
    return app


@pytest.fixture
def handler(app: Flask) -> int:
    return add_handler(app, "alpha", "handler@alpha.example.test")


def events(app: Flask, case_id: int) -> list[ComplaintEvent]:
    with Session(get_engine(app)) as session:
        statement = (
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == case_id)
            .order_by(ComplaintEvent.id)  # type: ignore[arg-type]
        )
        return list(session.execute(statement).scalars())


def by(app: Flask, user_id: int, work: Any, case_id: int) -> Any:
    return act(app, case_id, user_id, work, send=False)


# -- intake -----------------------------------------------------------------------


def test_a_new_case_gets_a_number_a_password_a_link_and_a_due_date(app: Flask) -> None:
    category = add_category(app, "alpha")
    filed = file_case(app, "alpha", category, **CONTACT)
    case = load(app, filed.case.id)  # type: ignore[arg-type]
    assert case.case_number.startswith("20260302-") and len(case.case_number) == 15
    assert case.status == "received" and case.received_on == date(2026, 3, 2)
    # 30 calendar days after 2 March is 1 April 2026 (a Wednesday, a working day).
    assert case.due_on == date(2026, 4, 1)
    assert filed.password not in case.access_hash and filed.link_token not in case.link_hash
    [received] = events(app, case.id)  # type: ignore[arg-type]
    assert received.kind == "received" and received.public
    [mail] = filed.mails
    assert mail.to == "ming@example.test" and case.case_number in mail.subject
    assert "2026-04-01" in mail.body


def test_a_calendar_day_deadline_ending_on_a_holiday_moves_to_the_next_working_day(
    app: Flask,
) -> None:
    # Received Friday 6 February 2026: 9 days later is Sunday 15 February, the day
    # before Lunar New Year's Eve; 16-20 February are the New Year holidays.
    app.config["COMPLAINT_TODAY"] = "2026-02-06"
    category = add_category(app, "alpha", deadline_days=9)
    case = file_case(app, "alpha", category).case
    assert case.due_on == date(2026, 2, 23)


def test_working_day_deadlines_skip_weekends_and_holidays(app: Flask) -> None:
    category = add_category(app, "alpha", deadline_days=6, day_kind="working")
    app.config["COMPLAINT_TODAY"] = "2026-02-26"  # a Thursday
    case = file_case(app, "alpha", category).case
    # After Thu 26 Feb 2026: Fri 27 Feb is off (228 observed); Mon 2 Mar is the first
    # working day, Mon 9 Mar the sixth.
    assert case.due_on == date(2026, 3, 9)


def test_the_agency_policy_applies_when_the_category_has_no_deadline(app: Flask) -> None:
    category = add_category(app, "alpha")
    with Session(get_engine(app)) as session:
        session.add(ComplaintPolicy(agency_id=agency(session, "alpha").id, deadline_days=7))
        session.commit()
    case = file_case(app, "alpha", category).case
    assert case.due_on == date(2026, 3, 9)


def test_a_category_routes_new_cases_to_its_unit_and_handler(app: Flask, handler: int) -> None:
    with Session(get_engine(app)) as session:
        c2 = unit(session, "alpha", "c2").id
    category = add_category(app, "alpha", unit_id=c2, handler_id=handler)
    case = load(app, file_case(app, "alpha", category).case.id)  # type: ignore[arg-type]
    assert (case.status, case.unit_id, case.handler_id) == ("assigned", c2, handler)
    assert [e.kind for e in events(app, case.id)] == ["received", "assign"]  # type: ignore[arg-type]


def test_routing_ignores_a_disabled_handler(app: Flask, handler: int) -> None:
    with Session(get_engine(app)) as session:
        from collector.core.models import User

        user = session.get(User, handler)
        assert user is not None
        user.active = False
        session.add(user)
        session.commit()
    category = add_category(app, "alpha", handler_id=handler)
    case = file_case(app, "alpha", category).case
    assert case.status == "received" and case.handler_id is None


def test_an_oral_complaint_must_be_read_back_and_confirmed(app: Flask) -> None:
    category = add_category(app, "alpha")
    with pytest.raises(lifecycle.CaseError) as refused:
        file_case(app, "alpha", category, channel="phone")
    assert refused.value.key == "case_read_back_required"
    case = file_case(app, "alpha", category, channel="phone", read_back_confirmed=True).case
    assert case.read_back_confirmed is True


def test_another_agencys_category_is_refused(app: Flask) -> None:
    beta_category = add_category(app, "beta")
    with pytest.raises(lifecycle.CaseError):
        file_case(app, "alpha", beta_category)


def test_an_anonymous_complaint_keeps_no_contact_and_sends_nothing(app: Flask) -> None:
    category = add_category(app, "alpha")
    filed = file_case(app, "alpha", category, anonymous=True, **CONTACT)
    case = load(app, filed.case.id)  # type: ignore[arg-type]
    assert (case.name, case.email, case.reply_channel) == (None, None, "none")
    assert filed.mails == []


def test_text_is_stored_as_nfc(app: Flask) -> None:
    category = add_category(app, "alpha")
    case = file_case(app, "alpha", category, subject="Cafe\u0301 路燈").case
    assert case.subject == "Café 路燈"


# -- following a case -----------------------------------------------------------


def test_the_complainant_finds_the_case_only_with_number_and_password(app: Flask) -> None:
    category = add_category(app, "alpha")
    filed = file_case(app, "alpha", category)
    number = filed.case.case_number
    with app.app_context(), Session(get_engine(app)) as session:
        found = complainant.find_for_complainant(session, number.lower(), filed.password)
        assert found is not None and found.id == filed.case.id
        assert complainant.find_for_complainant(session, number, "WRONG") is None
        assert complainant.find_for_complainant(session, "20260302-ZZZZZZ", filed.password) is None
        assert complainant.find_by_link(session, filed.link_token).id == filed.case.id  # type: ignore[union-attr]
        assert complainant.find_by_link(session, "x" * 43) is None
        assert complainant.find_by_link(session, "x" * 1000) is None


# -- the state machine ------------------------------------------------------------


def test_actions_the_state_does_not_allow_are_refused(app: Flask, handler: int) -> None:
    category = add_category(app, "alpha")
    case_id = file_case(app, "alpha", category).case.id
    assert case_id is not None
    with pytest.raises(lifecycle.CaseError) as refused:
        by(app, handler, lambda s, c, a: CaseService(app, s, a).close(c, outcome="upheld"), case_id)
    assert refused.value.key == "case_action_not_allowed"
    with pytest.raises(lifecycle.CaseError):
        by(app, handler, lambda s, c, a: CaseService(app, s, a).resume(c, text="x"), case_id)
    assert load(app, case_id).status == "received"
    assert len(events(app, case_id)) == 1


def test_a_stale_form_changes_nothing(app: Flask, handler: int) -> None:
    category = add_category(app, "alpha")
    case_id = file_case(app, "alpha", category).case.id
    assert case_id is not None
    by(app, handler, lambda s, c, a: CaseService(app, s, a).start(c, expected_version=1), case_id)
    with pytest.raises(lifecycle.StaleCase):
        by(
            app,
            handler,
            lambda s, c, a: CaseService(app, s, a).note(c, text="late", expected_version=1),
            case_id,
        )
    assert [e.kind for e in events(app, case_id)] == ["received", "start"]


def test_a_decline_needs_a_legal_ground_and_a_reason(app: Flask, handler: int) -> None:
    category = add_category(app, "alpha")
    case_id = file_case(app, "alpha", category, **CONTACT).case.id
    assert case_id is not None
    for ground, reason in (("made_up", "why"), ("no_concrete_content", "  ")):
        with pytest.raises(lifecycle.CaseError):
            by(
                app,
                handler,
                lambda s, c, a, g=ground, r=reason: CaseService(app, s, a).decline(
                    c, ground=g, reason=r
                ),
                case_id,
            )
    mails = by(
        app,
        handler,
        lambda s, c, a: CaseService(app, s, a).decline(
            c, ground="no_concrete_content", reason="未載明具體事項"
        ),
        case_id,
    )
    case = load(app, case_id)
    assert (case.status, case.decline_ground) == ("declined", "no_concrete_content")
    assert "未載明具體事項" in mails[0].body


def test_a_supplement_request_pauses_the_clock(app: Flask, handler: int) -> None:
    category = add_category(app, "alpha", deadline_days=10, day_kind="working")
    case_id = file_case(app, "alpha", category, **CONTACT).case.id
    assert case_id is not None
    # Received Mon 2 March 2026: 10 working days -> Mon 16 March.
    assert load(app, case_id).due_on == date(2026, 3, 16)
    app.config["COMPLAINT_TODAY"] = "2026-03-04"  # Wednesday: ask for more
    mails = by(
        app,
        handler,
        lambda s, c, a: CaseService(app, s, a).request_supplement(c, reason="請提供照片"),
        case_id,
    )
    assert "請提供照片" in mails[0].body
    app.config["COMPLAINT_TODAY"] = "2026-03-09"  # Monday: the supplement arrives
    with app.app_context(), Session(get_engine(app)) as session:
        case = session.get(Complaint, case_id)
        assert case is not None and case.status == "awaiting_supplement"
        CaseService(app, session).add_supplement(case, "照片已寄出")
        session.commit()
    case = load(app, case_id)
    # Thu 5 - Mon 9 March did not run: three working days (5, 6, 9) later -> Thu 19 March.
    assert case.status == "in_progress" and case.due_on == date(2026, 3, 19)


def test_an_extension_needs_a_reason_moves_the_due_date_and_tells_the_complainant(
    app: Flask, handler: int
) -> None:
    category = add_category(app, "alpha")
    case_id = file_case(app, "alpha", category, **CONTACT).case.id
    assert case_id is not None
    with pytest.raises(lifecycle.CaseError) as refused:
        by(
            app,
            handler,
            lambda s, c, a: CaseService(app, s, a).extend(c, days=10, reason=""),
            case_id,
        )
    assert refused.value.key == "case_reason_required"
    with pytest.raises(lifecycle.CaseError):
        by(
            app,
            handler,
            lambda s, c, a: CaseService(app, s, a).extend(c, days=0, reason="x"),
            case_id,
        )
    mails = by(
        app,
        handler,
        lambda s, c, a: CaseService(app, s, a).extend(c, days=10, reason="需會勘現場"),
        case_id,
    )
    case = load(app, case_id)
    assert case.extension_days == 10 and case.due_on == date(2026, 4, 13)  # 1 Apr + 10 = Sat 11
    assert "需會勘現場" in mails[0].body and "2026-04-13" in mails[0].body
    extended = events(app, case_id)[-1]
    assert extended.kind == "extend" and extended.public and extended.reason == "需會勘現場"


def test_reply_close_and_the_follow_up_link(app: Flask, handler: int) -> None:
    category = add_category(app, "alpha", retention_class="short")
    case_id = file_case(app, "alpha", category, **CONTACT).case.id
    assert case_id is not None
    by(app, handler, lambda s, c, a: CaseService(app, s, a).start(c), case_id)
    with pytest.raises(lifecycle.CaseError):
        by(app, handler, lambda s, c, a: CaseService(app, s, a).reply(c, body="  "), case_id)
    replied = by(
        app, handler, lambda s, c, a: CaseService(app, s, a).reply(c, body="已修復"), case_id
    )
    assert "已修復" in replied[0].body
    with pytest.raises(lifecycle.CaseError):
        by(app, handler, lambda s, c, a: CaseService(app, s, a).close(c, outcome="??"), case_id)
    offered = by(
        app, handler, lambda s, c, a: CaseService(app, s, a).close(c, outcome="upheld"), case_id
    )
    case = load(app, case_id)
    assert case.status == "closed" and case.outcome == "upheld"
    assert case.retain_until == date(2029, 3, 2)  # "short": 3 years
    assert "/complaints/feedback/" in offered[0].body
    with Session(get_engine(app)) as session:
        [followup] = session.execute(select(ComplaintFollowup)).scalars()
        assert followup.complaint_id == case_id and followup.channel == "online"
    by(app, handler, lambda s, c, a: CaseService(app, s, a).reopen(c, reason="仍未修復"), case_id)
    case = load(app, case_id)
    assert case.status == "reopened" and case.retain_until is None and case.outcome is None


def test_transfer_to_a_unit_keeps_the_clock(app: Flask, handler: int) -> None:
    category = add_category(app, "alpha")
    case_id = file_case(app, "alpha", category).case.id
    assert case_id is not None
    with Session(get_engine(app)) as session:
        c2, beta_c1 = unit(session, "alpha", "c2").id, unit(session, "beta", "c1").id
    with pytest.raises(lifecycle.CaseError):
        by(
            app,
            handler,
            lambda s, c, a: CaseService(app, s, a).transfer_to_unit(c, unit_id=beta_c1, reason="x"),
            case_id,
        )
    by(
        app,
        handler,
        lambda s, c, a: CaseService(app, s, a).transfer_to_unit(c, unit_id=c2, reason="權責單位"),
        case_id,
    )
    case = load(app, case_id)
    assert (case.status, case.unit_id, case.due_on) == ("assigned", c2, date(2026, 4, 1))


def test_transfer_to_another_agency_restarts_the_clock_and_withholds_a_confidential_identity(
    app: Flask, handler: int
) -> None:
    category = add_category(app, "alpha")
    beta_category = add_category(app, "beta", code="water", name_en="Water")
    filed = file_case(app, "alpha", category, confidential=True, **CONTACT)
    case_id = filed.case.id
    assert case_id is not None
    app.config["COMPLAINT_TODAY"] = "2026-03-10"

    def transfer(session: Session, case: Complaint, who: Any) -> Any:
        beta = agency(session, "beta")
        target = session.get(ComplaintCategory, beta_category)
        return CaseService(app, session, who).transfer_to_agency(
            case, agency=beta, category=target, reason="屬乙機關權責"
        )

    copy, mails = by(app, handler, transfer, case_id)
    sent = load(app, case_id)
    received = load(app, copy.id)
    assert sent.status == "transferred" and sent.transferred_to_id == received.id
    assert received.agency_id != sent.agency_id and received.transferred_from_id == case_id
    assert received.received_on == date(2026, 3, 10) and received.due_on == date(2026, 4, 9)
    assert received.identity_withheld and received.name is None and received.email is None
    assert received.case_number in mails[0].body and mails[0].to == "ming@example.test"
    # The sender's trail is read-only now.
    with pytest.raises(lifecycle.CaseError):
        by(app, handler, lambda s, c, a: CaseService(app, s, a).note(c, text="x"), case_id)
    beta_handler = add_handler(app, "beta", "h2@beta.example.test")
    # The complainant follows the original number and sees both agencies' public steps.
    with app.app_context(), Session(get_engine(app)) as session:
        found = complainant.find_for_complainant(session, sent.case_number, filed.password)
        assert found is not None
        assert records.current_case(session, found).id == received.id
        kinds = [e.kind for e in records.public_events(session, found)]
        assert kinds == ["received", "transfer_agency", "transferred_in"]
        with pytest.raises(lifecycle.CaseError):  # no transfer to one's own agency
            CaseService(app, session, actor(session, beta_handler)).transfer_to_agency(
                received,
                agency=agency(session, "beta"),
                category=session.get(ComplaintCategory, beta_category),
                reason="x",
            )
    # Notices for the receiving agency's case still reach the complainant.
    mails = by(
        app,
        beta_handler,
        lambda s, c, a: CaseService(app, s, a).extend(c, days=5, reason="需調閱資料"),
        received.id,
    )
    assert mails[0].to == "ming@example.test" and sent.case_number in mails[0].subject


def test_merge_a_duplicate_into_an_open_case(app: Flask, handler: int) -> None:
    category = add_category(app, "alpha")
    first = file_case(app, "alpha", category).case
    second = file_case(app, "alpha", category).case
    other = file_case(app, "beta", add_category(app, "beta")).case

    def merge_into(target: Complaint) -> Any:
        def work(session: Session, case: Complaint, who: Any) -> Any:
            into = session.get(Complaint, target.id)
            return CaseService(app, session, who).merge(case, into=into, reason="同一事由")

        return work

    with pytest.raises(lifecycle.CaseError):
        by(app, handler, merge_into(other), second.id)
    with pytest.raises(lifecycle.CaseError):
        by(app, handler, merge_into(second), second.id)
    by(app, handler, merge_into(first), second.id)
    assert load(app, second.id).status == "merged"  # type: ignore[arg-type]
    assert load(app, second.id).merged_into_id == first.id  # type: ignore[arg-type]
    assert events(app, first.id)[-1].kind == "merged_in"  # type: ignore[arg-type]


# -- identity -----------------------------------------------------------------------


def test_a_confidential_identity_is_shown_only_to_the_assigned_handler_and_audited(
    app: Flask, handler: int
) -> None:
    other = add_handler(app, "alpha", "other@alpha.example.test")
    admin = add_handler(app, "alpha", "boss@alpha.example.test", role="agency_admin")
    category = add_category(app, "alpha", handler_id=handler)
    case_id = file_case(app, "alpha", category, confidential=True, **CONTACT).case.id
    with app.app_context(), Session(get_engine(app)) as session:
        case = session.get(Complaint, case_id)
        assert case is not None
        assert complainant.identity(session, case, actor(session, other)).withheld
        assert complainant.identity(session, case, actor(session, handler)).name == "王小明"
        assert (
            complainant.identity(session, case, actor(session, admin)).email == "ming@example.test"
        )
    with Session(get_engine(app)) as session:
        viewed = session.execute(
            select(AuditEvent).where(AuditEvent.action == "complaint.identity_viewed")
        ).all()
        assert len(viewed) == 2


# -- retention ---------------------------------------------------------------------


def test_restriction_and_destruction_after_the_retention_period(app: Flask, handler: int) -> None:
    admin = add_handler(app, "alpha", "boss@alpha.example.test", role="agency_admin")
    category = add_category(app, "alpha", retention_class="short")
    case_id = file_case(app, "alpha", category, **CONTACT).case.id
    assert case_id is not None
    with Session(get_engine(app)) as session:
        session.add(
            ComplaintAttachment(
                complaint_id=case_id,
                agency_id=agency(session, "alpha").id,
                stored_name="f" * 32,
                filename="photo.jpg",
                content_type="image/jpeg",
                size=10,
                sha256="0" * 64,
            )
        )
        session.commit()
    by(app, handler, lambda s, c, a: CaseService(app, s, a).reply(c, body="已處理"), case_id)
    by(app, handler, lambda s, c, a: CaseService(app, s, a).close(c, outcome="explained"), case_id)
    by(
        app,
        admin,
        lambda s, c, a: CaseService(app, s, a).restrict(c, reason="當事人請求刪除"),
        case_id,
    )
    assert load(app, case_id).restricted_at is not None
    with pytest.raises(lifecycle.CaseError) as early:
        by(app, admin, lambda s, c, a: CaseService(app, s, a).destroy(c, reason="屆期"), case_id)
    assert early.value.key == "case_not_destroyable"
    app.config["COMPLAINT_TODAY"] = "2029-03-02"
    names = by(
        app, admin, lambda s, c, a: CaseService(app, s, a).destroy(c, reason="屆期銷毀"), case_id
    )
    assert names == ["f" * 32]
    case = load(app, case_id)
    assert case.destroyed_at is not None and case.name is None and case.description == ""
    assert events(app, case_id) == []
    with Session(get_engine(app)) as session:
        destroyed = session.execute(
            select(AuditEvent).where(AuditEvent.action == "complaint.destroyed")
        ).scalar_one()
        assert case.case_number in destroyed.detail
        assert session.execute(select(ComplaintAttachment)).first() is None
