"""The internal staff-satisfaction survey: invitations with one-time tokens, unlinkable answers.

A staff survey is a :class:`~collector.core.models.Campaign` of the agency on the
current version of the ``staff-satisfaction`` questionnaire. Its invitees are
:class:`~collector.core.models.StaffInvitation` rows, made from an imported staff list
(e-mail address and unit code) or, when the agency hands out links itself, from
a head-count per unit (``CampaignUnit.population``), one unnamed invitation per
person.

Unlinkability (docs/staff-survey.md): an invitation keeps only the SHA-256 of its
token and a ``used`` flag. Answering flips ``used`` and inserts the response in
one transaction (:func:`store_answer`), and nothing ties the two rows together:
the response carries no token, no invitation id, no start time, and its
``submitted_at`` is coarsened to the day (midnight UTC); its unit is kept only
when that unit has at least :data:`MIN_UNIT_INVITEES` invitees. So the database
can count who has not answered (reminders, response rates) but cannot tell who
answered what.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import pandas as pd
from flask import Flask
from sqlalchemy import Connection
from sqlalchemy import Integer
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.guard import register_via
from collector.access.scoped import scoped
from collector.answers import events
from collector.answers import writer
from collector.answers.records import Prepared
from collector.core import clock
from collector.core.db import get_engine
from collector.core.db import writing
from collector.core.disclosure import MIN_CELL
from collector.core.disclosure import hidden_cells
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import Translator
from collector.core.i18n import by_language
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_ngettext
from collector.core.i18n import lazy_pgettext
from collector.core.i18n import translator
from collector.core.mail import Mail
from collector.core.mail import MailError
from collector.core.mail import check_address
from collector.core.models import Agency
from collector.core.models import Campaign
from collector.core.models import CampaignUnit
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import StaffInvitation
from collector.core.models import Unit
from collector.core.plugins import get_plugins
from collector.mailqueue import outbox
from collector.results.summaries import likert_summary

SLUG = "staff-satisfaction"
MIN_UNIT_INVITEES = 5
"""A response records its unit only when the unit has at least this many invitees."""
MAX_STAFF_ROWS = 20000
MAX_COUNT_PER_UNIT = 5000
HEADLINE = "overall_satisfaction"

register_via(StaffInvitation, "campaign_id", Campaign)
register_via(CampaignUnit, "campaign_id", Campaign)


STAFF_SURVEY_ERRORS: dict[str, LazyText] = {
    "ss_err_period": lazy_gettext("The closing date cannot be before today."),
    "ss_err_not_utf8": lazy_gettext("The file is not a UTF-8 CSV file."),
    "ss_err_too_many": lazy_gettext("The list has more than %(max)s rows."),
    "ss_err_columns": lazy_gettext("Each row needs exactly two columns: e-mail, unit code."),
    "ss_err_email": lazy_gettext("Not a valid e-mail address (one address, no line breaks)."),
    "ss_err_unit": lazy_gettext("There is no unit with the code “%(code)s”."),
    "ss_err_duplicate": lazy_gettext("Same e-mail address as row %(other)s."),
    "ss_err_already": lazy_gettext("This address is already on this survey's list."),
    "ss_err_empty": lazy_gettext("The file holds no staff."),
    "ss_err_closed": lazy_gettext("This survey is closed and can no longer be changed."),
    "ss_err_unit_counted": lazy_gettext(
        "Unit %(code)s hands out links by head-count; no list can be imported for it."
    ),
    "ss_err_unit_has_invitations": lazy_gettext(
        "These units already have invitations; no links by head-count can be made for them."
    ),
}
"""What each :class:`StaffSurveyError` and :class:`LineError` key says."""

STATUS_LABELS: dict[str, LazyText] = {
    "draft": lazy_gettext("Draft"),
    "open": lazy_pgettext("staff survey status", "Open"),
    "closed": lazy_pgettext("staff survey status", "Closed"),
}

DONE_NOTICES: dict[str, LazyText] = {
    "imported": lazy_ngettext("%(num)s staff member imported.", "%(num)s staff imported."),
    "invited": lazy_ngettext("%(num)s invitation sent.", "%(num)s invitations sent."),
    "reminded": lazy_ngettext("%(num)s reminder sent.", "%(num)s reminders sent."),
    "closed": lazy_gettext("The survey is closed and every e-mail address on its list is erased."),
}
"""What the manage page says after an action (``?done=``), the count as ``n``."""


class StaffSurveyError(ValueError):
    """A request the survey's state does not allow (``key``: one of :data:`STAFF_SURVEY_ERRORS`)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def text(self, language: str) -> str:
        return translator(language).render(STAFF_SURVEY_ERRORS[self.key], **self.params)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def coarse(moment: datetime) -> datetime:
    """``moment`` cut to its day, midnight UTC: no time of day to match anything against."""
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


