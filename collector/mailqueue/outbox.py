"""The mail outbox: messages stored with the change that causes them, sent by a job.

:func:`store` adds, in the caller's transaction, one ``mail_message`` row per
message and one ``mail.deliver`` job (``collector.jobs.service.record``) for it, so
a message exists exactly when the change it reports was committed. After the
commit the caller calls :func:`kick` to queue the jobs; a job whose message was
never queued (the process died between the commit and the queueing) is queued by
the job sweeper when its grace lease runs out. A request therefore never waits for
the mail server and never loses its change because the server is down.

Delivery (:func:`deliver`, the job's ``run``):

1. the row is claimed (``queued``/``sending`` -> ``sending``, one more attempt) in
   its own committed transaction; a row already ``sent`` or ``failed`` is left alone,
   so a job run twice sends nothing twice;
2. the message is sent through ``collector.core.mail.send``;
3. the row is marked ``sent`` right after, in its own transaction.

A worker killed between 2 and 3 leaves the row ``sending``; the job's lease runs out,
the job runs again and sends the message again: SMTP offers no idempotency, so
delivery is *at least once*. The repeat is harmless to recognise: it carries the
same ``Message-ID`` (made from the row), and the outbox folder backend writes the
same file name, so there the message is filed exactly once. A failed send is
recorded (``last_error``: the error's kind and SMTP code, never an address or the
text) and retried with back-off; after the last attempt the row is ``failed`` and
the job is listed as failed on the jobs page and the console overview.

Retention: a row keeps its recipient, subject and body only as long as needed.
Rows stored with ``transient`` (the staff survey's one-time links: their token is
never kept anywhere else) are erased the moment they are sent or failed; every other
row is erased by the worker's sweep ``MAIL_RETENTION_DAYS`` after it was sent or
failed. The row itself (kind, agency, state, attempts, times) stays as a record.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import CheckConstraint
from sqlalchemy import Column
from sqlalchemy import CursorResult
from sqlalchemy import Index
from sqlalchemy import Text
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlmodel import Field
from sqlmodel import Session
from sqlmodel import SQLModel
from sqlmodel import col

from collector.access.guard import unscoped
from collector.access.scoped import scoped
from collector.core import clock
from collector.core.db import session_scope
from collector.core.hooktypes import JobKind
from collector.core.i18n import lazy_gettext
from collector.core.mail import Mail
from collector.core.mail import MailError
from collector.core.mail import check_address
from collector.core.mail import send
from collector.core.models import Job
from collector.jobs import service as jobs
from collector.jobs.runner import JobContext

log = logging.getLogger(__name__)

KIND = "mail.deliver"
QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
STATES = (QUEUED, SENDING, SENT, FAILED)
MAX_ERROR = 300
WHY = "mail delivery: one message by its id, for the worker that holds its job"


class MailMessage(SQLModel, table=True):
    """One e-mail to send (or sent): its text until erased, and what became of it."""

    __tablename__ = "mail_message"
    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'failed')", name="ck_mail_message_state"
        ),
        Index("ix_mail_message_agency_created", "agency_id", "created_at"),
        Index("ix_mail_message_state_created", "state", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    agency_code: str = Field(default="", max_length=32)
    kind: str = Field(max_length=64)
    reference: str | None = Field(default=None, max_length=64, index=True)
    recipient: str | None = Field(default=None, max_length=254)
    subject: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    transient: bool = False
    state: str = Field(default=QUEUED, max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=MAX_ERROR)
    job_id: int | None = Field(default=None, index=True)
    created_at: datetime
    sent_at: datetime | None = None
    erased_at: datetime | None = None


class MailNotSent(RuntimeError):
    """A delivery attempt failed; the message says why without the address or text."""


def store(
    session: Session,
    app: Flask,
    mails: Iterable[Mail],
    kind: str,
    *,
    transient: bool = False,
) -> list[int]:
    """Store ``mails`` and their delivery jobs in the caller's transaction; the ids of
    the jobs, for :func:`kick` after the commit. Every address is checked first
    (:class:`MailError`: nothing is stored)."""
    batch = [(check_address(m.to), m) for m in mails]
    now = clock.now(app)
    job_ids: list[int] = []
    for address, mail in batch:
        row = MailMessage(
            agency_id=mail.agency_id,
            agency_code=mail.agency_code[:32],
            kind=kind[:64],
            reference=mail.reference[:64] or None,
            recipient=address,
            subject=mail.subject,
            body=mail.body,
            transient=transient,
            created_at=now,
        )
        session.add(row)
        session.flush()
        job = jobs.record(session, app, KIND, agency_id=mail.agency_id, parameters={"mail": row.id})
        assert job.id is not None
        row.job_id = job.id
        session.add(row)
        job_ids.append(job.id)
    session.flush()
    return job_ids


def kick(app: Flask, job_ids: Sequence[int]) -> None:
    """Queue the delivery jobs of messages just committed; never raises (a job not
    queued now is queued by the job sweeper after its grace lease)."""
    if not job_ids:
        return
    try:
        kind = jobs.kind_of(app, KIND)
        for job_id in job_ids:
            jobs.enqueue(app, job_id, kind, retries=kind.retries)
    except Exception:
        log.exception("could not queue %d e-mail(s) now; the job sweeper will", len(job_ids))


def _set(session: Session, mail_id: int, *where: Any, **values: Any) -> int:
    statement = update(MailMessage).where(col(MailMessage.id) == mail_id, *where).values(**values)
    result: CursorResult[Any] = session.execute(unscoped(statement, WHY))  # type: ignore[assignment]  # an UPDATE's result is a CursorResult
    return int(result.rowcount)


ERASED: dict[str, Any] = {"recipient": None, "subject": None, "body": None}


def claim(app: Flask, mail_id: int) -> MailMessage | None:
    """Take the message for one attempt (committed); None when it was sent, failed or
    erased already (a repeated job sends nothing)."""
    with session_scope(app) as session:
        taken = _set(
            session,
            mail_id,
            col(MailMessage.state).in_((QUEUED, SENDING)),
            col(MailMessage.erased_at).is_(None),
            state=SENDING,
            attempts=MailMessage.attempts + 1,
        )
        if not taken:
            return None
        row: MailMessage | None = session.execute(
            unscoped(select(MailMessage).where(col(MailMessage.id) == mail_id), WHY)
        ).scalar()
        return row


def failed_about(session: Session, reference: str, action: str) -> int:
    """How many messages about ``reference`` failed for good, among those of the agencies
    where the person may do ``action`` (a case page: its notices that never arrived)."""
    statement = (
        select(func.count())
        .select_from(MailMessage)
        .where(col(MailMessage.reference) == reference, col(MailMessage.state) == FAILED)
    )
    return int(session.execute(scoped(statement, action)).scalar_one())


def message_key(row: MailMessage) -> str:
    """The message's stable name: its ``Message-ID`` and outbox file name on every attempt."""
    return f"{row.created_at:%Y%m%dT%H%M%S%f}Z-m{row.id:010d}"


