"""The handling-satisfaction follow-up of closed cases (docs/complaints-followup.md).

Two ways in, one questionnaire (``complaint-handling``):

* online: when a case closes, :func:`offer` mails a one-time link
  (``/complaints/feedback/<token>``) to every contactable complainant; the answer
  is stored with :func:`store_answer`, which spends the link and inserts the
  response in one transaction;
* phone: the agency draws a stratified random sample of closed cases
  (:func:`draw`, strata = category x outcome) for a phone interview, recorded
  as ``ComplaintFollowup`` rows with channel ``phone`` and a ``sample_id``; staff
  key in the answers (:func:`store_answer` with ``entered_by``).

Unlike the citizen and staff surveys, the answer IS linked to its case
(``ComplaintFollowup.response_id``) so that results can be analysed by category
and outcome and weighted to the mix of closed cases; the questionnaire's notice
says so. The inclusion probabilities of a phone sample (stratum population N and
number drawn n) are kept in a ``followup_sampled`` event of each drawn case.
"""

from __future__ import annotations

import json
import random
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy import update
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.guard import get_unscoped
from collector.access.guard import unscoped
from collector.access.scoped import scoped
from collector.answers import events
from collector.answers import writer
from collector.answers.records import Prepared
from collector.complaints.records import add_event
from collector.complaints.records import hash_token
from collector.complaints.records import origin_of
from collector.complaints.records import policy_for
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import writing
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import Translator
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.links import public_base
from collector.core.mail import Mail
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory
from collector.core.models import ComplaintEvent
from collector.core.models import ComplaintFollowup
from collector.core.models import Response
from collector.core.models import Unit
from collector.core.plugins import get_plugins

QUESTIONNAIRE = "complaint-handling"
"""The bundled complaint-handling satisfaction questionnaire (surveys/)."""

LINK_DAYS = 60
"""Default life of an online link (``COMPLAINT_FOLLOWUP_DAYS`` overrides it)."""

SAMPLED = "followup_sampled"
"""Event kind recording a case's draw into a phone sample, with N and n of its stratum."""

MAX_PER_STRATUM = 1000
MAX_PERIOD_DAYS = 366


FOLLOWUP_ERRORS: dict[str, LazyText] = {
    "followup_disposition": lazy_gettext("Choose what happened on the call."),
    "followup_period": lazy_gettext(
        "Give a valid period (at most a year, starting no later than it ends)."
    ),
    "followup_size": lazy_gettext(
        "Give 1 to 1000 cases per stratum, or a fraction above 0 and at most 1."
    ),
    "followup_empty": lazy_gettext("No closed case in this period can be sampled."),
}


