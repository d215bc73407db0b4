"""Helpers for the follow-up, dashboard, reminder, API and Open311 tests: cases made
and closed through ``collector.complaints.cases``, mail read from the outbox."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlmodel import Session

from collector.access.identity import actor_for_user
from collector.complaints import notices, service
from collector.complaints.service import CaseService
from collector.core import mail
from collector.core.db import get_engine, session_scope, writing
from collector.core.models import Agency, Complaint, ComplaintCategory, ComplaintFollowup, User

ADMIN = "admin@alpha.example.test"
LINK = re.compile(r"https?://\S+/complaints/feedback/[A-Za-z0-9_\-]+")


def agency(session: Session, code: str) -> Agency:
    return session.execute(select(Agency).where(Agency.code == code)).scalar_one()


def add_category(app: Flask, agency_code: str, code: str, **fields: Any) -> int:
    with session_scope(app) as session:
        row = ComplaintCategory(
            agency_id=agency(session, agency_code).id,
            code=code,
            name_zh=fields.pop("name_zh", f"類別{code}"),
            name_en=fields.pop("name_en", f"Category {code}"),
            **fields,
        )
        session.add(row)
        session.flush()
        return row.id  # type: ignore[return-value]


def pin(app: Flask, day: date | str) -> None:
    app.config["COMPLAINT_TODAY"] = str(day)


def user_id(app: Flask, email: str) -> int:
    with session_scope(app) as session:
        return session.execute(select(User.id).where(User.email == email)).scalar_one()


def file(app: Flask, agency_code: str, category_id: int, **fields: Any) -> service.NewCase:
    values: dict[str, Any] = {
        "subject": "路燈不亮",
        "description": "中山路 12 號前的路燈已經一週不亮。",
        "channel": "online",
        "language": "zh-Hant-TW",
    }
    values.update(fields)
    with app.app_context(), Session(writing(get_engine(app)), expire_on_commit=False) as session:
        filed = CaseService(app, session).new_case(
            agency=agency(session, agency_code),
            category=session.get(ComplaintCategory, category_id),
            **values,
        )
        session.commit()
    return filed


def act(app: Flask, case_id: int, email: str, work: Any) -> Any:
    """``work(session, case, actor)`` in one write transaction; the mails it
    returns are sent to the outbox after the commit."""
    with app.app_context(), Session(writing(get_engine(app)), expire_on_commit=False) as session:
        user = session.execute(select(User).where(User.email == email)).scalar_one()
        actor = actor_for_user(user, db=session)
        case = session.get(Complaint, case_id)
        assert case is not None
        result = work(session, case, actor)
        session.commit()
    if isinstance(result, list) and all(isinstance(m, mail.Mail) for m in result):
        notices.send_notices(app, result)
    return result


def close_case(
    app: Flask,
    case_id: int,
    outcome: str = "upheld",
    *,
    replied: date | str | None = None,
    closed: date | str | None = None,
    email: str = ADMIN,
) -> None:
    """Start, reply to and close a case (on the pinned days given)."""
    if replied is not None:
        pin(app, replied)
    act(app, case_id, email, lambda s, c, a: CaseService(app, s, a).start(c))
    act(app, case_id, email, lambda s, c, a: CaseService(app, s, a).reply(c, body="已派員修復。"))
    if closed is not None:
        pin(app, closed)
    act(app, case_id, email, lambda s, c, a: CaseService(app, s, a).close(c, outcome=outcome))


def closed_case(
    app: Flask,
    category_id: int,
    outcome: str = "upheld",
    agency_code: str = "alpha",
    **contact: Any,
) -> int:
    filed = file(app, agency_code, category_id, **contact)
    close_case(app, filed.case.id, outcome, email=f"admin@{agency_code}.example.test")  # type: ignore[arg-type]
    return filed.case.id  # type: ignore[return-value]


def outbox(app: Flask, agency_code: str = "alpha") -> list[mail.OutboxMessage]:
    with session_scope(app) as session:
        agency_id = agency(session, agency_code).id
    names = mail.outbox_messages(app, agency_id)  # type: ignore[arg-type]
    return [m for n in names if (m := mail.read_outbox(app, agency_id, n))]  # type: ignore[arg-type]


def feedback_links(app: Flask, agency_code: str = "alpha") -> list[str]:
    """Paths of the follow-up links mailed so far, oldest first."""
    links = []
    for message in reversed(outbox(app, agency_code)):
        for url in LINK.findall(message.body):
            path = "/" + url.split("://", 1)[1].split("/", 1)[1]
            if path not in links:
                links.append(path)
    return links


def build_app(make_app: Any, tmp_path: Any, clock: Any, **config: Any) -> Flask:
    """Agencies moi > alpha, beta; one account per role; mail to an outbox folder."""
    from tests.collector.staff import FAST_HASH, make_people
    from tests.conftest import seed_agencies

    settings = {
        "PASSWORD_HASH": FAST_HASH,
        "CLOCK": clock,
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "PUBLIC_BASE_URL": "https://survey.example.test",
        "RATELIMIT_LOGIN": "1000 per minute",
    }
    settings.update(config)
    app = make_app(**settings)
    seed_agencies(app)
    app.config["PEOPLE"] = make_people(app)
    return app


ANSWERS: dict[str, Any] = {
    "filing_channel": "online",
    "proc_ease": 4,
    "proc_courtesy": "na",
    "proc_timeliness": 5,
    "proc_progress": 4,
    "proc_clarity": 4,
    "outcome_solved": "yes",
    "outcome_result": 5,
    "outcome_reasonable": 4,
    "overall_satisfaction": 5,
    "use_again": "yes",
    "comment": "謝謝 <script>alert(1)</script>",
}


def answer_form(html: str, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """The POST body a browser sends for the follow-up questionnaire page."""
    from tests.conftest import csrf_token, form_data, hidden

    data = form_data(answers if answers is not None else ANSWERS)
    data["csrf_token"] = csrf_token(html)
    data["submission_token"] = hidden(html, "submission_token")
    return data


def make_followup(app: Flask) -> dict[str, Any]:
    """Sample values of agency alpha for the access matrix: a closed case drawn into a
    phone sample, and its number and Open311 token."""
    from collector.complaints import followups
    from collector.complaints.views.open311 import _token

    category_id = add_category(app, "alpha", "fu-access")
    filed = file(app, "alpha", category_id, name="甲", phone="0912345678")
    case_id = filed.case.id
    assert case_id is not None
    close_case(app, case_id, "explained")
    with app.app_context(), Session(writing(get_engine(app)), expire_on_commit=False) as session:
        user = session.execute(select(User).where(User.email == ADMIN)).scalar_one()
        actor = actor_for_user(user, db=session)
        case = session.get(Complaint, case_id)
        assert case is not None
        result = followups.Draw(
            seed=1,
            strata=[followups.Stratum(case.category_id, "explained", 1, 1, [case_id])],
        )
        sample_id = followups.record_sample(
            session,
            agency_id=case.agency_id,
            result=result,
            start=date(2026, 1, 1),
            end=date(2026, 1, 31),
            actor=actor,
        )
        session.commit()
        followup_id = session.execute(
            select(ComplaintFollowup.id).where(ComplaintFollowup.sample_id == sample_id)
        ).scalar_one()
    with app.test_request_context():
        token = _token(case_id)
    return {
        "sample_id": sample_id,
        "followup_id": followup_id,
        "case_number": filed.case.case_number,
        "service_request_id": filed.case.case_number,
        "request_token": token,
        "fmt": "json",
    }
