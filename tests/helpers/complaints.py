"""Complaints for tests, made through ``collector.complaints`` so that their histories are
real: categories, handlers, cases filed, acted on and closed, the mail they send, the
handling-satisfaction follow-up, and sample ids for the access matrix."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlmodel import Session

from collector.access.identity import actor_for_user
from collector.complaints import attachments
from collector.complaints import notices
from collector.complaints import service
from collector.complaints.service import CaseService
from collector.core import mail
from collector.core.db import get_engine
from collector.core.db import session_scope
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.models import CalendarDay
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintFollowup
from collector.core.models import User
from collector.jobs.worker import drain
from tests.helpers.database import AGENCIES
from tests.helpers.organisation import agency
from tests.helpers.staff import FAST_HASH
from tests.helpers.web import csrf_token
from tests.helpers.web import form_data
from tests.helpers.web import hidden

ADMIN = "admin@alpha.example.test"
LINK = re.compile(r"https?://\S+/complaints/feedback/[A-Za-z0-9_\-]+")

TEMPLATE_ZH = (
    "{name} 您好：\n關於 {subject}（案號 {case_number}，{received_on} 收件），{agency} 回復如下。"
)
TEMPLATE_EN = (
    "Dear {name},\nAbout {subject} (case {case_number}, received {received_on}), {agency} replies."
)

CONTACT: dict[str, Any] = {
    "name": "王小明",
    "email": "citizen@example.test",
    "phone": "0912-345-678",
    "address": "臺北市中山路 12 號",
    "reply_channel": "email",
}
"""A complainant who gave every contact detail."""


def complaints_app(make_app: Callable[..., Flask], folder: Path) -> Flask:
    """Agencies (the ``agencies`` seed) with fast password hashing, keeping the case
    files and the mail outbox in ``folder`` (``attachments/``, ``outbox/``)."""
    return make_app(
        seed=AGENCIES,
        PASSWORD_HASH=FAST_HASH,
        COMPLAINT_ATTACHMENT_DIR=str(folder / "attachments"),
        MAIL_OUTBOX_DIR=str(folder / "outbox"),
    )


def attachment_dir(app: Flask) -> None:
    """Keep a test's attachments out of the instance folder."""
    if not app.config.get("COMPLAINT_ATTACHMENT_DIR"):
        app.config["COMPLAINT_ATTACHMENT_DIR"] = tempfile.mkdtemp(prefix="collector-att-")


def add_category(app: Flask, agency_code: str = "alpha", code: str = "roads", **fields: Any) -> int:
    """A complaint category (30 calendar days unless ``fields`` say otherwise)."""
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


def make_category(
    app: Flask, agency_code: str = "alpha", code: str = "roads", **fields: Any
) -> int:
    """Road maintenance (道路養護), with reply templates in both languages."""
    defaults = {
        "name_zh": "道路養護",
        "name_en": "Road maintenance",
        "reply_template_zh": TEMPLATE_ZH,
        "reply_template_en": TEMPLATE_EN,
    }
    return add_category(app, agency_code, code, **(defaults | fields))


def add_handler(app: Flask, agency_code: str, email: str, role: str = "case_handler") -> int:
    """An account without a password (it acts through the service, never logs in)."""
    with session_scope(app) as session:
        user = User(
            email=email,
            display_name=email.split("@")[0],
            role=role,
            agency_id=agency(session, agency_code).id,
        )
        session.add(user)
        session.flush()
        return user.id  # type: ignore[return-value]


def actor(session: Session, who: int | str) -> Actor:
    """The actor of the account with id or e-mail address ``who``."""
    if isinstance(who, str):
        user = session.execute(select(User).where(User.email == who)).scalar_one()
    else:
        user = session.get(User, who)
    assert user is not None
    return actor_for_user(user, db=session)


def pin(app: Flask, day: date | str) -> None:
    app.config["COMPLAINT_TODAY"] = str(day)


def user_id(app: Flask, email: str) -> int:
    with session_scope(app) as session:
        return session.execute(select(User.id).where(User.email == email)).scalar_one()


def file_case(
    app: Flask, agency_code: str, category_id: int, files: tuple[bytes, ...] = (), **fields: Any
) -> service.NewCase:
    """A complaint filed online (anonymous unless contact details are given), with
    ``files`` attached."""
    values: dict[str, Any] = {
        "subject": "路燈不亮",
        "description": "中山路 12 號前的路燈已經一週不亮。",
        "channel": "online",
        "language": "zh-Hant-TW",
    }
    values.update(fields)
    if files:
        attachment_dir(app)
    with app.app_context(), Session(writing(get_engine(app)), expire_on_commit=False) as session:
        filed = CaseService(app, session).new_case(
            agency=agency(session, agency_code),
            category=session.get(ComplaintCategory, category_id),
            **values,
        )
        session.flush()
        prepared = [attachments.check(data, shown=f"file{i}.txt") for i, data in enumerate(files)]
        if prepared:
            attachments.store(session, filed.case, prepared, app=app)
        session.commit()
    return filed