class FollowupError(ValueError):
    """A request the follow-up cannot honour; ``key`` is one of :data:`FOLLOWUP_ERRORS`."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def offer(app: Flask, session: Session, case: Complaint) -> list[Mail]:
    """On closing: a one-time link by e-mail when the complainant can be reached
    and the agency's policy sends follow-ups (returns the e-mail to send).

    A case closed again after a reopening gets a new link (the earlier one stops
    working), unless it was answered already: one answer per case."""
    if not policy_for(session, case.agency_id).followup:
        return []
    origin = origin_of(session, case)
    if origin.anonymous or not origin.email:
        return []
    earlier = list(
        session.execute(
            unscoped(
                select(ComplaintFollowup).where(col(ComplaintFollowup.complaint_id) == case.id),
                "follow-ups of the case being closed",
            )
        ).scalars()
    )
    if any(f.response_id is not None for f in earlier):
        return []  # answered already (closed again after a reopening): one answer per case
    for unused in earlier:
        if unused.channel == "online" and unused.token_hash is not None:
            unused.token_hash = None  # the link of an earlier closing stops working
            session.add(unused)
    assert case.id is not None  # a stored case: it is being closed
    token = secrets.token_urlsafe(32)
    session.add(
        ComplaintFollowup(
            complaint_id=case.id,
            agency_id=case.agency_id,
            channel="online",
            token_hash=hash_token(token),
            sent_at=clock.now(),
        )
    )
    agency = get_unscoped(session, Agency, case.agency_id, "around an authorised case")
    english = origin.language.startswith("en")
    link = f"{public_base(app)}/complaints/feedback/{token}" + ("?lang=en" if english else "")

    def part(text: Translator, agency_name: str) -> str:
        name = origin.name or text.pgettext("salutation", "complainant")
        return (
            text.gettext("Dear %(name)s,", name=name)
            + "\n\n"
            + text.gettext(
                "Your complaint (case %(number)s) has been closed. Please tell us how satisfied "
                "you are with how it was handled (about 2 minutes; the link works once):",
                number=origin.case_number,
            )
            + f"\n{link}\n\n"
            # Translators: the closing of a letter, above the agency's name.
            + text.pgettext("letter closing", "%(agency)s", agency=agency_name)
            + "\n"
        )

    zh = part(translator("zh-Hant-TW"), agency.name_zh if agency else "")
    en = part(translator("en"), agency.name_en if agency else "")
    subject = translator("en" if english else "zh-Hant-TW").gettext(
        "How did we handle your complaint? (%(number)s)", number=origin.case_number
    )
    return [
        Mail(
            to=origin.email,
            subject=subject,
            body=f"{en}\n-----\n\n{zh}" if english else f"{zh}\n-----\n\n{en}",
            agency_id=case.agency_id,
            agency_code=agency.code if agency else "",
            reference=f"complaint:{case.id}",
        )
    ]


# -- the online link ---------------------------------------------------------------


def link_days(app: Flask) -> int:
    return int(app.config.get("COMPLAINT_FOLLOWUP_DAYS") or LINK_DAYS)


def find_by_token(app: Flask, session: Session, token: str) -> ComplaintFollowup | None:
    """The unused, unexpired online follow-up of ``token`` (None for anything else,
    whatever the reason: the page says nothing about which)."""
    if not token or len(token) > 100:
        return None
    followup = session.execute(
        unscoped(
            select(ComplaintFollowup).where(
                col(ComplaintFollowup.token_hash) == hash_token(token),
                col(ComplaintFollowup.channel) == "online",
            ),
            "complainant follow-up link",
        )
    ).scalar_one_or_none()
    if followup is None or followup.used_at is not None:
        return None
    sent = _aware(followup.sent_at or followup.created_at)
    if clock.now() - sent > timedelta(days=link_days(app)):
        return None
    case = get_unscoped(session, Complaint, followup.complaint_id, "around an authorised case")
    if case is None or case.destroyed_at is not None or case.restricted_at is not None:
        return None
    return followup


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def store_answer(app: Flask, followup_id: int, prepared: Prepared) -> int | None:
    """Spend the follow-up and store its response in ONE transaction.

    Returns the response id, or None when the follow-up was already used (a
    double submit, a second tab): nothing is stored then. The conditional
    ``UPDATE ... WHERE used_at IS NULL`` comes first, so of two concurrent
    requests only one goes on (PostgreSQL re-checks the condition after the
    other's row lock; SQLite's BEGIN IMMEDIATE serialises them).
    """
    engine = writing(get_engine(app))
    outbox = events.with_events(app)
    with engine.begin() as conn:
        spent = conn.execute(
            update(ComplaintFollowup)
            .where(
                col(ComplaintFollowup.id) == followup_id,
                col(ComplaintFollowup.used_at).is_(None),
                col(ComplaintFollowup.response_id).is_(None),
            )
            .values(used_at=clock.now())
        )
        if spent.rowcount != 1:
            return None
        if not all(writer.store(conn, [prepared], outbox)):
            raise RuntimeError("the follow-up response was not stored")
        response_id = int(prepared.submission_id)  # type: ignore[attr-defined]  # the writer sets it on what it stored
        conn.execute(
            update(ComplaintFollowup)
            .where(col(ComplaintFollowup.id) == followup_id)
            .values(response_id=response_id)
        )
    if outbox:  # after the commit, as for any response (collector.answers.events)
        events.notify_stored(app, get_plugins(app), response_id)
    return response_id


# -- the phone sample --------------------------------------------------------------


@dataclass(frozen=True)
class FrameCase:
    """A case in the sampling frame: closed in the period, contactable by phone."""

    case_id: int
    category_id: int
    outcome: str


@dataclass
class Stratum:
    category_id: int
    outcome: str
    population: int  # N: cases in the frame
    drawn: int  # n: cases drawn
    case_ids: list[int] = field(default_factory=list)

    @property
    def probability(self) -> float:
        """Inclusion probability n/N of each case of the stratum."""
        return self.drawn / self.population if self.population else 0.0


@dataclass
class Draw:
    seed: int
    strata: list[Stratum]

    @property
    def size(self) -> int:
        return sum(s.drawn for s in self.strata)

    @property
    def population(self) -> int:
        return sum(s.population for s in self.strata)


def stratum_size(population: int, per_stratum: int | None, fraction: float | None) -> int:
    """n for a stratum of N cases: ``per_stratum`` (at most N), or ``fraction`` of N
    rounded half up, at least 1 so that every stratum is represented."""
    if population <= 0:
        return 0
    if per_stratum is not None:
        return min(population, per_stratum)
    assert fraction is not None
    return min(population, max(1, int(fraction * population + 0.5)))


def draw(
    frame: Sequence[FrameCase],
    *,
    per_stratum: int | None = None,
    fraction: float | None = None,
    seed: int,
) -> Draw:
    """A stratified simple random sample without replacement, strata category x outcome.

    Pure and reproducible: the same frame, size and seed give the same cases
    (strata in sorted order, cases sorted by id, ``random.Random(seed)``).
    """
    if (per_stratum is None) == (fraction is None):
        raise FollowupError("followup_size", "give either a number per stratum or a fraction")
    if per_stratum is not None and not 1 <= per_stratum <= MAX_PER_STRATUM:
        raise FollowupError("followup_size", f"a stratum takes 1 to {MAX_PER_STRATUM} cases")
    if fraction is not None and not 0 < fraction <= 1:
        raise FollowupError("followup_size", "the fraction must be above 0 and at most 1")
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for item in frame:
        groups[(item.category_id, item.outcome)].append(item.case_id)
    rng = random.Random(seed)
    strata = []
    for (category_id, outcome), ids in sorted(groups.items()):
        ids = sorted(set(ids))
        n = stratum_size(len(ids), per_stratum, fraction)
        strata.append(Stratum(category_id, outcome, len(ids), n, sorted(rng.sample(ids, n))))
    return Draw(seed=seed, strata=strata)


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants of Taiwan's midnight on ``start`` and after ``end``."""
    return clock.day_bounds(start, end)


