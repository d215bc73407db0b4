"""Deadline reminders and escalation: a job on the task queue (``complaints.remind``)
that the worker's sweeper queues once a day from ``COMPLAINTS_REMINDERS_HOUR`` (local
time) on, or ``collector complaints remind`` from a cron job or systemd timer.

For every open case: due soon (at most the policy's ``due_soon_days`` working
days left, on the agency's calendar) puts it in its handler's digest (the
agency administrators' when nobody handles it); overdue escalates it to the
agency's administrators. Each case gets at most one ``reminder`` or
``escalated`` event per day (the day is kept in the event), so running the
command twice on a day sends nothing new. Mails name case numbers, categories
and due dates only: no complainant's data.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.guard import get_unscoped
from collector.access.guard import unscoped
from collector.complaints import calendars
from collector.complaints import lifecycle
from collector.complaints import notices
from collector.complaints import records
from collector.complaints.deadlines import ClockState
from collector.core import clock
from collector.core.commands import prepare_database
from collector.core.db import get_engine
from collector.core.db import writing
from collector.core.hooktypes import JobKind
from collector.core.i18n import Translator
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.links import public_base
from collector.core.mail import Mail
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintEvent
from collector.core.models import Job
from collector.core.models import User
from collector.jobs import service as jobs
from collector.jobs.runner import JobContext

REMINDER = "reminder"
ESCALATED = "escalated"
LABEL = "reminders"
RECENT_JOBS = 7
"""The reminders' latest jobs looked at for today's (one a day is queued)."""


@dataclass
class Item:
    case_number: str
    category: str
    due_on: date
    state: str
    case_id: int = 0


@dataclass
class Summary:
    day: date
    reminded: int = 0
    escalated: int = 0
    already: int = 0
    mails: int = 0
    agencies: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "reminded": self.reminded,
            "escalated": self.escalated,
            "already_done_today": self.already,
            "mails": self.mails,
            "agencies": self.agencies,
        }


def _done_today(session: Session, case_ids: list[int], day: date) -> set[int]:
    """Cases that already have a reminder or escalation event for ``day``."""
    if not case_ids:
        return set()
    rows = session.execute(
        unscoped(
            select(col(ComplaintEvent.complaint_id), col(ComplaintEvent.detail)).where(
                col(ComplaintEvent.kind).in_((REMINDER, ESCALATED)),
                col(ComplaintEvent.complaint_id).in_(case_ids),
            ),
            "deadline reminders (command line)",
        )
    ).all()
    done = set()
    for complaint_id, detail in rows:
        try:
            if json.loads(detail or "{}").get("day") == day.isoformat():
                done.add(complaint_id)
        except ValueError:
            continue
    return done


def _admins(session: Session, agency_id: int) -> list[User]:
    return list(
        session.execute(
            unscoped(
                select(User)
                .where(
                    col(User.agency_id) == agency_id,
                    col(User.role) == "agency_admin",
                    col(User.active).is_(True),
                )
                .order_by(col(User.id)),
                "deadline reminders (command line)",
            )
        ).scalars()
    )


def _mail(app: Flask, agency: Agency, to: User, due: list[Item], overdue: list[Item]) -> Mail:
    base = public_base(app)

    def part(text: Translator) -> list[str]:
        lines = [text.gettext("Dear %(name)s,", name=to.display_name or to.email), ""]

        def listed(item: Item, paused: bool) -> None:
            # ISO dates: the digest is read next to the queue, which sorts by them.
            line = text.gettext(
                "- %(number)s (%(category)s) due %(date)s",
                number=item.case_number,
                category=item.category,
                date=item.due_on.isoformat(),
            )
            if paused:
                line += text.gettext(" (awaiting a supplement)")
            lines.append(line)
            lines.append(f"  {base}/staff/cases/{item.case_id}")

        if overdue:
            lines.append(
                text.gettext("These complaint cases are past their due date; please see to them:")
            )
            for item in overdue:
                listed(item, paused=False)
            lines.append("")
        if due:
            lines.append(text.gettext("These complaint cases are due soon:"))
            for item in due:
                listed(item, paused=item.state == ClockState.PAUSED)
        lines += ["", text.gettext("Staff console: %(link)s", link=f"{base}/staff/")]
        return lines

    zh, en = translator("zh-Hant-TW"), translator("en")
    lines_zh, lines_en = part(zh), part(en)
    counts = {"overdue": len(overdue), "due": len(due)}
    summary = lazy_gettext("Complaints: %(overdue)s overdue, %(due)s due soon")
    subject = f"{zh.render(summary, **counts)} / {en.render(summary, **counts)}"
    body = "\n".join(lines_zh) + "\n\n-----\n\n" + "\n".join(lines_en) + "\n"
    return Mail(
        to=to.email, subject=subject, body=body, agency_id=agency.id, agency_code=agency.code
    )


def _open_cases(session: Session) -> list[Complaint]:
    statement = (
        select(Complaint)
        .where(
            col(Complaint.status).in_(sorted(lifecycle.OPEN)),
            col(Complaint.destroyed_at).is_(None),
        )
        .order_by(col(Complaint.agency_id), col(Complaint.due_on), col(Complaint.id))
    )
    return list(session.execute(unscoped(statement, "deadline reminders (command line)")).scalars())


Digests = dict[int, tuple[list[Item], list[Item]]]
"""Staff user id -> (cases due soon, cases overdue) in their digest."""


def _remind_case(
    app: Flask,
    session: Session,
    case: Complaint,
    state: ClockState,
    admins: list[User],
    digests: Digests,
    day: date,
) -> str:
    """Put the case in its digests and record the event: due soon goes to its handler (or
    the administrators without one), overdue is escalated to the administrators."""
    category = get_unscoped(session, ComplaintCategory, case.category_id, "deadline reminders")
    assert case.id is not None  # a stored case
    item = Item(
        case.case_number,
        f"{category.name_zh} {category.name_en}" if category else "",
        case.due_on,
        state,
        case.id,
    )
    if state == ClockState.OVERDUE:
        recipients, kind, slot = admins, ESCALATED, 1
    else:
        handler = None
        if case.handler_id:
            handler = get_unscoped(session, User, case.handler_id, "deadline reminders")
        active = handler is not None and handler.active
        recipients, kind, slot = ([handler] if active else admins), REMINDER, 0  # type: ignore[list-item]  # checked just above
    for user in recipients:
        digests[user.id][slot].append(item)  # type: ignore[index]  # stored users
    records.add_event(
        session,
        case,
        kind,
        app=app,
        actor_label=LABEL,
        detail={
            "day": day.isoformat(),
            "due_on": case.due_on.isoformat(),
            "state": str(state),
            "to": [u.id for u in recipients],
        },
    )
    return kind


def _remind_agency(
    app: Flask,
    session: Session,
    agency: Agency,
    cases: list[Complaint],
    done: set[int],
    day: date,
    summary: Summary,
) -> list[Mail]:
    """One agency's reminders and escalations; its digests."""
    assert agency.id is not None  # a stored agency
    policy = records.policy_for(session, agency.id)
    calendar = calendars.calendar_for(app, session, agency.id)
    admins = _admins(session, agency.id)
    digests: Digests = defaultdict(lambda: ([], []))
    counts = {"reminded": 0, "escalated": 0}
    for case in cases:
        state = records.clock_of(case, day, calendar, policy)
        if state not in (ClockState.DUE_SOON, ClockState.OVERDUE):
            continue
        if case.id in done:
            summary.already += 1
            continue
        kind = _remind_case(app, session, case, state, admins, digests, day)
        counts["escalated" if kind == ESCALATED else "reminded"] += 1
    users = {u.id: u for u in admins}
    for user_id in digests:
        if user_id not in users:
            user = get_unscoped(session, User, user_id, "deadline reminders")
            if user is not None:
                users[user_id] = user
    summary.reminded += counts["reminded"]
    summary.escalated += counts["escalated"]
    if counts["reminded"] or counts["escalated"]:
        summary.agencies[agency.code] = counts
    return [_mail(app, agency, users[u], due, overdue) for u, (due, overdue) in digests.items()]


