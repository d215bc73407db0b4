"""Deadline reminders and escalation (``collector complaints remind``), for a daily
cron job or systemd timer.

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
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlmodel import Session

from collector.access.guard import get_unscoped, unscoped
from collector.complaints import calendars, lifecycle, notices, records
from collector.complaints.deadlines import ClockState, clock_state
from collector.core.commands import prepare_database
from collector.core.db import get_engine, writing
from collector.core.mail import Mail
from collector.core.models import Agency, Complaint, ComplaintCategory, ComplaintEvent, User

REMINDER = "reminder"
ESCALATED = "escalated"
LABEL = "reminders"


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
    unsent: int = 0
    agencies: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "reminded": self.reminded,
            "escalated": self.escalated,
            "already_done_today": self.already,
            "mails": self.mails,
            "mails_not_sent": self.unsent,
            "agencies": self.agencies,
        }


def _done_today(session: Session, case_ids: list[int], day: date) -> set[int]:
    """Cases that already have a reminder or escalation event for ``day``."""
    if not case_ids:
        return set()
    rows = session.execute(
        unscoped(
            select(ComplaintEvent.complaint_id, ComplaintEvent.detail).where(
                ComplaintEvent.kind.in_((REMINDER, ESCALATED)),  # type: ignore[attr-defined]
                ComplaintEvent.complaint_id.in_(case_ids),  # type: ignore[attr-defined]
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
                    User.agency_id == agency_id,
                    User.role == "agency_admin",
                    User.active.is_(True),  # type: ignore[attr-defined]
                )
                .order_by(User.id),  # type: ignore[arg-type]
                "deadline reminders (command line)",
            )
        ).scalars()
    )


def _mail(app: Flask, agency: Agency, to: User, due: list[Item], overdue: list[Item]) -> Mail:
    base = notices.public_base(app)
    lines_zh = [f"{to.display_name or to.email} 您好：", ""]
    lines_en = [f"Dear {to.display_name or to.email},", ""]
    if overdue:
        lines_zh.append("下列陳情案件已逾處理期限，請督導處理：")
        lines_en.append("These complaint cases are past their due date; please see to them:")
        for item in overdue:
            lines_zh.append(
                f"- {item.case_number}（{item.category}）期限 {item.due_on.isoformat()}"
            )
            lines_en.append(f"- {item.case_number} ({item.category}) due {item.due_on.isoformat()}")
            if base:
                lines_zh.append(f"  {base}/staff/cases/{item.case_id}")
                lines_en.append(f"  {base}/staff/cases/{item.case_id}")
        lines_zh.append("")
        lines_en.append("")
    if due:
        lines_zh.append("下列陳情案件即將屆期：")
        lines_en.append("These complaint cases are due soon:")
        for item in due:
            paused = "（待補正）" if item.state == ClockState.PAUSED else ""
            lines_zh.append(
                f"- {item.case_number}（{item.category}）期限 {item.due_on.isoformat()}{paused}"
            )
            lines_en.append(f"- {item.case_number} ({item.category}) due {item.due_on.isoformat()}")
            if base:
                lines_zh.append(f"  {base}/staff/cases/{item.case_id}")
                lines_en.append(f"  {base}/staff/cases/{item.case_id}")
    if base:
        lines_zh += ["", f"員工後台：{base}/staff/"]
        lines_en += ["", f"Staff console: {base}/staff/"]
    subject = (
        f"陳情案件逾期 {len(overdue)} 件、即將屆期 {len(due)} 件 / "
        f"Complaints: {len(overdue)} overdue, {len(due)} due soon"
    )
    body = "\n".join(lines_zh) + "\n\n-----\n\n" + "\n".join(lines_en) + "\n"
    return Mail(
        to=to.email, subject=subject, body=body, agency_id=agency.id, agency_code=agency.code
    )


def remind(app: Flask, session: Session, day: date) -> tuple[Summary, list[Mail]]:
    """Record today's reminder and escalation events; return the digests to send
    once the caller has committed."""
    summary = Summary(day=day)
    open_cases = list(
        session.execute(
            unscoped(
                select(Complaint)
                .where(
                    Complaint.status.in_(sorted(lifecycle.OPEN)),  # type: ignore[attr-defined]
                    Complaint.destroyed_at.is_(None),  # type: ignore[union-attr]
                )
                .order_by(Complaint.agency_id, Complaint.due_on, Complaint.id),  # type: ignore[arg-type]
                "deadline reminders (command line)",
            )
        ).scalars()
    )
    done = _done_today(session, [c.id for c in open_cases], day)  # type: ignore[misc]
    by_agency: dict[int, list[Complaint]] = defaultdict(list)
    for case in open_cases:
        by_agency[case.agency_id].append(case)
    mails: list[Mail] = []
    for agency_id, agency_cases in by_agency.items():
        agency = get_unscoped(session, Agency, agency_id, "deadline reminders")
        if agency is None:
            continue
        policy = records.policy_for(session, agency_id)
        calendar = calendars.calendar_for(app, session, agency_id)
        admins = _admins(session, agency_id)
        digests: dict[int, tuple[list[Item], list[Item]]] = defaultdict(lambda: ([], []))
        counts = {"reminded": 0, "escalated": 0}
        for case in agency_cases:
            state = clock_state(
                case.due_on,
                day,
                calendar,
                due_soon_within=policy.due_soon_days,
                paused=case.status == "awaiting_supplement",
            )
            if state not in (ClockState.DUE_SOON, ClockState.OVERDUE):
                continue
            if case.id in done:
                summary.already += 1
                continue
            category = get_unscoped(
                session, ComplaintCategory, case.category_id, "deadline reminders"
            )
            item = Item(
                case.case_number,
                f"{category.name_zh} {category.name_en}" if category else "",
                case.due_on,
                state,
                case.id,  # type: ignore[arg-type]
            )
            handler = (
                get_unscoped(session, User, case.handler_id, "deadline reminders")
                if case.handler_id
                else None
            )
            if state == ClockState.OVERDUE:
                recipients = admins
                kind = ESCALATED
                counts["escalated"] += 1
                for admin in admins:
                    digests[admin.id][1].append(item)  # type: ignore[index]
            else:
                recipients = [handler] if handler is not None and handler.active else admins
                kind = REMINDER
                counts["reminded"] += 1
                for user in recipients:
                    digests[user.id][0].append(item)  # type: ignore[index]
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
        users = {u.id: u for u in admins}
        for user_id in digests:
            if user_id not in users:
                user = get_unscoped(session, User, user_id, "deadline reminders")
                if user is not None:
                    users[user_id] = user
        for user_id, (due, overdue) in digests.items():
            mails.append(_mail(app, agency, users[user_id], due, overdue))
        summary.reminded += counts["reminded"]
        summary.escalated += counts["escalated"]
        if counts["reminded"] or counts["escalated"]:
            summary.agencies[agency.code] = counts
    session.flush()
    return summary, mails


def run(app: Flask, day: date | None = None) -> Summary:
    """One run: events committed first, then the digests sent."""
    day = day or records.today_for(app)
    with Session(writing(get_engine(app)), expire_on_commit=False) as session:
        summary, mails = remind(app, session, day)
        session.commit()
    summary.mails = len(mails)
    if mails and not notices.send_notices(app, mails):
        summary.unsent = len(mails)
    return summary


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
    summary = run(current_app._get_current_object(), when)  # type: ignore[attr-defined]
    click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, sort_keys=True))


COMMANDS = [complaints_command]