def sampling_frame(
    session: Session, agency_id: int, start: date, end: date, actor: Actor
) -> list[FrameCase]:
    """Cases of the agency closed from ``start`` to ``end`` (Taiwan dates) that may be
    called: closed with an outcome, not anonymous, with a phone number, not
    restricted or destroyed, not a transfer copy withholding the identity, with no
    follow-up answer yet and not drawn into an earlier phone sample."""
    if end < start or (end - start).days >= MAX_PERIOD_DAYS:
        raise FollowupError("followup_period", "the period must run forward, at most a year")
    first, last = local_bounds(start, end)
    statement = select(
        col(Complaint.id), col(Complaint.category_id), col(Complaint.outcome), col(Complaint.phone)
    ).where(
        col(Complaint.agency_id) == agency_id,
        col(Complaint.status) == "closed",
        col(Complaint.outcome).is_not(None),
        col(Complaint.anonymous).is_(False),
        col(Complaint.identity_withheld).is_(False),
        col(Complaint.restricted_at).is_(None),
        col(Complaint.destroyed_at).is_(None),
        col(Complaint.closed_at) >= first,
        col(Complaint.closed_at) < last,
    )
    rows = session.execute(scoped(statement, "cases.manage", actor)).all()
    taken = {
        complaint_id
        for complaint_id, channel, response_id in session.execute(
            scoped(
                select(
                    col(ComplaintFollowup.complaint_id),
                    col(ComplaintFollowup.channel),
                    col(ComplaintFollowup.response_id),
                ).where(col(ComplaintFollowup.agency_id) == agency_id),
                "cases.manage",
                actor,
            )
        ).all()
        if response_id is not None or channel == "phone"
    }
    return [
        FrameCase(case_id, category_id, outcome)
        for case_id, category_id, outcome, phone in rows
        if phone and phone.strip() and case_id not in taken
    ]


def new_sample_id(start: date) -> str:
    return f"S{start:%Y%m%d}-{secrets.token_hex(4)}"