# -- creating and listing ---------------------------------------------------------


def staff_campaigns(session: Session, action: str, actor: Actor | None = None) -> list[Campaign]:
    """The staff surveys of every agency where the actor may do ``action``, newest first."""
    statement = (
        select(Campaign)
        .join(
            QuestionnaireVersion, col(QuestionnaireVersion.id) == Campaign.questionnaire_version_id
        )
        .where(col(QuestionnaireVersion.slug) == SLUG)
        .order_by(col(Campaign.id).desc())
    )
    return list(session.execute(scoped(statement, action, actor)).scalars())


def is_staff_campaign(session: Session, campaign: Campaign, action: str) -> bool:
    statement = select(col(QuestionnaireVersion.slug)).where(
        col(QuestionnaireVersion.id) == campaign.questionnaire_version_id
    )
    return session.execute(scoped(statement, action)).scalar_one_or_none() == SLUG


def create(
    session: Session,
    *,
    agency: Agency,
    version: QuestionnaireVersion,
    title: str,
    starts_on: date,
    ends_on: date,
    actor: Actor,
) -> Campaign:
    """A new, open staff survey for ``agency`` (the caller commits)."""
    if ends_on < starts_on:
        raise StaffSurveyError("ss_err_period")
    assert agency.id is not None and version.id is not None  # both are stored rows
    campaign = Campaign(
        agency_id=agency.id,
        questionnaire_version_id=version.id,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        status="open",
        target_n=1,
        created_by=actor.user_id,
    )
    session.add(campaign)
    session.flush()
    audit.record(
        session,
        "staff_survey.created",
        actor=actor,
        agency_id=agency.id,
        target=f"campaign:{campaign.id}",
        detail={"version": version.version},
    )
    return campaign


# -- the staff list ---------------------------------------------------------------


@dataclass
class LineError:
    line: int
    key: str  # one of STAFF_SURVEY_ERRORS
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str) -> str:
        return translator(language).render(STAFF_SURVEY_ERRORS[self.key], **self.params)


HEADER_WORDS = {"email", "e-mail", "mail", "電子郵件", "信箱"}


