"""Scanning the attachments no scanner has checked, once a scanner is configured.

Without ``ATTACHMENT_SCANNER`` uploads are stored ``held`` (served to nobody until a
handler releases them ``released``), and files stored before scanning existed are
``unscanned``. When an installation configures a scanner, the worker's sweep queues a
``complaints.scan_attachments`` job (:data:`SCAN`) that scans each such file once:

- nothing found: the file becomes ``clean`` (a held one is then served, as any
  scanned upload is);
- a signature found: the file is deleted, its row removed, and the case's history
  says so (``attachment_removed``, staff only: the file's name and the signature);
  the audit log records it too;
- no verdict (the scanner is down or refuses the file): the file stays as it is, to
  be tried at a later sweep.

The job acts for no agency (the system's own work), reads the rows unscoped and
touches nothing but the attachments and their cases' history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.guard import get_unscoped
from collector.access.guard import unscoped
from collector.complaints import attachments
from collector.complaints import records
from collector.complaints import scanning
from collector.core.db import get_engine
from collector.core.db import writing
from collector.core.hooktypes import JobKind
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment
from collector.core.models import Job
from collector.jobs import service as jobs
from collector.jobs.runner import JobContext

log = logging.getLogger(__name__)

KIND = "complaints.scan_attachments"
UNCHECKED = (attachments.HELD, attachments.RELEASED, "unscanned")
"""The scan states of files no scanner has looked at."""
REMOVED = "attachment_removed"
"""The case-history event of a file the scanner found something in."""
LABEL = "scanner"
BATCH = 200
"""Files read per transaction: a long backlog is committed piece by piece."""
WHY = "the attachment scan reads every agency's unchecked files (system work)"


@dataclass
class Scanned:
    """What one run did."""

    clean: int = 0
    removed: int = 0
    unreadable: int = 0
    no_verdict: bool = False


def unchecked_count(session: Session) -> int:
    return int(
        session.execute(
            unscoped(
                select(func.count())
                .select_from(ComplaintAttachment)
                .where(col(ComplaintAttachment.scan).in_(UNCHECKED)),
                WHY,
            )
        ).scalar_one()
    )


def scan_unchecked(app: Flask, scanner: scanning.ClamdScanner) -> Scanned:
    """Scan every unchecked file (see the module's docstring); stops at the first file
    the scanner gives no verdict on."""
    done = Scanned()
    after = 0
    while True:
        with Session(writing(get_engine(app)), expire_on_commit=False) as session:
            rows = list(
                session.execute(
                    unscoped(
                        select(ComplaintAttachment)
                        .where(
                            col(ComplaintAttachment.scan).in_(UNCHECKED),
                            col(ComplaintAttachment.id) > after,
                        )
                        .order_by(col(ComplaintAttachment.id))
                        .limit(BATCH),
                        WHY,
                    )
                ).scalars()
            )
            if not rows:
                return done
            removed: list[ComplaintAttachment] = []
            for row in rows:
                assert row.id is not None  # a stored row
                after = row.id
                try:
                    data = attachments.path_of(row, app).read_bytes()
                except (OSError, ValueError):
                    done.unreadable += 1  # a missing file: nothing to scan, left as it is
                    continue
                try:
                    found = scanner.scan(data)
                except scanning.ScannerUnavailable as exc:
                    log.warning("attachment scan stopped, to be tried again later: %s", exc)
                    done.no_verdict = True
                    break
                if found is None:
                    row.scan = attachments.CLEAN
                    session.add(row)
                    done.clean += 1
                else:
                    _remove(app, session, row, found)
                    removed.append(row)
                    done.removed += 1
            session.commit()
        attachments.delete_files(removed, app)  # after the commit that removed their rows
        if done.no_verdict:
            return done


def _remove(app: Flask, session: Session, row: ComplaintAttachment, found: str) -> None:
    case = get_unscoped(session, Complaint, row.complaint_id, WHY)
    detail = {"filename": row.filename, "signature": found, "sha256": row.sha256}
    if case is not None:
        records.add_event(session, case, REMOVED, actor_label=LABEL, detail=detail, app=app)
    audit.record(
        session,
        "complaint.attachment_removed",
        actor_label=LABEL,
        agency_id=row.agency_id,
        target=f"complaint:{row.complaint_id}",
        detail={"attachment": row.id, **detail},
    )
    log.warning(
        "attachment %s of case %s removed: the scanner found %s", row.id, row.complaint_id, found
    )
    session.delete(row)


def schedule(app: Flask) -> int | None:
    """Queue a scan when a scanner is configured, some file is unchecked and no scan is
    queued or running (the worker's sweeper calls this every ``JOBS_SWEEP_SECONDS``);
    the new job's id, else None."""
    if scanning.scanner_for(app) is None:
        return None
    with Session(get_engine(app)) as session:
        if not unchecked_count(session):
            return None
        pending = session.execute(
            unscoped(
                select(func.count())
                .select_from(Job)
                .where(col(Job.kind) == KIND, col(Job.status).in_(("queued", "running"))),
                "is an attachment scan queued already?",
            )
        ).scalar_one()
    if pending:
        return None
    return jobs.create(app, KIND, agency_id=None, parameters={}).id


def run_job(context: JobContext) -> None:
    """Scan the unchecked files now; a scan the scanner could not finish raises, so the
    job is retried (and the sweep queues another later)."""
    app = context.app
    scanner = scanning.scanner_for(app)
    text = translator(app.config["LANGUAGES"][0])
    if scanner is None:
        context.progress(100, text.gettext("No virus scanner is configured."))
        return
    done = scan_unchecked(app, scanner)
    context.progress(
        100,
        text.gettext(
            "Checked: %(clean)s clean, %(removed)s removed; %(unreadable)s not found on disk.",
            clean=done.clean,
            removed=done.removed,
            unreadable=done.unreadable,
        ),
    )
    if done.no_verdict:
        raise scanning.ScannerUnavailable("the scanner gave no verdict; tried again later")


SCAN = JobKind(
    name=KIND,
    run=run_job,
    action="cases.manage",
    title=lazy_gettext("Virus scan of unchecked attachments"),
    retries=2,
    retry_delay=300.0,
    sweep=schedule,
)