def record_sample(
    session: Session,
    *,
    agency_id: int,
    result: Draw,
    start: date,
    end: date,
    actor: Actor,
) -> str:
    """Store a draw: a phone follow-up and a ``followup_sampled`` event per case
    (stratum, N, n, seed), and an audit event with the whole design. The caller
    commits."""
    sample_id = new_sample_id(start)
    cases = {
        c.id: c
        for c in session.execute(
            scoped(
                select(Complaint).where(
                    col(Complaint.id).in_([i for s in result.strata for i in s.case_ids])
                ),
                "cases.manage",
                actor,
            )
        ).scalars()
    }
    for stratum in result.strata:
        for case_id in stratum.case_ids:
            case = cases[case_id]
            session.add(
                ComplaintFollowup(
                    complaint_id=case_id,
                    agency_id=agency_id,
                    channel="phone",
                    sample_id=sample_id,
                )
            )
            add_event(
                session,
                case,
                SAMPLED,
                actor=actor,
                detail={
                    "sample_id": sample_id,
                    "category_id": stratum.category_id,
                    "outcome": stratum.outcome,
                    "N": stratum.population,
                    "n": stratum.drawn,
                    "seed": result.seed,
                },
            )
    audit.record(
        session,
        "complaint.followup_sample",
        actor=actor,
        agency_id=agency_id,
        target=f"sample:{sample_id}",
        detail={
            "period": [start.isoformat(), end.isoformat()],
            "seed": result.seed,
            "strata": [
                {
                    "category_id": s.category_id,
                    "outcome": s.outcome,
                    "N": s.population,
                    "n": s.drawn,
                }
                for s in result.strata
            ],
        },
    )
    session.flush()
    return sample_id


@dataclass(frozen=True)
class Inclusion:
    """Where a phone-sampled case came from: its stratum's N and n."""

    sample_id: str
    stratum: str
    population: int
    drawn: int


def inclusions(
    session: Session, case_ids: Sequence[int], action: str, actor: Actor | None = None
) -> dict[int, Inclusion]:
    """The ``followup_sampled`` record of each case drawn into a phone sample."""
    if not case_ids:
        return {}
    events = session.execute(
        scoped(
            select(col(ComplaintEvent.complaint_id), col(ComplaintEvent.detail)).where(
                col(ComplaintEvent.kind) == SAMPLED,
                col(ComplaintEvent.complaint_id).in_(list(case_ids)),
            ),
            action,
            actor,
        )
    ).all()
    out: dict[int, Inclusion] = {}
    for complaint_id, detail in events:
        data = json.loads(detail or "{}")
        out[complaint_id] = Inclusion(
            sample_id=str(data.get("sample_id", "")),
            stratum=f"{data.get('sample_id')}:{data.get('category_id')}:{data.get('outcome')}",
            population=int(data.get("N", 0)),
            drawn=int(data.get("n", 0)),
        )
    return out


def answered_followups(
    session: Session, action: str, actor: Actor | None = None, agency_id: int | None = None
) -> list[tuple[int, str, int]]:
    """The follow-ups that hold an answer, oldest first (of ``agency_id``, else of every
    agency the actor may see for ``action``): (case id, channel, response id)."""
    statement = select(
        col(ComplaintFollowup.complaint_id),
        col(ComplaintFollowup.channel),
        col(ComplaintFollowup.response_id),
    ).where(col(ComplaintFollowup.response_id).is_not(None))
    if agency_id is not None:
        statement = statement.where(col(ComplaintFollowup.agency_id) == agency_id)
    statement = statement.order_by(col(ComplaintFollowup.id))
    return [
        (case_id, channel, response_id)
        for case_id, channel, response_id in session.execute(scoped(statement, action, actor))
    ]


def stored_answers(
    session: Session, response_ids: Sequence[int], action: str, actor: Actor | None = None
) -> dict[int, dict[str, Any]]:
    """The answers of these responses as stored ({key: [(number, text), ...]}), by id."""
    rows = session.execute(
        scoped(
            select(col(Response.id), col(Response.answers)).where(
                col(Response.id).in_(list(response_ids))
            ),
            action,
            actor,
        )
    )
    return {response_id: stored for response_id, stored in rows}


# -- call attempts (AAPOR dispositions) --------------------------------------------

ATTEMPT = "followup_attempt"
"""Event kind of a phone call that gave no interview, with its disposition."""

DISPOSITIONS = ("refused", "no_contact", "other")
"""AAPOR's R (refusal), NC (non-contact) and O (other: wrong number, unable to answer)."""


def record_attempt(
    app: Flask,
    session: Session,
    followup: ComplaintFollowup,
    case: Complaint,
    disposition: str,
    actor: Actor,
) -> None:
    """Note a call that gave no interview (append-only; the last one counts)."""
    if disposition not in DISPOSITIONS:
        raise FollowupError("followup_disposition", "choose what happened on the call")
    add_event(
        session,
        case,
        ATTEMPT,
        app=app,
        actor=actor,
        detail={"sample_id": followup.sample_id, "disposition": disposition},
    )