def file_with_contact(
    app: Flask,
    category_id: int,
    agency_code: str = "alpha",
    files: tuple[bytes, ...] = (),
    **fields: Any,
) -> tuple[int, list[int]]:
    """A case filed online with every contact detail; its id and its attachments' ids."""
    case_id = file_case(app, agency_code, category_id, files, **(CONTACT | fields)).case.id
    with session_scope(app) as session:
        statement = (
            select(ComplaintAttachment.id)
            .where(ComplaintAttachment.complaint_id == case_id)
            .order_by(ComplaintAttachment.id)  # type: ignore[arg-type]
        )
        return case_id, list(session.execute(statement).scalars())  # type: ignore[return-value]


def release_files(app: Flask, case_id: int, who: int | str = ADMIN) -> None:
    """Release the case's held files (tests run without a virus scanner), as a handler does
    on the case page."""

    def release(session: Session, case: Complaint, actor: Actor) -> None:
        statement = select(ComplaintAttachment).where(ComplaintAttachment.complaint_id == case.id)
        for row in session.execute(statement).scalars():
            attachments.release(session, row, actor)

    act(app, case_id, who, release)


def act(
    app: Flask,
    case_id: int,
    who: int | str,
    work: Callable[[Session, Complaint, Actor], Any],
    send: bool = True,
) -> Any:
    """``work(session, case, actor)`` on a fresh copy of the case in one write transaction
    (as a view does), by the account ``who`` (id or e-mail address). Mails it returns are
    stored in the mail outbox in that transaction and their jobs queued after the commit
    (as a view does; :func:`outbox` runs them) unless ``send`` is false."""
    queued: list[int] = []
    with app.app_context(), Session(writing(get_engine(app)), expire_on_commit=False) as session:
        case = session.get(Complaint, case_id)
        assert case is not None
        result = work(session, case, actor(session, who))
        if send and isinstance(result, list) and all(isinstance(m, mail.Mail) for m in result):
            queued = notices.queue(session, app, result)
        session.commit()
    notices.deliver(app, queued)
    return result


def load(app: Flask, case_id: int) -> Complaint:
    with Session(get_engine(app), expire_on_commit=False) as session:
        case = session.get(Complaint, case_id)
        assert case is not None
        return case


def only_case(app: Flask) -> Complaint:
    """The one complaint filed so far: a test that filed one checks what was stored
    (``scalar_one`` fails on none or on a second, so a duplicate is caught too)."""
    with session_scope(app) as session:
        return session.execute(select(Complaint)).scalar_one()


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
    filed = file_case(app, agency_code, category_id, **contact)
    close_case(app, filed.case.id, outcome, email=f"admin@{agency_code}.example.test")  # type: ignore[arg-type]
    return filed.case.id  # type: ignore[return-value]


def outbox(app: Flask, agency_code: str = "alpha") -> list[mail.OutboxMessage]:
    """The agency's messages in the outbox folder, newest first, once the queued jobs
    (the mail outbox's deliveries among them) have run."""
    drain(app)
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


FOLLOWUP_SETTINGS: dict[str, Any] = {
    "PUBLIC_BASE_URL": "https://survey.example.test",
    "RATELIMIT_LOGIN": "1000 per minute",
}
"""With ``seed="staff"`` and ``MAIL_OUTBOX_DIR``: the app of the follow-up, dashboard,
reminder and Open311 tests (links in mails point at a public address)."""


def make_case(app: Flask) -> dict[str, Any]:
    """Sample ids of agency alpha for the access matrix: a case with an attachment, its
    category and one of the agency's own calendar days."""
    category_id = make_category(app, "alpha", "access")
    case_id, (att_id,) = file_with_contact(
        app, category_id, files=("附件內容 attachment\n".encode(),)
    )
    with session_scope(app) as session:
        day = CalendarDay(
            agency_id=agency(session, "alpha").id,
            day=date(2026, 12, 24),
            working=False,
            name_zh="機關自訂休假",
            name_en="Agency day off",
        )
        session.add(day)
        session.flush()
        day_id = day.id
    return {"case_id": case_id, "att_id": att_id, "category_id": category_id, "day_id": day_id}


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
    filed = file_case(app, "alpha", category_id, name="甲", phone="0912345678")
    case_id = filed.case.id
    assert case_id is not None
    close_case(app, case_id, "explained")
    with app.app_context(), Session(writing(get_engine(app)), expire_on_commit=False) as session:
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
            actor=actor(session, ADMIN),
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