def parse_staff_list(
    data: bytes,
    units: dict[str, Unit],
    taken: Collection[str] = frozenset(),
) -> tuple[list[tuple[str, Unit]], list[LineError]]:
    """Rows ``email, unit code`` (UTF-8, with or without a BOM; a header row is optional).

    Returns the rows and every line's error; the caller imports nothing unless the
    error list is empty.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [LineError(0, "ss_err_not_utf8")]
    rows: list[tuple[str, Unit]] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    first = True
    line = 0
    try:
        for cells in reader:
            line = reader.line_num
            values = [c.strip() for c in cells]
            while values and values[-1] == "":
                values.pop()
            if not values:
                continue
            if first:
                first = False
                if values[0].lower() in HEADER_WORDS:
                    continue
            if len(rows) + len(errors) >= MAX_STAFF_ROWS:
                errors.append(LineError(line, "ss_err_too_many", {"max": MAX_STAFF_ROWS}))
                break
            if len(values) != 2:
                errors.append(LineError(line, "ss_err_columns"))
                continue
            raw_email, code = values
            try:
                email = check_address(raw_email)
            except MailError:
                errors.append(LineError(line, "ss_err_email"))
                continue
            unit = units.get(code)
            if unit is None:
                errors.append(LineError(line, "ss_err_unit", {"code": code[:32]}))
                continue
            if email in seen:
                errors.append(LineError(line, "ss_err_duplicate", {"other": seen[email]}))
                continue
            if email in taken:
                errors.append(LineError(line, "ss_err_already"))
                continue
            seen[email] = line
            rows.append((email, unit))
    except csv.Error:
        errors.append(LineError(line + 1, "ss_err_columns"))
    if not rows and not errors:
        errors.append(LineError(0, "ss_err_empty"))
    return rows, errors


def invited_emails(session: Session, campaign: Campaign, actor: Actor) -> set[str]:
    statement = select(col(StaffInvitation.email)).where(
        col(StaffInvitation.campaign_id) == campaign.id,
        col(StaffInvitation.email).is_not(None),
    )
    return set(session.execute(scoped(statement, "campaigns.manage", actor)).scalars())


def import_staff(
    session: Session, campaign: Campaign, rows: list[tuple[str, Unit]], actor: Actor
) -> int:
    """Add one invitation per row, not yet sent (its placeholder token is never known)."""
    _must_be_open(campaign)
    assert campaign.id is not None  # a stored campaign
    counted = unit_populations(session, campaign, "campaigns.manage", actor)
    for email, unit in rows:
        if unit.id in counted:
            raise StaffSurveyError("ss_err_unit_counted", code=unit.code)
        session.add(
            StaffInvitation(
                campaign_id=campaign.id,
                unit_id=unit.id,
                email=email,
                token_hash=hash_token(new_token()),  # replaced when the invitation is sent
            )
        )
    _ensure_campaign_units(session, campaign, {unit.id for _, unit in rows}, actor)  # type: ignore[misc]  # stored units: ids set
    session.flush()
    _update_target(session, campaign, actor)
    audit.record(
        session,
        "staff_survey.staff_imported",
        actor=actor,
        agency_id=campaign.agency_id,
        target=f"campaign:{campaign.id}",
        detail={"rows": len(rows)},
    )
    return len(rows)


def unit_populations(
    session: Session, campaign: Campaign, action: str, actor: Actor | None = None
) -> dict[int, int]:
    """The head-counted units of ``campaign`` (unnamed links, no staff list): their
    populations by unit id."""
    statement = select(col(CampaignUnit.unit_id), col(CampaignUnit.population)).where(
        col(CampaignUnit.campaign_id) == campaign.id,
        col(CampaignUnit.population).is_not(None),
    )
    return {unit_id: n for unit_id, n in session.execute(scoped(statement, action, actor))}


def _ensure_campaign_units(
    session: Session, campaign: Campaign, unit_ids: set[int], actor: Actor
) -> None:
    statement = select(col(CampaignUnit.unit_id)).where(
        col(CampaignUnit.campaign_id) == campaign.id
    )
    have = set(session.execute(scoped(statement, "campaigns.manage", actor)).scalars())
    assert campaign.id is not None  # a stored campaign
    for unit_id in sorted(unit_ids - have):
        session.add(CampaignUnit(campaign_id=campaign.id, unit_id=unit_id))


def _update_target(session: Session, campaign: Campaign, actor: Actor) -> None:
    statement = select(func.count()).where(col(StaffInvitation.campaign_id) == campaign.id)
    invited = session.execute(
        scoped(statement.select_from(StaffInvitation), "campaigns.manage", actor)
    ).scalar_one()
    campaign.target_n = max(1, int(invited))
    session.add(campaign)


def parse_counts(form: dict[str, str], units: list[Unit]) -> tuple[dict[int, int], list[str]]:
    """Head-counts per unit from fields ``count_<unit code>``; returns (counts, bad codes)."""
    counts: dict[int, int] = {}
    bad: list[str] = []
    for unit in units:
        raw = (form.get(f"count_{unit.code}") or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or not 0 < int(raw) <= MAX_COUNT_PER_UNIT:
            bad.append(unit.code)
            continue
        assert unit.id is not None  # the units come from the database
        counts[unit.id] = int(raw)
    return counts, bad


def issue_counted(
    session: Session, campaign: Campaign, counts: dict[int, int], actor: Actor
) -> dict[int, list[str]]:
    """For each unit, ``population`` unnamed invitations; returns the tokens, once.

    Only the tokens' hashes are stored: the list of links can be printed now and
    never again. A unit that already has invitations is refused.
    """
    _must_be_open(campaign)
    assert campaign.id is not None  # a stored campaign
    statement = select(col(StaffInvitation.unit_id)).where(
        col(StaffInvitation.campaign_id) == campaign.id
    )
    used_units = set(session.execute(scoped(statement, "campaigns.manage", actor)).scalars())
    if used_units & set(counts):
        raise StaffSurveyError("ss_err_unit_has_invitations")
    statement_cu = select(CampaignUnit).where(col(CampaignUnit.campaign_id) == campaign.id)
    existing = {
        cu.unit_id: cu
        for cu in session.execute(scoped(statement_cu, "campaigns.manage", actor)).scalars()
    }
    now = clock.now()
    tokens: dict[int, list[str]] = {}
    for unit_id, number in counts.items():
        cu = existing.get(unit_id) or CampaignUnit(campaign_id=campaign.id, unit_id=unit_id)
        cu.population = number
        session.add(cu)
        tokens[unit_id] = []
        for _ in range(number):
            token = new_token()
            tokens[unit_id].append(token)
            session.add(
                StaffInvitation(
                    campaign_id=campaign.id,
                    unit_id=unit_id,
                    email=None,
                    token_hash=hash_token(token),
                    sent_at=now,
                )
            )
    session.flush()
    _update_target(session, campaign, actor)
    audit.record(
        session,
        "staff_survey.links_issued",
        actor=actor,
        agency_id=campaign.agency_id,
        target=f"campaign:{campaign.id}",
        detail={"links": sum(counts.values()), "units": len(counts)},
    )
    return tokens


def _must_be_open(campaign: Campaign) -> None:
    if campaign.status != "open":
        raise StaffSurveyError("ss_err_closed")


# -- invitations and reminders ---------------------------------------------------


@dataclass
class Outgoing:
    invitation_id: int
    email: str
    unit: Unit | None
    token: str


def prepare_mailing(
    session: Session, campaign: Campaign, actor: Actor, *, reminder: bool
) -> list[Outgoing]:
    """Fresh tokens for the invitations to mail now (the caller commits, then mails).

    Invitations: every named invitation not yet sent. Reminders: every sent one not
    used; its new token replaces the old (the earlier link stops working).
    """
    _must_be_open(campaign)
    statement = (
        select(StaffInvitation, Unit)
        .outerjoin(Unit, col(Unit.id) == StaffInvitation.unit_id)
        .where(
            col(StaffInvitation.campaign_id) == campaign.id, col(StaffInvitation.email).is_not(None)
        )
        .order_by(col(StaffInvitation.id))
    )
    if reminder:
        statement = statement.where(
            col(StaffInvitation.sent_at).is_not(None),
            col(StaffInvitation.used).is_(False),
        )
    else:
        statement = statement.where(col(StaffInvitation.sent_at).is_(None))
    now = clock.now()
    outgoing: list[Outgoing] = []
    for invitation, unit in session.execute(scoped(statement, "campaigns.manage", actor)).all():
        token = new_token()
        invitation.token_hash = hash_token(token)
        if reminder:
            invitation.reminded_at = now
        else:
            invitation.sent_at = now
        session.add(invitation)
        outgoing.append(Outgoing(invitation.id, invitation.email, unit, token))
    audit.record(
        session,
        "staff_survey.reminded" if reminder else "staff_survey.invited",
        actor=actor,
        agency_id=campaign.agency_id,
        target=f"campaign:{campaign.id}",
        detail={"messages": len(outgoing)},
    )
    return outgoing


def compose(
    agency: Agency, campaign: Campaign, item: Outgoing, link: str, *, reminder: bool
) -> Mail:
    """The bilingual plain-text invitation (or reminder): Chinese, then English."""
    zh, en = translator("zh-Hant-TW"), translator("en")

    def part(text: Translator, agency_name: str, unit_name: str) -> str:
        if reminder:
            opening = text.gettext(
                "A reminder: we have not received your answers yet. This message has a new "
                "link; the earlier one no longer works."
            )
        else:
            opening = text.gettext(
                "You are invited to take part in the agency's internal staff survey."
            )
        lines = [
            text.gettext("Dear colleague,"),
            "",
            opening,
            text.gettext("Survey: %(title)s", title=campaign.title),
            text.gettext("Agency: %(agency)s", agency=agency_name),
            text.gettext("Unit: %(unit)s", unit=unit_name),
            # Machines do not read this date, but the ISO form is unambiguous in both languages.
            text.gettext("Please answer by: %(date)s", date=campaign.ends_on.isoformat()),
            "",
            text.gettext("Your one-time link:"),
            link,
            "",
            text.gettext(
                "The survey is anonymous: the link only makes sure each person answers once. "
                "The system never records who gave which answers; it only knows how many have "
                "not answered yet, to send reminders and to report response rates. No result "
                "is shown for a group of fewer than 5 people."
            ),
        ]
        return "\n".join(lines) + "\n"

    survey = (zh.gettext("Staff survey"), en.gettext("Staff survey"))
    title = f"{agency.name_zh} {survey[0]} {survey[1]}"
    if reminder:
        reminders = (zh.gettext("Reminder"), en.gettext("Reminder"))
        title = f"[{reminders[0]} {reminders[1]}] {title}"
    body = (
        part(zh, agency.name_zh, item.unit.name_zh if item.unit else "—")
        + "\n-----\n\n"
        + part(en, agency.name_en, item.unit.name_en if item.unit else "—")
    )
    return Mail(
        to=item.email,
        subject=title,
        body=body,
        agency_id=agency.id,
        agency_code=agency.code,
    )


def mail_out(
    session: Session,
    app: Flask,
    agency: Agency,
    campaign: Campaign,
    outgoing: list[Outgoing],
    link_for: Any,
    *,
    reminder: bool,
) -> list[int]:
    """Store the prepared messages in the mail outbox, in the transaction that gave
    their tokens (``collector.mailqueue``); the ids of their sending jobs, to queue
    after the commit (:func:`deliver`).

    The messages are transient: the row holding a live link is erased (address,
    subject, text) the moment it is sent or finally fails, and it records no
    invitation id; docs/staff-survey.md."""
    mails = [
        compose(agency, campaign, item, link_for(item.token), reminder=reminder)
        for item in outgoing
    ]
    kind = "staff_survey.reminder" if reminder else "staff_survey.invitation"
    return outbox.store(session, app, mails, kind, transient=True)


def deliver(app: Flask, job_ids: list[int]) -> None:
    """After the commit: queue the sending jobs (never raises)."""
    outbox.kick(app, job_ids)


def close(session: Session, campaign: Campaign, actor: Actor) -> None:
    """Close the survey: no token works any more, and every e-mail address is erased.

    Every invitation row is rewritten here (not only those with an address), so
    no trace of the transaction that marked one used survives in the row itself
    (PostgreSQL's ``xmin``; see docs/staff-survey.md).
    """
    campaign.status = "closed"
    session.add(campaign)
    statement = (
        update(StaffInvitation)
        .where(col(StaffInvitation.campaign_id) == campaign.id)
        .values(email=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(scoped(statement, "campaigns.manage", actor))
    audit.record(
        session,
        "staff_survey.closed",
        actor=actor,
        agency_id=campaign.agency_id,
        target=f"campaign:{campaign.id}",
    )


# -- answering --------------------------------------------------------------------


@dataclass
class Target:
    """What a valid token lets its holder answer (no invitation id is carried on)."""

    token_hash: str
    campaign_id: int
    agency_id: int
    unit_id: int | None
    version_id: int


def find_target(session: Session, app: Flask, token: str) -> Target | None:
    """The open staff survey that ``token`` may still answer, else None."""
    if not token or len(token) > 100:
        return None
    token_hash = hash_token(token)
    row = session.execute(
        select(col(StaffInvitation.unit_id), Campaign)
        .join(Campaign, col(Campaign.id) == StaffInvitation.campaign_id)
        .where(col(StaffInvitation.token_hash) == token_hash, col(StaffInvitation.used).is_(False))
    ).first()
    if row is None:
        return None
    unit_id, campaign = row
    if campaign.status != "open" or not campaign.starts_on <= clock.today(app) <= campaign.ends_on:
        return None
    if unit_id is not None:
        invitees = session.execute(
            select(func.count())
            .select_from(StaffInvitation)
            .where(
                col(StaffInvitation.campaign_id) == campaign.id,
                col(StaffInvitation.unit_id) == unit_id,
            )
        ).scalar_one()
        if invitees < MIN_UNIT_INVITEES:
            unit_id = None
    return Target(
        token_hash=token_hash,
        campaign_id=campaign.id,
        agency_id=campaign.agency_id,
        unit_id=unit_id,
        version_id=campaign.questionnaire_version_id,
    )


def anonymise(prepared: Prepared) -> Prepared:
    """Strip what could tie the response to the moment (and so the invitation) it came from."""
    prepared.submitted_at = coarse(prepared.submitted_at)
    prepared.submission.started_at = None
    prepared.submission.idempotency_key = None
    return prepared


def store_answer(app: Flask, target: Target, prepared: Prepared) -> bool:
    """Spend the token and store the response in ONE transaction; False if already spent.

    The conditional ``UPDATE ... WHERE used = false`` comes first: of two requests
    with one token, only one updates a row (PostgreSQL re-checks the condition
    after waiting for the other's row lock; SQLite's BEGIN IMMEDIATE runs them one
    after the other). The response is then inserted by the writer's own
    ``store`` on the same connection; if it fails, the whole transaction, the
    spent token included, rolls back.
    """
    anonymise(prepared)
    engine = writing(get_engine(app))
    outbox = events.with_events(app)
    with engine.begin() as conn:
        if not _spend(conn, target):
            return False
        stored = writer.store(conn, [prepared], outbox)
        if not all(stored):
            raise RuntimeError("the staff survey response was not stored")
    if outbox:
        # Plugins hear of it as of any response, from the stored (anonymised) response:
        # no token, no invitation, the day only (collector.answers.events).
        events.notify_stored(app, get_plugins(app), int(prepared.submission_id))  # type: ignore[attr-defined]  # the writer sets it on what it stored
    return True


def _spend(conn: Connection, target: Target) -> bool:
    open_campaign = select(col(Campaign.id)).where(
        col(Campaign.id) == target.campaign_id, col(Campaign.status) == "open"
    )
    result = conn.execute(
        update(StaffInvitation)
        .where(
            col(StaffInvitation.token_hash) == target.token_hash,
            col(StaffInvitation.used).is_(False),
            col(StaffInvitation.campaign_id).in_(open_campaign),
        )
        .values(used=True)
    )
    return result.rowcount == 1


# -- results ----------------------------------------------------------------------


@dataclass
class UnitRate:
    code: str
    name_zh: str
    name_en: str
    invited: int
    respondents: int | None  # None: suppressed (< 5)
    rate: float | None
    satisfaction: dict[str, Any] | None = None


@dataclass
class Results:
    units: list[UnitRate]
    other: UnitRate | None
    overall: UnitRate
    headline: dict[str, Any]
    responses: int


def _pooled(label: LazyText, invited: int, respondents: int) -> UnitRate:
    """A row for several units together; its respondents and rate are shown only from
    ``MIN_CELL`` respondents on, like a unit's."""
    names = by_language(label)
    shown = respondents >= MIN_CELL
    return UnitRate(
        code="",
        name_zh=names["zh-Hant-TW"],
        name_en=names["en"],
        invited=invited,
        respondents=respondents if shown else None,
        rate=respondents / invited if shown and invited else None,
    )


def results(session: Session, campaign: Campaign, action: str = "results.read") -> Results:
    """Response rate per unit and overall; the headline satisfaction; cells < 5 suppressed.

    A unit's rate is used / invited (or used / population for a head-counted unit).
    A unit with fewer than 5 respondents shows "<5" and no rate; those units are
    merged into "other units", itself suppressed when still under 5. Secondary
    suppression: while the merged units hold 1-4 respondents, the smallest unit
    shown is merged too (else total minus the units shown would give them away);
    per-unit satisfaction follows the same rule.
    """
    inv = session.execute(
        scoped(
            select(
                col(StaffInvitation.unit_id),
                func.count(),
                func.sum(cast(StaffInvitation.used, Integer)),
            )
            .where(col(StaffInvitation.campaign_id) == campaign.id)
            .group_by(col(StaffInvitation.unit_id)),
            action,
        )
    ).all()
    population = unit_populations(session, campaign, action)
    units = {
        u.id: u
        for u in session.execute(
            scoped(select(Unit).where(col(Unit.agency_id) == campaign.agency_id), action)
        ).scalars()
    }
    answers = session.execute(
        scoped(
            select(col(Response.unit_id), col(Response.answers)).where(
                col(Response.campaign_id) == campaign.id
            ),
            action,
        )
    ).all()
    responses = len(answers)
    by_unit: dict[int | None, list[float | None]] = {}
    for unit_id, stored in answers:
        for number, _ in stored.get(HEADLINE, ()):
            by_unit.setdefault(unit_id, []).append(number)

    rows: list[tuple[UnitRate, int, int | None]] = []  # (row, respondents, unit id)
    NO_UNIT = by_language(lazy_gettext("(no unit)"))
    total_invited = total_used = 0
    for unit_id, invited, used in sorted(inv, key=lambda r: _unit_key(units, r[0])):
        used = int(used or 0)
        denominator = int(population.get(unit_id) or invited)
        total_invited += denominator
        total_used += used
        unit = units.get(unit_id) if unit_id is not None else None
        row = UnitRate(
            code=unit.code if unit else "",
            name_zh=unit.name_zh if unit else NO_UNIT["zh-Hant-TW"],
            name_en=unit.name_en if unit else NO_UNIT["en"],
            invited=denominator,
            respondents=used,
            rate=used / denominator if denominator else None,
        )
        rows.append((row, used, unit_id))
    # Primary suppression: units under 5. Secondary: while the suppressed units hold
    # 1-4 respondents together, the total minus the units shown would reveal them,
    # so the smallest unit shown joins them.
    hidden = hidden_cells({i: used for i, (_, used, _) in enumerate(rows)})
    # The same for satisfaction: responses without a unit count as suppressed ones.
    n_of = {i: len(by_unit.get(rows[i][2], [])) for i in range(len(rows)) if i not in hidden}
    all_scores = sum(len(v) for v in by_unit.values())
    withheld = hidden_cells(n_of, all_scores)  # apart: within "-", mypy infers K as object
    scored = set(n_of) - withheld
    shown: list[UnitRate] = []
    other_invited = other_used = 0
    for i, (row, used, unit_id) in enumerate(rows):
        if i in hidden:
            row.respondents = row.rate = None
            other_invited += row.invited
            other_used += used
        elif i in scored:
            row.satisfaction = _summary(by_unit.get(unit_id, []))
        shown.append(row)
    other = None
    if hidden:
        other = _pooled(lazy_gettext("Other units (merged)"), other_invited, other_used)
    overall = _pooled(lazy_gettext("Whole agency"), total_invited, total_used)
    headline = _summary([v for values in by_unit.values() for v in values])
    return Results(shown, other, overall, headline, int(responses))


def _summary(values: list[float | None]) -> dict[str, Any]:
    return likert_summary(pd.Series(values, dtype="float64"))


def _unit_key(units: dict[int, Unit], unit_id: int | None) -> tuple[int, str]:
    unit = units.get(unit_id) if unit_id is not None else None
    return (0, unit.code) if unit else (1, "")


def default_ends_on(app: Flask) -> date:
    return clock.today(app) + timedelta(days=14)