def remind(app: Flask, session: Session, day: date) -> tuple[Summary, list[Mail]]:
    """Record today's reminder and escalation events; return the digests to send
    once the caller has committed."""
    summary = Summary(day=day)
    open_cases = _open_cases(session)
    done = _done_today(session, [c.id for c in open_cases], day)  # type: ignore[misc]  # stored cases
    by_agency: dict[int, list[Complaint]] = defaultdict(list)
    for case in open_cases:
        by_agency[case.agency_id].append(case)
    mails: list[Mail] = []
    for agency_id, agency_cases in by_agency.items():
        agency = get_unscoped(session, Agency, agency_id, "deadline reminders")
        if agency is not None:
            mails += _remind_agency(app, session, agency, agency_cases, done, day, summary)
    session.flush()
    return summary, mails


def run(app: Flask, day: date | None = None) -> Summary:
    """One run: the events and their digests (the mail outbox) committed together, then
    the digests' sending jobs queued."""
    day = day or records.today_for(app)
    with Session(writing(get_engine(app)), expire_on_commit=False) as session:
        summary, mails = remind(app, session, day)
        queued = notices.queue(session, app, mails, KIND)
        session.commit()
    summary.mails = len(queued)
    notices.deliver(app, queued)
    return summary


KIND = "complaints.remind"


