"""E-mail: address checks, header injection, the outbox and SMTP."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from collector.core import mail
from collector.core.mail import Mail
from collector.core.mail import MailError
from collector.core.mail import check_address


@pytest.fixture
def mail_app(make_app: Any, tmp_path: Path) -> Flask:
    return make_app(MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), MAIL_FROM="survey@agency.gov.tw")


@pytest.mark.parametrize(
    "value",
    ["a@b.tw", "Chen.Mei-Ling@moi.gov.tw", "x+tag@example.com", "  UPPER@Example.COM  "],
)
def test_plain_addresses_are_accepted(value: str) -> None:
    assert check_address(value) == value.strip().lower()


@pytest.mark.parametrize(
    "value",
    [
        "a@b.tw\r\nBcc: evil@example.test",
        "a@b.tw\nBcc: evil@example.test",
        "a@b.tw\rx",
        "a@b.tw, b@c.tw",
        "a@b.tw; b@c.tw",
        "Name <a@b.tw>",
        '"a b"@c.tw',
        "a@b@c.tw",
        "a@b",
        "@b.tw",
        "a@",
        "",
        "a\x00@b.tw",
        "a@b.tw\u2028",
        "x" * 250 + "@b.tw",
        None,
    ],
)
def test_anything_but_one_plain_address_is_refused(value: Any) -> None:
    with pytest.raises(MailError):
        check_address(value)


def test_a_message_is_plain_text_with_clean_headers(mail_app: Flask) -> None:
    message = mail.build(
        mail_app,
        Mail(
            to="a@b.tw",
            subject="甲機關\r\nBcc: evil@example.test",
            body="內文 <script>x</script>\nsecond line",
            agency_id=7,
            agency_code="alpha",
        ),
    )
    raw = message.as_bytes()
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "甲機關 Bcc: evil@example.test"
    assert parsed["To"] == "a@b.tw"
    assert parsed["X-Collector-Agency"] == "7 alpha"
    assert parsed.get_content_type() == "text/plain"
    assert "<script>x</script>" in parsed.get_content()  # plain text: nothing runs it


def test_a_bad_recipient_stops_the_whole_batch_before_anything_is_sent(mail_app: Flask) -> None:
    good = Mail(to="a@b.tw", subject="s", body="b", agency_id=1)
    bad = Mail(to="a@b.tw\r\nBcc: x@y.tw", subject="s", body="b", agency_id=1)
    with pytest.raises(MailError):
        mail.send(mail_app, [good, bad])
    assert mail.outbox_messages(mail_app, 1) == []


def test_the_outbox_files_and_reads_messages_per_agency(mail_app: Flask) -> None:
    assert mail.send(mail_app, [Mail(to="a@b.tw", subject="hi", body="body", agency_id=3)]) == []
    names = mail.outbox_messages(mail_app, 3)
    assert len(names) == 1
    message = mail.read_outbox(mail_app, 3, names[0])
    assert message is not None and message.to == "a@b.tw" and message.body.strip() == "body"
    assert mail.outbox_messages(mail_app, 4) == []
    assert mail.read_outbox(mail_app, 4, names[0]) is None  # another agency's folder
    assert mail.read_outbox(mail_app, 3, "../3/" + names[0]) is None
    assert mail.read_outbox(mail_app, 3, "../../secret_key") is None
    # A file moved into another agency's folder is not shown there (header mismatch).
    folder = mail.outbox_dir(mail_app)
    (folder / "4").mkdir()
    (folder / "3" / names[0]).rename(folder / "4" / names[0])
    assert mail.read_outbox(mail_app, 4, names[0]) is None


class FakeSMTP:
    sent: list[Any] = []
    calls: list[str] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.calls.append(f"connect {host}:{port}")

    def starttls(self, context: Any) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(f"login {user}")

    def send_message(self, message: Any) -> None:
        if message["To"] == "fail@b.tw":
            import smtplib

            raise smtplib.SMTPRecipientsRefused({})
        self.sent.append(message)

    def close(self) -> None:
        self.calls.append("close")

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def test_smtp_sends_with_starttls_and_login_and_reports_failures(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(
        MAIL_BACKEND="smtp",
        MAIL_SMTP_HOST="smtp.example.test",
        MAIL_SMTP_PORT=2525,
        MAIL_SMTP_USER="robot",
        MAIL_SMTP_PASSWORD="pw",
    )
    FakeSMTP.sent, FakeSMTP.calls = [], []
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    failed = mail.send(
        app,
        [
            Mail(to="ok@b.tw", subject="s", body="b"),
            Mail(to="fail@b.tw", subject="s", body="b"),
        ],
    )
    assert [m.to for m in failed] == ["fail@b.tw"]
    assert [m["To"] for m in FakeSMTP.sent] == ["ok@b.tw"]
    assert FakeSMTP.calls[:3] == ["connect smtp.example.test:2525", "starttls", "login robot"]
    assert FakeSMTP.calls[-1] == "close"