def attempts(
    session: Session, case_ids: Sequence[int], action: str, actor: Actor | None = None
) -> dict[int, list[str]]:
    """Each case's call dispositions, oldest first."""
    if not case_ids:
        return {}
    out: dict[int, list[str]] = defaultdict(list)
    for complaint_id, detail in session.execute(
        scoped(
            select(col(ComplaintEvent.complaint_id), col(ComplaintEvent.detail))
            .where(
                col(ComplaintEvent.kind) == ATTEMPT,
                col(ComplaintEvent.complaint_id).in_(list(case_ids)),
            )
            .order_by(col(ComplaintEvent.id)),
            action,
            actor,
        )
    ).all():
        disposition = json.loads(detail or "{}").get("disposition")
        if disposition in DISPOSITIONS:
            out[complaint_id].append(disposition)
    return dict(out)


def disposition_counts(
    rows: Sequence[ComplaintFollowup], tried: dict[int, list[str]]
) -> dict[str, int]:
    """AAPOR counts of a sample: I interviews, R, NC, O by each case's last call,
    UH drawn but not called yet (unknown eligibility)."""
    counts = {"I": 0, "R": 0, "NC": 0, "O": 0, "UH": 0}
    symbol = {"refused": "R", "no_contact": "NC", "other": "O"}
    for row in rows:
        if row.response_id is not None:
            counts["I"] += 1
        elif tried.get(row.complaint_id):
            counts[symbol[tried[row.complaint_id][-1]]] += 1
        else:
            counts["UH"] += 1
    return counts


# -- the analysis file -------------------------------------------------------------

DESIGN_COLUMNS = (
    "channel",
    "sample_id",
    "stratum",
    "category",
    "outcome",
    "unit",
    "closed_month",
    "N",
    "n",
    "r",
    "weight",
)
"""The design columns of :func:`analysis_table`, before one column per question."""


def analysis_table(
    session: Session,
    agency_id: int,
    question_keys: Sequence[str],
    action: str,
    actor: Actor | None = None,
) -> list[dict[str, object]]:
    """Every follow-up answer of the agency with what a design needs: for the phone
    sample the stratum, N (cases in the frame), n (drawn), r (answered) and the
    weight N/r; online answers have no stratum and no weight (self-selected).
    No case number, name or contact detail."""
    followups = answered_followups(session, action, actor, agency_id)
    if not followups:
        return []
    case_ids = [f[0] for f in followups]
    cases = {
        c.id: c
        for c in session.execute(
            scoped(select(Complaint).where(col(Complaint.id).in_(case_ids)), action, actor)
        ).scalars()
    }
    categories = dict(
        session.execute(
            scoped(
                select(col(ComplaintCategory.id), col(ComplaintCategory.code)).where(
                    col(ComplaintCategory.agency_id) == agency_id
                ),
                action,
                actor,
            )
        ).all()
    )
    units = dict(
        session.execute(
            scoped(
                select(col(Unit.id), col(Unit.code)).where(col(Unit.agency_id) == agency_id),
                action,
                actor,
            )
        ).all()
    )
    sampled = inclusions(session, [f[0] for f in followups if f[1] == "phone"], action, actor)
    answered: dict[str, int] = defaultdict(int)
    for complaint_id, channel, _ in followups:
        if channel == "phone" and complaint_id in sampled:
            answered[sampled[complaint_id].stratum] += 1
    values: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    by_response = stored_answers(session, [f[2] for f in followups], action, actor)
    for response_id, stored in by_response.items():
        for key, pairs in stored.items():
            values[response_id][key] = [
                t if t is not None else (f"{n:g}" if n is not None else "") for n, t in pairs
            ]
    rows: list[dict[str, object]] = []
    for complaint_id, channel, response_id in followups:
        case = cases.get(complaint_id)
        if case is None:
            continue
        inclusion = sampled.get(complaint_id) if channel == "phone" else None
        r = answered.get(inclusion.stratum, 0) if inclusion else 0
        row: dict[str, object] = {
            "channel": channel,
            "sample_id": inclusion.sample_id if inclusion else "",
            "stratum": inclusion.stratum if inclusion else "",
            "category": categories.get(case.category_id, ""),
            "outcome": case.outcome or "",
            "unit": units.get(case.unit_id, "") if case.unit_id else "",
            "closed_month": f"{clock.local_date(case.closed_at):%Y-%m}" if case.closed_at else "",
            "N": inclusion.population if inclusion else "",
            "n": inclusion.drawn if inclusion else "",
            "r": r if inclusion else "",
            "weight": inclusion.population / r if inclusion and r else "",
        }
        answers = values.get(response_id, {})
        for key in question_keys:
            row[key] = ";".join(answers.get(key, []))
        rows.append(row)
    return rows
