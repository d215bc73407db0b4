"""Complaint cases stored for tests of the staff pages (through the case service, so
their histories are real): a category, a case with an attachment, a calendar day."""

from __future__ import annotations

import tempfile
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select

from collector.complaints import attachments
from collector.complaints.service import CaseService
from collector.core.db import session_scope
from collector.core.models import Agency, CalendarDay, ComplaintCategory

TEMPLATE_ZH = (
    "{name} 您好：\n關於 {subject}（案號 {case_number}，{received_on} 收件），{agency} 回復如下。"
)
TEMPLATE_EN = (
    "Dear {name},\nAbout {subject} (case {case_number}, received {received_on}), {agency} replies."
)


def attachment_dir(app: Flask) -> None:
    """Keep a test's attachments out of the instance folder."""
    if not app.config.get("COMPLAINT_ATTACHMENT_DIR"):
        app.config["COMPLAINT_ATTACHMENT_DIR"] = tempfile.mkdtemp(prefix="collector-att-")


def make_category(
    app: Flask, agency_code: str = "alpha", code: str = "roads", **fields: Any
) -> int:
    with session_scope(app) as session:
        agency = session.execute(select(Agency).where(Agency.code == agency_code)).scalar_one()
        row = ComplaintCategory(
            agency_id=agency.id,
            code=code,
            name_zh=fields.pop("name_zh", "道路養護"),
            name_en=fields.pop("name_en", "Road maintenance"),
            reply_template_zh=fields.pop("reply_template_zh", TEMPLATE_ZH),
            reply_template_en=fields.pop("reply_template_en", TEMPLATE_EN),
            **fields,
        )
        session.add(row)
        session.flush()
        return row.id  # type: ignore[return-value]


def file_case(
    app: Flask,
    category_id: int,
    agency_code: str = "alpha",
    files: tuple[bytes, ...] = (),
    **fields: Any,
) -> tuple[int, list[int]]:
    """A case filed online with contact details; its id and its attachments' ids."""
    attachment_dir(app)
    values: dict[str, Any] = {
        "subject": "路燈不亮",
        "description": "中山路 12 號前的路燈已經一週不亮。",
        "channel": "online",
        "language": "zh-Hant-TW",
        "name": "王小明",
        "email": "citizen@example.test",
        "phone": "0912-345-678",
        "address": "臺北市中山路 12 號",
        "reply_channel": "email",
    }
    values.update(fields)
    with app.app_context(), session_scope(app) as session:
        agency = session.execute(select(Agency).where(Agency.code == agency_code)).scalar_one()
        category = session.get(ComplaintCategory, category_id)
        assert category is not None
        filed = CaseService(app, session).new_case(agency=agency, category=category, **values)
        session.flush()
        prepared = [attachments.check(data, shown=f"file{i}.txt") for i, data in enumerate(files)]
        rows = attachments.store(session, filed.case, prepared, app=app)
        session.flush()
        return filed.case.id, [r.id for r in rows]  # type: ignore[return-value]


def make_case(app: Flask) -> dict[str, Any]:
    """Sample ids of agency alpha for the access matrix: a case with an attachment, its
    category and one of the agency's own calendar days."""
    category_id = make_category(app, "alpha", "access")
    case_id, (att_id,) = file_case(app, category_id, files=("附件內容 attachment\n".encode(),))
    with session_scope(app) as session:
        agency = session.execute(select(Agency).where(Agency.code == "alpha")).scalar_one()
        day = CalendarDay(
            agency_id=agency.id,
            day=date(2026, 12, 24),
            working=False,
            name_zh="機關自訂休假",
            name_en="Agency day off",
        )
        session.add(day)
        session.flush()
        day_id = day.id
    return {"case_id": case_id, "att_id": att_id, "category_id": category_id, "day_id": day_id}
