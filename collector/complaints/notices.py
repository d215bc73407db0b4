"""What the complainant is told by e-mail when their case moves (received, declined,
supplement asked, extended, transferred, replied, merged), in the case's language
with the other language below, stored in the mail outbox with the change that causes
it and sent by a job once the change has committed (``collector.mailqueue``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlmodel import Session

from collector.access.guard import get_unscoped
from collector.complaints.lifecycle import OPEN
from collector.complaints.records import current_case
from collector.complaints.records import origin_of
from collector.core.i18n import LazyText
from collector.core.i18n import Translator
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.links import public_base
from collector.core.mail import Mail
from collector.core.mail import MailError
from collector.core.mail import check_address
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.mailqueue import outbox

log = logging.getLogger(__name__)

KIND = "complaints.notice"

NOTICES: dict[str, tuple[LazyText, LazyText]] = {
    "received": (
        lazy_gettext("We have received your complaint"),
        lazy_gettext(
            "We have received your complaint and will handle it within the statutory period."
        ),
    ),
    "declined": (
        lazy_gettext("Your complaint will not be processed"),
        lazy_gettext("Under the rules, this complaint will not be processed, for this reason:"),
    ),
    "supplement": (
        lazy_gettext("Please add information to your complaint"),
        lazy_gettext(
            "To handle your complaint we need more information (the deadline is paused until you send it):"
        ),
    ),
    "extended": (
        lazy_gettext("The deadline for your complaint has been extended"),
        lazy_gettext("We need more time to handle your complaint, for this reason:"),
    ),
    "transferred": (
        lazy_gettext("Your complaint has been transferred to another agency"),
        lazy_gettext("Your complaint concerns another agency and has been transferred to:"),
    ),
    "replied": (
        lazy_gettext("The reply to your complaint"),
        lazy_gettext("Here is our reply:"),
    ),
    "merged": (
        lazy_gettext("Your complaint is handled together with another case"),
        lazy_gettext("Your complaint is handled together with a case on the same matter:"),
    ),
}
"""Each notice's subject and opening line."""


def both(message: LazyText, **params: Any) -> dict[str, str]:
    """``extra_zh`` and ``extra_en`` of a notice; a (zh, en) pair is a per-language value."""
    out = {}
    for key, language in (("extra_zh", "zh-Hant-TW"), ("extra_en", "en")):
        values = {
            k: (v[0] if language == "zh-Hant-TW" else v[1]) if isinstance(v, tuple) else v
            for k, v in params.items()
        }
        out[key] = translator(language).render(message, **values)
    return out


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
    subject_text, lead = NOTICES[kind]
    english = origin.language.startswith("en")
    base = public_base(app)
    follow = f"{base}/complaints/follow/{link_token}" if link_token else ""
    where = f"{base}/complaints/follow"

    def part(text: Translator, agency_name: str, extra: str) -> str:
        lines = [
            text.gettext(
                "Dear %(name)s,", name=origin.name or text.pgettext("salutation", "complainant")
            ),
            "",
            text.render(lead),
            extra,
            "",
            text.gettext("Agency: %(agency)s", agency=agency_name),
            text.gettext("Case number: %(number)s", number=origin.case_number),
            text.pgettext("notice", "Subject: %(subject)s", subject=origin.subject),
        ]
        if current.status in OPEN:
            # ISO dates in e-mails: unambiguous in both languages.
            lines.append(text.gettext("Due by: %(date)s", date=current.due_on.isoformat()))
        if follow:
            lines.append(
                text.gettext("Follow your case (do not forward this link): %(link)s", link=follow)
            )
        else:
            lines.append(
                text.gettext("Follow your case with its number and password: %(link)s", link=where)
            )
        return "\n".join(lines)

    zh_text, en_text = translator("zh-Hant-TW"), translator("en")
    zh = part(zh_text, agency.name_zh if agency else "", extra_zh)
    en = part(en_text, agency.name_en if agency else "", extra_en)
    subject = (en_text if english else zh_text).gettext(
        "%(subject)s (%(number)s)",
        subject=(en_text if english else zh_text).render(subject_text),
        number=origin.case_number,
    )
    body = f"{en}\n\n-----\n\n{zh}\n" if english else f"{zh}\n\n-----\n\n{en}\n"
    return [
        Mail(
            to=origin.email,
            subject=subject,
            body=body,
            agency_id=case.agency_id,
            agency_code=agency.code if agency else "",
            reference=reference(case),
        )
    ]


def reference(case: Complaint) -> str:
    """What a case's e-mails are about, in the mail outbox (the case page reads it)."""
    return f"complaint:{case.id}"


def queue(session: Session, app: Flask, mails: Iterable[Mail], kind: str = KIND) -> list[int]:
    """Store the notices in the caller's transaction, to be sent by a job after its
    commit (:func:`deliver`); the jobs' ids. A stored address that no longer passes the
    check (old data) drops its notice, never the change (logged without the address)."""
    kept = []
    for mail in mails:
        try:
            check_address(mail.to)
        except MailError:
            log.warning("a complaint notice was not queued: its stored address is not valid")
            continue
        kept.append(mail)
    return outbox.store(session, app, kept, kind)


def deliver(app: Flask, job_ids: list[int]) -> None:
    """After the commit: queue the sending jobs (never raises; see ``outbox.kick``)."""
    outbox.kick(app, job_ids)