def run_job(context: JobContext) -> None:
    """The day's reminders in a worker (the job's ``day``); a second run on the same day
    sends nothing new (:func:`run`)."""
    day = date.fromisoformat(context.parameters["day"])
    summary = run(context.app, day)
    context.progress(
        100,
        f"reminded {summary.reminded}, escalated {summary.escalated}, mails {summary.mails}",
    )


def schedule(app: Flask) -> int | None:
    """Queue today's reminders once, from ``COMPLAINTS_REMINDERS_HOUR`` (the worker's
    sweeper calls this every ``JOBS_SWEEP_SECONDS``); the new job's id, else None.
    ``COMPLAINTS_REMINDERS_HOUR`` None: reminders only from the command."""
    hour = app.config.get("COMPLAINTS_REMINDERS_HOUR")
    if hour is None:
        return None
    if clock.local(clock.now(app), app).hour < int(hour):
        return None
    day = records.today_for(app).isoformat()
    with Session(get_engine(app)) as session:
        earlier = session.execute(
            unscoped(
                select(col(Job.parameters))
                .where(col(Job.kind) == KIND)
                .order_by(col(Job.id).desc())
                .limit(RECENT_JOBS),
                "the reminders' own jobs: is today's queued already?",
            )
        ).all()
    if any(parameters.get("day") == day for (parameters,) in earlier):
        return None
    job = jobs.create(app, KIND, agency_id=None, parameters={"day": day})
    return job.id


REMINDERS = JobKind(
    name=KIND,
    run=run_job,
    action="cases.manage",
    title=lazy_gettext("Complaint deadline reminders"),
    retries=2,
    retry_delay=60.0,
    sweep=schedule,
)


@click.group("complaints")
def complaints_command() -> None:
    """Complaint cases."""


@complaints_command.command("remind")
@click.option("--date", "day", default=None, help="Run as on this date (YYYY-MM-DD).")
@with_appcontext
def remind_command(day: str | None) -> None:
    """E-mail handlers their cases due soon and escalate overdue cases (once a day)."""
    prepare_database(current_app)
    when = None
    if day:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise click.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
    summary = run(current_app._get_current_object(), when)  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, sort_keys=True))


COMMANDS = [complaints_command]
