"""Files stored before a scanner was configured are scanned once it is, by a job the
worker's sweep queues (collector.complaints.rescanning), against a real clamd."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from collector.complaints import attachments
from collector.complaints import rescanning
from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.core.models import ComplaintAttachment
from collector.core.models import ComplaintEvent
from collector.core.models import Job
from collector.jobs.worker import drain
from collector.jobs.worker import sweep_kinds
from tests.helpers import complaints as fd
from tests.helpers.clamd import EICAR
from tests.helpers.clamd import FOUND
from tests.helpers.web import login


@pytest.fixture
def held_app(staff_app: Flask, tmp_path: Path) -> Flask:
    staff_app.config["COMPLAINT_ATTACHMENT_DIR"] = str(tmp_path / "files")
    return staff_app


def scans(app: Flask) -> dict[int, str]:
    """Each case's one attachment's scan state."""
    with session_scope(app) as session:
        rows = session.execute(select(ComplaintAttachment)).scalars()
        return {r.complaint_id: r.scan for r in rows}


def scan_jobs(app: Flask) -> list[Job]:
    with session_scope(app) as session:
        found = list(session.execute(select(Job).where(Job.kind == rescanning.KIND)).scalars())
        session.expunge_all()
        return found


def test_held_files_are_scanned_once_a_scanner_is_configured(
    held_app: Flask, clamd_socket: Path
) -> None:
    app = held_app
    roads = fd.add_category(app, "alpha", "roads")
    clean_case = fd.file_case(app, "alpha", roads, files=("照片說明\n".encode(),)).case
    bad_case = fd.file_case(app, "alpha", roads, files=(b"note: " + EICAR + b"\n",)).case
    released = fd.file_case(app, "beta", fd.add_category(app, "beta"), files=(b"ok\n",)).case
    fd.release_files(app, released.id, "admin@beta.example.test")
    held, released_state = attachments.HELD, attachments.RELEASED
    assert scans(app) == {clean_case.id: held, bad_case.id: held, released.id: released_state}
    assert rescanning.schedule(app) is None  # no scanner yet: nothing queued
    [bad_file] = [
        Path(app.config["COMPLAINT_ATTACHMENT_DIR"]) / stored
        for stored in _stored_names(app, bad_case.id)
    ]
    assert bad_file.exists()

    app.config["ATTACHMENT_SCANNER"] = f"clamd://{clamd_socket}"
    sweep_kinds(app)  # what the worker's sweeper does every JOBS_SWEEP_SECONDS
    assert rescanning.schedule(app) is None  # one is queued already
    drain(app)
    [job] = scan_jobs(app)
    assert job.status == "done", job.error
    assert job.agency_id is None
    assert job.message == "已掃描：2 個檔案無毒，1 個已移除；0 個在磁碟上找不到。"
    rows = scans(app)
    with session_scope(app) as session:
        history = [
            (e.kind, e.detail)
            for e in session.execute(
                select(ComplaintEvent).where(ComplaintEvent.complaint_id == bad_case.id)
            ).scalars()
        ]
        audited = session.execute(
            select(AuditEvent).where(AuditEvent.action == "complaint.attachment_removed")
        ).scalar_one()
    assert rows == {clean_case.id: attachments.CLEAN, released.id: attachments.CLEAN}
    assert not bad_file.exists()
    assert ("attachment_removed", history[-1][1]) == history[-1] and FOUND in history[-1][1]
    assert audited.agency_id == bad_case.agency_id and FOUND in audited.detail
    assert rescanning.schedule(app) is None  # nothing unchecked is left

    client, _auth = login(app, fd.ADMIN)
    page = client.get(f"/staff/cases/{bad_case.id}").text
    assert "附件已移除：防毒掃描發現惡意程式" in page
    assert f"「file0.txt」：防毒掃描發現 {FOUND}，檔案已刪除。" in page
    [att_id] = _ids(app, clean_case.id)
    served = client.get(f"/staff/cases/{clean_case.id}/attachments/{att_id}")
    assert served.status_code == 200 and served.data == "照片說明\n".encode()


def test_a_scanner_that_gives_no_verdict_changes_nothing(held_app: Flask, tmp_path: Path) -> None:
    app = held_app
    roads = fd.add_category(app, "alpha", "roads")
    fd.file_case(app, "alpha", roads, files=(b"hello\n",))
    app.config["ATTACHMENT_SCANNER"] = f"clamd://{tmp_path / 'no-such.sock'}"
    scanner = attachments.scanning.scanner_for(app)
    assert scanner is not None
    done = rescanning.scan_unchecked(app, scanner)
    assert done.no_verdict and (done.clean, done.removed) == (0, 0)
    assert list(scans(app).values()) == [attachments.HELD]


def _stored_names(app: Flask, case_id: int) -> list[str]:
    with session_scope(app) as session:
        statement = select(ComplaintAttachment.stored_name).where(
            ComplaintAttachment.complaint_id == case_id
        )
        return list(session.execute(statement).scalars())


def _ids(app: Flask, case_id: int) -> list[int]:
    with session_scope(app) as session:
        statement = select(ComplaintAttachment.id).where(
            ComplaintAttachment.complaint_id == case_id
        )
        return [int(i) for i in session.execute(statement).scalars()]
