"""Sending e-mail: through SMTP, or into an outbox folder (development and tests).

Messages are built with :class:`email.message.EmailMessage` (never by joining
header strings), every address is checked by :func:`check_address` (one plain
address, no CR/LF, no display name, no list), and header values are stripped of
control characters before they are set, so a header injection cannot happen:
a bad address is refused with :class:`MailError` before anything is sent.

Configuration (``collector.core.config``):

- ``MAIL_BACKEND``: ``"outbox"`` (default) writes ``.eml`` files into
  ``MAIL_OUTBOX_DIR`` (default ``instance/outbox``), one folder per agency
  id, each message carrying an ``X-Collector-Agency`` header; the staff
  console's outbox page (``/staff/outbox``, only with this backend) shows an
  agency its own messages.
  ``"smtp"`` sends through ``MAIL_SMTP_HOST``/``MAIL_SMTP_PORT``, with
  ``MAIL_SMTP_STARTTLS`` and ``MAIL_SMTP_USER``/``MAIL_SMTP_PASSWORD`` when set.
- ``MAIL_FROM``: the sender address.

The outbox holds live one-time links: it is a development aid, not a production
mail store.

Requests do not call :func:`send`: they store their messages in the mail outbox
table with the change that causes them, and a background job sends each through
:func:`send` after the commit (``collector.mailqueue.outbox``). A message's ``key``
keeps its ``Message-ID`` and outbox file name the same on every attempt.
"""

from __future__ import annotations

import os
import re
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from flask import Flask

AGENCY_HEADER = "X-Collector-Agency"

# One plain address: a conservative local part and a dotted host name. No spaces,
# quotes, angle brackets, commas or semicolons (lists), and no control characters.
_ADDRESS = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
_KEY = re.compile(r"[^0-9A-Za-z_-]")
OUTBOX_NAME = re.compile(r"^[0-9A-Za-z_-]{1,80}\.eml$")
MAX_ADDRESS = 254


class MailError(ValueError):
    """A message that cannot be sent as asked (a bad address, a failed SMTP exchange)."""


def check_address(value: Any) -> str:
    """``value`` as one plain e-mail address (lower-cased), or :class:`MailError`."""
    if not isinstance(value, str):
        raise MailError("not an address")
    if _CONTROL.search(value):
        raise MailError("an address may not contain line breaks or control characters")
    address = value.strip().lower()
    if not address or len(address) > MAX_ADDRESS or not _ADDRESS.match(address):
        raise MailError("not a single e-mail address")
    return address


def header_text(value: str, limit: int = 200) -> str:
    """A header value: control characters (CR, LF...) become spaces, whitespace collapsed."""
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


@dataclass
class Mail:
    """One plain-text message to one recipient."""

    to: str
    subject: str
    body: str
    agency_id: int | None = None
    agency_code: str = ""
    reference: str = ""
    """What the message is about (``complaint:<id>``), kept with it in the mail outbox
    so the page of that thing can say when its message failed; never personal data."""
    key: str = ""
    """A stable name (``collector.mailqueue``): the same ``Message-ID`` and outbox file
    on every attempt, so a message sent again is recognisable and filed once."""


def build(app: Flask, mail: Mail) -> EmailMessage:
    """The message, with checked addresses and clean headers."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = check_address(app.config["MAIL_FROM"])
    message["To"] = check_address(mail.to)
    message["Subject"] = header_text(mail.subject)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = message["From"].split("@", 1)[1]
    key = _KEY.sub("", mail.key)[:80]
    message["Message-ID"] = f"<{key}@{domain}>" if key else make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    if mail.agency_id is not None:
        message[AGENCY_HEADER] = header_text(f"{mail.agency_id} {mail.agency_code}", 80)
    message.set_content(mail.body, subtype="plain", charset="utf-8", cte="8bit")
    return message


def outbox_dir(app: Flask) -> Path:
    configured = app.config.get("MAIL_OUTBOX_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "outbox"


def files_to_outbox(app: Flask) -> bool:
    """Does this installation file its e-mail in the outbox instead of sending it
    (development, demonstrations, tests)? Only then is the outbox shown to staff."""
    return bool(app.config.get("MAIL_BACKEND", "outbox") == "outbox")


def send(app: Flask, mails: list[Mail]) -> list[Mail]:
    """Send (or file) every message; return those that could not be sent.

    Every message is built (and so every address checked) before the first goes out.
    """
    built = [(mail, build(app, mail)) for mail in mails]
    backend = app.config.get("MAIL_BACKEND", "outbox")
    if backend == "outbox":
        for mail, message in built:
            _file(app, mail, message)
        return []
    if backend != "smtp":
        raise MailError(f"unknown MAIL_BACKEND {backend!r}")
    failed: list[Mail] = []
    with _smtp(app) as smtp:
        for mail, message in built:
            try:
                smtp.send_message(message)
            except smtplib.SMTPException:
                failed.append(mail)
    return failed


def _smtp(app: Flask) -> smtplib.SMTP:
    host = app.config["MAIL_SMTP_HOST"]
    port = int(app.config["MAIL_SMTP_PORT"])
    smtp = smtplib.SMTP(host, port, timeout=float(app.config.get("MAIL_SMTP_TIMEOUT", 30)))
    try:
        if app.config.get("MAIL_SMTP_STARTTLS", True):
            smtp.starttls(context=ssl.create_default_context())
        if app.config.get("MAIL_SMTP_USER"):
            smtp.login(app.config["MAIL_SMTP_USER"], app.config.get("MAIL_SMTP_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _file(app: Flask, mail: Mail, message: EmailMessage) -> Path:
    folder = outbox_dir(app) / str(mail.agency_id if mail.agency_id is not None else "system")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = _KEY.sub("", mail.key)[:80]
    if key:  # the same file on every attempt: written whole, then renamed into place
        path = folder / f"{key}.eml"
    else:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = folder / f"{stamp}-{secrets.token_hex(4)}.eml"
    partial = folder / f".{path.name}.{secrets.token_hex(4)}.part"
    partial.write_bytes(message.as_bytes())
    partial.chmod(0o600)
    os.replace(partial, path)
    return path


@dataclass
class OutboxMessage:
    name: str
    to: str
    subject: str
    date: str
    body: str


def outbox_messages(app: Flask, agency_id: int) -> list[str]:
    """File names of ``agency_id``'s messages in the outbox, newest first."""
    folder = outbox_dir(app) / str(agency_id)
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if OUTBOX_NAME.match(p.name) and p.is_file()]
    return sorted(names, reverse=True)


def read_outbox(app: Flask, agency_id: int, name: str) -> OutboxMessage | None:
    """One message of ``agency_id``'s outbox; None for a bad name or another agency's file."""
    if not OUTBOX_NAME.match(name):
        return None
    path = outbox_dir(app) / str(agency_id) / name
    if not path.is_file():
        return None
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    agency_header = str(message.get(AGENCY_HEADER, ""))
    if agency_header.split(" ", 1)[0] != str(agency_id):
        return None
    body_part = message.get_body(preferencelist=("plain",))
    body = body_part.get_content() if body_part is not None else ""
    return OutboxMessage(
        name=name,
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        date=str(message.get("Date", "")),
        body=body,
    )
