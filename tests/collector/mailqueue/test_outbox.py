"""The mail outbox: stored with the change, sent by its job after the commit, retried,
failed visibly, erased after its retention; at least once when a worker dies mid-way."""

from __future__ import annotations

import json
import signal
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy import update

from collector.access.identity import actor_for_user
from collector.access.scoped import scoped
from collector.core import mail
from collector.core.db import session_scope
from collector.core.mail import Mail
from collector.core.models import Agency
from collector.core.models import Job
from collector.core.models import User
from collector.jobs import service
from collector.jobs.worker import drain
from collector.mailqueue import outbox
from collector.mailqueue.outbox import MailMessage
from collector.testing.staff import Clock
from collector.testing.web import client_as
from tests.helpers import jobs as job_helpers
from tests.helpers.jobs import job_row

ADDRESS = "chen.mei@example.test"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mapp(make_app: Any, tmp_path: Path, clock: Clock) -> Flask:
    return make_app(
        seed="staff", CLOCK=clock, MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), MAIL_FROM="a@b.tw"
    )


def agency_id(app: Flask, code: str = "alpha") -> int:
    with session_scope(app) as session:
        return int(session.execute(select(Agency.id).where(Agency.code == code)).scalar_one())


def queue(app: Flask, code: str = "alpha", *, transient: bool = False, to: str = ADDRESS) -> int:
    """One message stored (committed) and its job queued, as a request does; its row id."""
    agency = agency_id(app, code)
    with session_scope(app) as session:
        [job_id] = outbox.store(
            session,
            app,
            [Mail(to=to, subject="主旨", body="內文 https://x.test/t/secret", agency_id=agency)],
            "tests.mail",
            transient=transient,
        )
    outbox.kick(app, [job_id])
    return row_of_job(app, job_id).id or 0


def row_of_job(app: Flask, job_id: int) -> MailMessage:
    with session_scope(app) as session:
        row = session.execute(select(MailMessage).where(MailMessage.job_id == job_id)).scalar_one()
        session.expunge(row)
        return row


def row(app: Flask, mail_id: int) -> MailMessage:
    with session_scope(app) as session:
        found = session.execute(select(MailMessage).where(MailMessage.id == mail_id)).scalar_one()
        session.expunge(found)
        return found


