"""What the complainant is told by e-mail when their case moves (received, declined,
supplement asked, extended, transferred, replied, merged), in the case's language
with the other language below, and sending it once the change has committed."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, has_request_context, request
from sqlmodel import Session

from collector.access.guard import get_unscoped
from collector.complaints.lifecycle import OPEN
from collector.complaints.records import current_case, origin_of
from collector.core.mail import Mail, MailError, send
from collector.core.models import Agency, Complaint

NOTICES: dict[str, tuple[str, str, str, str]] = {
    "received": (
        "已收到您的陳情",
        "We have received your complaint",
        "我們已收到您的陳情，將依規定期限處理。",
        "We have received your complaint and will handle it within the statutory period.",
    ),
    "declined": (
        "您的陳情不予處理",
        "Your complaint will not be processed",
        "依規定，本案不予處理，理由如下：",
        "Under the rules, this complaint will not be processed, for this reason:",
    ),
    "supplement": (
        "請補充陳情資料",
        "Please add information to your complaint",
        "為處理您的陳情，請補充以下資料（補充前處理期限暫停計算）：",
        "To handle your complaint we need more information (the deadline is paused "
        "until you send it):",
    ),
    "extended": (
        "陳情案件展延處理期限",
        "The deadline for your complaint has been extended",
        "本案需延長處理期限，理由如下：",
        "We need more time to handle your complaint, for this reason:",
    ),
    "transferred": (
        "陳情案件已移送其他機關",
        "Your complaint has been transferred to another agency",
        "本案非屬本機關權責，已移送：",
        "Your complaint concerns another agency and has been transferred to:",
    ),
    "replied": (
        "陳情案件處理結果",
        "The reply to your complaint",
        "本案處理情形如下：",
        "Here is our reply:",
    ),
    "merged": (
        "陳情案件已併案處理",
        "Your complaint is handled together with another case",
        "本案與相同事由之案件併案處理：",
        "Your complaint is handled together with a case on the same matter:",
    ),
}


def notice(
    session: Session,
    case: Complaint,
    kind: str,
    *,
    extra_zh: str,
    extra_en: str,
    app: Flask,
    link_token: str | None = None,
) -> list[Mail]:
    """The e-mail telling the complainant what happened, when they gave an address
    and chose e-mail; otherwise nothing (letters are printed from the case page)."""
    origin = origin_of(session, case)
    if origin.anonymous or not origin.email or origin.reply_channel != "email":
        return []
    agency = get_unscoped(session, Agency, case.agency_id, "around an authorised case")
    current = current_case(session, case)
    subject_zh, subject_en, lead_zh, lead_en = NOTICES[kind]
    english = origin.language.startswith("en")
    subject = (
        f"{subject_en} ({origin.case_number})"
        if english
        else f"{subject_zh}（案號 {origin.case_number}）"
    )
    base = public_base(app)
    follow = f"{base}/complaints/follow/{link_token}" if link_token and base else ""
    where = f"{base}/complaints/follow" if base else ""
    lines_zh = [
        f"{origin.name or '陳情人'} 您好：",
        "",
        lead_zh,
        extra_zh,
        "",
        f"機關：{agency.name_zh if agency else ''}",
        f"案號：{origin.case_number}",
        f"案由：{origin.subject}",
    ]
    lines_en = [
        f"Dear {origin.name or 'complainant'},",
        "",
        lead_en,
        extra_en,
        "",
        f"Agency: {agency.name_en if agency else ''}",
        f"Case number: {origin.case_number}",
        f"Subject: {origin.subject}",
    ]
    if current.status in OPEN:
        lines_zh.append(f"預定處理期限：{current.due_on.isoformat()}")
        lines_en.append(f"Due by: {current.due_on.isoformat()}")
    if follow:
        lines_zh.append(f"查詢進度（請勿轉寄此連結）：{follow}")
        lines_en.append(f"Follow your case (do not forward this link): {follow}")
    elif where:
        lines_zh.append(f"以案號及密碼查詢進度：{where}")
        lines_en.append(f"Follow your case with its number and password: {where}")
    zh, en = "\n".join(lines_zh), "\n".join(lines_en)
    body = f"{en}\n\n-----\n\n{zh}\n" if english else f"{zh}\n\n-----\n\n{en}\n"
    return [
        Mail(
            to=origin.email,
            subject=subject,
            body=body,
            agency_id=case.agency_id,
            agency_code=agency.code if agency else "",
        )
    ]


def send_notices(app: Flask, mails: Iterable[Mail]) -> bool:
    """Send after the commit; a failed notice is reported, never loses the change."""
    batch = list(mails)
    if not batch:
        return True
    try:
        return not send(app, batch)
    except (OSError, MailError):
        app.logger.warning("complaint notice not sent", exc_info=True)
        return False


def public_base(app: Flask) -> str:
    """Where links in e-mails point: PUBLIC_BASE_URL, else the current request's host."""
    configured = app.config.get("PUBLIC_BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    return request.host_url.rstrip("/") if has_request_context() else ""
