"""The handling-satisfaction follow-up of closed cases: a one-time link to the
complaint-handling questionnaire for every contactable complainant."""

from __future__ import annotations

import secrets

from flask import Flask
from sqlmodel import Session

from collector.mail import Mail
from collector.models import Agency, Complaint, ComplaintFollowup, utcnow

QUESTIONNAIRE = "complaint-handling"
"""The bundled complaint-handling satisfaction questionnaire (surveys/)."""


def offer(app: Flask, session: Session, case: Complaint) -> list[Mail]:
    """On closing: a one-time link by e-mail when the complainant can be reached
    and the agency's policy sends follow-ups (returns the e-mail to send)."""
    from collector.complaints.cases import hash_token, origin_of, policy_for, public_base

    if not policy_for(session, case.agency_id).followup:
        return []
    origin = origin_of(session, case)
    if origin.anonymous or not origin.email:
        return []
    token = secrets.token_urlsafe(32)
    session.add(
        ComplaintFollowup(
            complaint_id=case.id,  # type: ignore[arg-type]
            agency_id=case.agency_id,
            channel="online",
            token_hash=hash_token(token),
            sent_at=utcnow(),
        )
    )
    agency = session.get(Agency, case.agency_id)
    link = f"{public_base(app)}/complaints/feedback/{token}"
    english = origin.language.startswith("en")
    zh = (
        f"{origin.name or '陳情人'} 您好：\n\n您的陳情（案號 {origin.case_number}）已處理完畢。"
        f"為了改進服務，敬請撥冗填寫約 2 分鐘的處理滿意度問卷（連結僅能使用一次）：\n{link}\n\n"
        f"{agency.name_zh if agency else ''} 敬上\n"
    )
    en = (
        f"Dear {origin.name or 'complainant'},\n\nYour complaint (case {origin.case_number}) "
        "has been closed. Please tell us how satisfied you are with how it was handled "
        f"(about 2 minutes; the link works once):\n{link}\n\n{agency.name_en if agency else ''}\n"
    )
    return [
        Mail(
            to=origin.email,
            subject=(
                f"How did we handle your complaint? ({origin.case_number})"
                if english
                else f"陳情處理滿意度調查（案號 {origin.case_number}）"
            ),
            body=f"{en}\n-----\n\n{zh}" if english else f"{zh}\n-----\n\n{en}",
            agency_id=case.agency_id,
            agency_code=agency.code if agency else "",
        )
    ]