def filed(app: Flask) -> list[Path]:
    return sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*/*.eml"))


class FakeSMTP:
    """``smtplib.SMTP`` that records what it sends, or fails as told."""

    sent: list[Any] = []
    fail_connect: int = 0
    refuse: bool = False

    def __init__(self, host: str, port: int, timeout: float = 0) -> None:
        if FakeSMTP.fail_connect > 0:
            FakeSMTP.fail_connect -= 1
            raise ConnectionRefusedError(111, "Connection refused")

    def starttls(self, **_: Any) -> None:
        pass

    def login(self, *_: Any) -> None:
        pass

    def send_message(self, message: Any) -> None:
        if FakeSMTP.refuse:
            to = str(message["To"])
            raise smtplib.SMTPRecipientsRefused({to: (550, f"no mailbox {to}".encode())})
        FakeSMTP.sent.append(message)

    def close(self) -> None:
        pass

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *_: Any) -> None:
        pass


@pytest.fixture
def smtp(mapp: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeSMTP]]:
    FakeSMTP.sent, FakeSMTP.fail_connect, FakeSMTP.refuse = [], 0, False
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    mapp.config["MAIL_BACKEND"] = "smtp"
    yield FakeSMTP


@pytest.fixture(params=["sqlite", "redis"])
def queue_app(
    request: pytest.FixtureRequest, make_app: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Flask]:
    app = job_helpers.queue_app(
        request, make_app, monkeypatch, MAIL_OUTBOX_DIR=str(tmp_path / "outbox")
    )
    yield app
    job_helpers.forget_redis_queue(app)


def test_a_message_waits_for_its_job_then_is_filed_once_on_each_queue(queue_app: Flask) -> None:
    mail_id = queue(queue_app)
    stored = row(queue_app, mail_id)
    assert (stored.state, stored.attempts, stored.recipient) == ("queued", 0, ADDRESS)
    assert filed(queue_app) == []  # nothing is sent before the job runs
    drain(queue_app)
    [path] = filed(queue_app)
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert message["To"] == ADDRESS and "secret" in message.get_body().get_content()
    assert message["Message-ID"] == f"<{outbox.message_key(stored)}@collector.invalid>"
    sent = row(queue_app, mail_id)
    assert (sent.state, sent.attempts) == ("sent", 1) and sent.sent_at is not None
    assert job_row(queue_app, sent.job_id or 0).status == "done"
    # The same job queued again (a repeated message) sends nothing twice.
    outbox.kick(queue_app, [sent.job_id or 0])
    drain(queue_app)
    assert len(filed(queue_app)) == 1 and row(queue_app, mail_id).attempts == 1


def test_nothing_is_stored_when_the_change_rolls_back(mapp: Flask) -> None:
    with pytest.raises(RuntimeError), session_scope(mapp) as session:
        outbox.store(session, mapp, [Mail(to=ADDRESS, subject="s", body="b")], "tests.mail")
        raise RuntimeError("the change failed")
    with session_scope(mapp) as session:
        assert session.execute(select(MailMessage)).first() is None
        assert session.execute(select(Job)).first() is None


def test_a_bad_address_is_refused_before_anything_is_stored(mapp: Flask) -> None:
    with pytest.raises(mail.MailError), session_scope(mapp) as session:
        outbox.store(session, mapp, [Mail(to="a@b.tw\r\nBcc: x@y.tw", subject="s", body="b")], "t")
    with session_scope(mapp) as session:
        assert session.execute(select(MailMessage)).first() is None


def test_a_mail_server_down_is_retried_with_back_off_then_sends(
    mapp: Flask, smtp: type[FakeSMTP]
) -> None:
    smtp.fail_connect = 2
    mail_id = queue(mapp)
    drain(mapp)  # the first attempt fails; the retry waits for its delay
    waiting = row(mapp, mail_id)
    assert (waiting.state, waiting.attempts) == ("queued", 1)
    assert waiting.last_error == "ConnectionRefusedError"
    job = job_row(mapp, waiting.job_id or 0)
    assert job.status == "queued" and job.lease_until and job.lease_until > time.time() + 30
    assert smtp.sent == []
    drain(mapp, scheduled=True)  # the retries, now
    sent = row(mapp, mail_id)
    assert (sent.state, sent.attempts, sent.last_error) == ("sent", 3, None)
    assert len(smtp.sent) == 1
    assert outbox.DELIVER.retries == 6 and outbox.DELIVER.retry_backoff == 2.0


def test_after_every_attempt_the_message_fails_visibly_without_its_address(
    mapp: Flask, smtp: type[FakeSMTP], caplog: pytest.LogCaptureFixture
) -> None:
    smtp.refuse = True
    mail_id = queue(mapp)
    drain(mapp, scheduled=True)
    failed = row(mapp, mail_id)
    assert (failed.state, failed.attempts) == ("failed", outbox.DELIVER.retries + 1)
    job = job_row(mapp, failed.job_id or 0)
    assert job.status == "failed"
    for text in (failed.last_error or "", job.error or "", caplog.text):
        assert ADDRESS not in text and "secret" not in text
    assert "refused" in (failed.last_error or "")
    # Where administrators look: the console's failed jobs and the jobs page.
    admin = client_as(mapp, "admin@alpha.example.test")
    assert "寄送電子郵件" in admin.get(f"/staff/jobs/{job.id}").get_data(as_text=True)
    assert f"/staff/jobs/{job.id}" in admin.get("/staff/").get_data(as_text=True)
    other = client_as(mapp, "admin@beta.example.test")
    assert other.get(f"/staff/jobs/{job.id}").status_code == 404


def test_an_agency_sees_only_its_own_messages(mapp: Flask) -> None:
    mine, theirs = queue(mapp, "alpha"), queue(mapp, "beta")
    with mapp.test_request_context(), session_scope(mapp) as session:
        user = session.execute(
            select(User).where(User.email == "admin@alpha.example.test")
        ).scalar_one()
        actor = actor_for_user(user, source="test", db=session)
        ids = session.execute(scoped(select(MailMessage.id), "jobs.monitor", actor)).scalars()
        assert set(ids) == {mine} and theirs != mine


def test_a_worker_killed_before_marking_sends_again_at_least_once(
    mapp: Flask, smtp: type[FakeSMTP], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after the SMTP exchange, before the row is marked: the next attempt sends
    again (no idempotency in SMTP), with the same Message-ID so the copy is recognisable."""
    calls = []
    real = outbox.mark_sent

    def killed_once(app: Flask, found: MailMessage) -> None:
        calls.append(found.id)
        if len(calls) == 1:
            raise OSError("the worker died here")
        real(app, found)

    monkeypatch.setattr(outbox, "mark_sent", killed_once)
    mail_id = queue(mapp)
    drain(mapp, scheduled=True)
    assert row(mapp, mail_id).state == "sent"
    assert len(smtp.sent) == 2
    assert smtp.sent[0]["Message-ID"] == smtp.sent[1]["Message-ID"]


def test_the_outbox_folder_files_a_resent_message_once(
    mapp: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = outbox.mark_sent

    def killed_once(app: Flask, found: MailMessage) -> None:
        calls.append(found.id)
        if len(calls) == 1:
            raise OSError("the worker died here")
        real(app, found)

    monkeypatch.setattr(outbox, "mark_sent", killed_once)
    mail_id = queue(mapp)
    drain(mapp, scheduled=True)
    assert len(calls) == 2 and len(filed(mapp)) == 1 and row(mapp, mail_id).state == "sent"


def test_a_worker_that_died_holding_the_message_leaves_it_to_the_sweeper(mapp: Flask) -> None:
    """Claimed (``sending``) by a worker that then vanished: the job's lease runs out,
    the sweeper queues it again, and the next worker sends it."""
    mail_id = queue(mapp)
    job_id = row(mapp, mail_id).job_id or 0
    with session_scope(mapp) as session:  # what the dead worker left
        session.execute(
            update(MailMessage).where(MailMessage.id == mail_id).values(state="sending", attempts=1)
        )
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="running", attempts=1, claim="dead", lease_until=time.time() + 60)
        )
    drain(mapp)  # the message finds the job held: it is dropped, as if the dead worker took it
    assert filed(mapp) == []
    with session_scope(mapp) as session:  # the dead worker's lease runs out
        session.execute(update(Job).where(Job.id == job_id).values(lease_until=time.time() - 1))
    assert service.sweep(mapp) == [job_id]
    drain(mapp)
    done = row(mapp, mail_id)
    assert (done.state, done.attempts) == ("sent", 2) and len(filed(mapp)) == 1


def test_a_message_whose_job_failed_without_it_is_marked_failed(mapp: Flask) -> None:
    mail_id = queue(mapp)
    job_id = row(mapp, mail_id).job_id or 0
    with session_scope(mapp) as session:
        session.execute(update(Job).where(Job.id == job_id).values(status="failed"))
    assert outbox.sweep(mapp)[0] == 1
    assert row(mapp, mail_id).state == "failed"


def test_addresses_and_texts_are_erased_after_the_retention(mapp: Flask, clock: Clock) -> None:
    old = queue(mapp)
    drain(mapp)
    clock.advance(days=5)
    recent = queue(mapp)
    drain(mapp)
    clock.advance(days=2, hours=1)  # old: 7 days and an hour; recent: 2 days
    assert outbox.sweep(mapp) == (0, 1)
    erased, kept = row(mapp, old), row(mapp, recent)
    assert (erased.recipient, erased.subject, erased.body) == (None, None, None)
    assert erased.erased_at is not None and erased.state == "sent"
    assert kept.recipient == ADDRESS and kept.body and kept.erased_at is None


def test_a_transient_message_is_erased_as_soon_as_it_is_sent(mapp: Flask) -> None:
    mail_id = queue(mapp, transient=True)
    assert row(mapp, mail_id).body  # held only until sent
    drain(mapp)
    sent = row(mapp, mail_id)
    assert sent.state == "sent" and (sent.recipient, sent.subject, sent.body) == (None, None, None)
    assert len(filed(mapp)) == 1


def test_the_retention_is_a_setting(mapp: Flask, clock: Clock) -> None:
    mapp.config["MAIL_RETENTION_DAYS"] = 1
    mail_id = queue(mapp)
    drain(mapp)
    clock.advance(days=1, minutes=1)
    outbox.sweep(mapp)
    assert row(mapp, mail_id).recipient is None


def test_a_sent_message_is_erased_after_the_retention_by_the_worker_sweep(
    mapp: Flask, clock: Clock
) -> None:
    """The kind's sweep is what the worker's sweeper calls every ``JOBS_SWEEP_SECONDS``."""
    mail_id = queue(mapp)
    drain(mapp)
    clock.advance(days=8)
    assert outbox.DELIVER.sweep is not None
    outbox.DELIVER.sweep(mapp)
    assert row(mapp, mail_id).body is None
    assert timedelta(days=8) > timedelta(days=mapp.config["MAIL_RETENTION_DAYS"])


def test_a_worker_process_sends_the_message_on_each_queue(queue_app: Flask) -> None:
    """A worker of its own (as ``collector worker`` or the one beside ``collector serve``)
    delivers a message stored by another process, on SQLite and on Redis."""
    mail_id = queue(queue_app)
    keys = ("DATABASE_URL", "QUEUE_URL", "QUEUE_NAME", "JOBS_RESULTS_DIR", "MAIL_OUTBOX_DIR")
    settings = {k: queue_app.config[k] for k in keys if queue_app.config.get(k)}
    settings.update(SECRET_KEY="test", JOBS_SWEEP_SECONDS=0.5)
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.jobs_worker", json.dumps(settings)], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 60  # a busy 2-core machine may be slow, never this slow
        while row(queue_app, mail_id).state != "sent" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
    assert row(queue_app, mail_id).state == "sent" and len(filed(queue_app)) == 1