def mark_sent(app: Flask, row: MailMessage) -> None:
    assert row.id is not None
    values: dict[str, Any] = {"state": SENT, "sent_at": clock.now(app), "last_error": None}
    if row.transient:
        values.update(ERASED, erased_at=clock.now(app))
    with session_scope(app) as session:
        _set(session, row.id, col(MailMessage.state) == SENDING, **values)


def mark_unsent(app: Flask, row: MailMessage, error: str, *, final: bool) -> None:
    assert row.id is not None
    values: dict[str, Any] = {"state": FAILED if final else QUEUED, "last_error": error[:MAX_ERROR]}
    if final and row.transient:
        values.update(ERASED, erased_at=clock.now(app))
    with session_scope(app) as session:
        _set(session, row.id, col(MailMessage.state) == SENDING, **values)


def safe_error(exc: BaseException) -> str:
    """What went wrong, without the address or text (an SMTP error's message may
    quote the recipient): the error's kind and SMTP code."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "SMTPRecipientsRefused: the mail server refused the recipient"
    if code is not None:
        return f"{type(exc).__name__}: SMTP {code}"
    return type(exc).__name__


def deliver(context: JobContext) -> None:
    """The ``mail.deliver`` job: send one stored message (see the module's docstring)."""
    app = context.app
    row = claim(app, int(context.parameters["mail"]))
    if row is None:
        return
    mail = Mail(
        to=row.recipient or "",
        subject=row.subject or "",
        body=row.body or "",
        agency_id=row.agency_id,
        agency_code=row.agency_code,
        key=message_key(row),
    )
    try:
        refused = send(app, [mail])
        error = "the mail server refused the message" if refused else None
    except (OSError, smtplib.SMTPException, MailError) as exc:
        error = safe_error(exc)
    if error is None:
        mark_sent(app, row)
        return
    final = context.job.attempts >= context.job.max_attempts
    mark_unsent(app, row, error, final=final)
    raise MailNotSent(f"e-mail {row.id} not sent: {error}")


def sweep(app: Flask) -> tuple[int, int]:
    """The kind's sweep: fail the messages whose job failed without them (its worker
    died during every attempt), and erase old messages. Returns (failed, erased)."""
    now = clock.now(app)
    with session_scope(app) as session:
        orphans = select(col(Job.id)).where(col(Job.kind) == KIND, col(Job.status) == jobs.FAILED)
        stuck = (
            update(MailMessage)
            .where(
                col(MailMessage.state).in_((QUEUED, SENDING)),
                col(MailMessage.job_id).in_(orphans),
            )
            .values(state=FAILED, last_error="the worker stopped during every attempt")
        )
        failed: CursorResult[Any] = session.execute(unscoped(stuck, WHY))  # type: ignore[assignment]  # an UPDATE's result is a CursorResult
        erased = erase_old(session, app, now)
    return int(failed.rowcount), erased


def erase_old(session: Session, app: Flask, now: datetime) -> int:
    """Erase the address, subject and body of messages sent (or failed) longer than
    ``MAIL_RETENTION_DAYS`` ago, and of transient ones that ended."""
    cutoff = now - timedelta(days=float(app.config["MAIL_RETENTION_DAYS"]))
    statement = (
        update(MailMessage)
        .where(
            col(MailMessage.erased_at).is_(None),
            or_(
                and_(col(MailMessage.state) == SENT, col(MailMessage.sent_at) < cutoff),
                and_(col(MailMessage.state) == FAILED, col(MailMessage.created_at) < cutoff),
                and_(
                    col(MailMessage.transient).is_(True),
                    col(MailMessage.state).in_((SENT, FAILED)),
                ),
            ),
        )
        .values(**ERASED, erased_at=now)
    )
    result: CursorResult[Any] = session.execute(unscoped(statement, WHY))  # type: ignore[assignment]  # an UPDATE's result is a CursorResult
    return int(result.rowcount)


def sweep_kind(app: Flask) -> Any:
    failed, erased = sweep(app)
    if failed or erased:
        log.info("mail outbox: %d marked failed, %d erased", failed, erased)
    return failed, erased


DELIVER = JobKind(
    name=KIND,
    run=deliver,
    action="jobs.monitor",
    title=lazy_gettext("Sending an e-mail"),
    retries=6,
    retry_delay=60.0,
    retry_backoff=2.0,
    sweep=sweep_kind,
)
"""Six retries, 1, 2, 4, 8, 16 and 32 minutes after each failure: a mail server down
for about an hour loses nothing; then the message is failed and listed."""
