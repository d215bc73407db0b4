"""Database tables (SQLModel). Migrations in ``collector/migrations`` mirror this file.

A response keeps its answers with it, in one JSON document (``response.answers``):
any number of questions, written with the response in one row (the submission
path's cost is per row, see bench/README.md), and read back by analysis with the
response in one query.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import CheckConstraint
from sqlalchemy import Column
from sqlalchemy import Index
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field
from sqlmodel import SQLModel

from collector.core.clock import utcnow

CHANNELS = ("online", "qr", "kiosk", "paper", "phone")


class AgencyBase(SQLModel):
    code: str = Field(max_length=32, unique=True, index=True)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    level: str = Field(default="agency", max_length=16)  # ministry | agency


class Agency(AgencyBase, table=True):
    """A ministry or an agency; an agency's ``parent_id`` names its ministry."""

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="agency.id", index=True)


class UnitBase(SQLModel):
    code: str = Field(max_length=32)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)


class Unit(UnitBase, table=True):
    """A service unit: a counter or a branch office of an agency."""

    __table_args__ = (UniqueConstraint("agency_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)


class QuestionnaireVersion(SQLModel, table=True):
    """One published version of a questionnaire; answers point at exactly one."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (
        UniqueConstraint("slug", "version"),
        UniqueConstraint("slug", "fingerprint"),
    )
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, index=True)
    version: int
    fingerprint: str = Field(max_length=64)
    definition: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(max_length=100)
    published_at: datetime = Field(default_factory=utcnow)
    # An agency's own questionnaire, uploaded and published by its administrator
    # (collector.authoring): only that agency offers it. NULL: registered by a plugin.
    # (No foreign key: SQLite could not add one without rebuilding this referenced table.)
    owner_agency_id: int | None = Field(default=None, index=True)


class QuestionnaireOffer(SQLModel, table=True):
    """An agency's own choice to offer a registered questionnaire or not
    (``collector.core.offering``); without one, the registering plugin's
    ``questionnaire_offered`` hook decides, and a questionnaire nobody decides for is
    offered everywhere."""

    __tablename__ = "questionnaire_offer"
    agency_id: int = Field(foreign_key="agency.id", primary_key=True)
    slug: str = Field(max_length=64, primary_key=True)
    offered: bool
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by: int | None = Field(default=None, foreign_key="staff_user.id")


class Response(SQLModel, table=True):
    """A submitted questionnaire. No IP address or other identifier is stored."""

    __table_args__ = (
        UniqueConstraint("agency_id", "idempotency_key"),
        Index("ix_response_version_submitted", "questionnaire_version_id", "submitted_at"),
        Index("ix_response_agency_submitted", "agency_id", "submitted_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    receipt: str = Field(max_length=32, unique=True)
    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id")
    agency_id: int = Field(foreign_key="agency.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    channel: str = Field(max_length=16)
    language: str = Field(max_length=16)
    started_at: datetime | None = None
    submitted_at: datetime = Field(default_factory=utcnow)
    idempotency_key: str | None = Field(default=None, max_length=128)
    body_hash: str | None = Field(default=None, max_length=64)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    # Paper questionnaires keyed in by counter staff: the batch they came in and who keyed
    # them (accountability for data entry; it says nothing about the citizen).
    batch: str | None = Field(default=None, max_length=32)
    entered_by: int | None = Field(default=None, foreign_key="staff_user.id")
    # Answers taken on a counter kiosk (``collector.kiosk``): the device (``kiosk.id``; a
    # kiosk is revoked, never deleted), and the time the device says the answer was
    # given when it was queued offline: the client's claim, kept apart from
    # ``submitted_at`` (when the server stored it).
    kiosk_id: int | None = Field(default=None, index=True)
    client_submitted_at: datetime | None = None
    # {question key: [[number, text], ...]}: each answer as its question type's
    # ``to_rows`` gave it (numeric values in ``number``, everything else in ``text``;
    # a multiple-choice answer has one pair per chosen value, in order). Read each
    # answer back with its type's ``from_rows`` (``collector.results.reading.load_table``).
    # ``jsonb`` on PostgreSQL (migration 0018): the results pages extract answers in
    # ``GROUP BY`` queries, and ``json`` is parsed again at every extraction.
    answers: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(
            JSON().with_variant(JSONB(), "postgresql"),
            nullable=False,
            server_default=text("'{}'"),
        ),
    )
    # A keyed-in paper questionnaire corrected, voided or restored by staff
    # (``collector.answers.corrections``): ``revision`` counts its versions (a form opened
    # on an older one is refused); a voided one (``voided_at`` set) is left out of every
    # result, count and export (``collector.core.voiding``) but kept, with every earlier
    # version in ``response_revision``, for the audit trail.
    revision: int = Field(default=1, sa_column_kwargs={"server_default": text("1")})
    voided_at: datetime | None = None


RESPONSE_CHANGES = ("corrected", "voided", "restored")


class ResponseRevision(SQLModel, table=True):
    """One change to a keyed-in response: who, when, why, and for a correction the
    answers it replaced (the earlier version, exactly as stored). Append-only."""

    __tablename__ = "response_revision"
    __table_args__ = (
        UniqueConstraint("response_id", "revision"),
        CheckConstraint(
            "kind IN ('corrected', 'voided', 'restored')", name="ck_response_revision_kind"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    revision: int  # the response's revision this change made (2 for the first change)
    kind: str = Field(max_length=16)
    at: datetime = Field(default_factory=utcnow)
    actor_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    actor_label: str = Field(default="", max_length=254)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    replaced: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


ROLES = (
    "system_admin",
    "ministry_admin",
    "agency_admin",
    "analyst",
    "case_handler",
    "counter_staff",
)
"""Staff roles; what each may do is in ``collector.access.permissions.MATRIX`` (docs/access.md)."""


class User(SQLModel, table=True):
    """A staff account. Only a system administrator has no agency; a ministry
    administrator's agency is the ministry. Accounts are disabled, never deleted."""

    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('system_admin', 'ministry_admin', 'agency_admin', 'analyst', "
            "'case_handler', 'counter_staff')",
            name="ck_staff_user_role",
        ),
        CheckConstraint(
            "(role = 'system_admin' AND agency_id IS NULL) "
            "OR (role <> 'system_admin' AND agency_id IS NOT NULL)",
            name="ck_staff_user_agency",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # stored lower-cased
    display_name: str = Field(max_length=100)
    password_hash: str | None = Field(default=None, max_length=255)  # None: single sign-on only
    role: str = Field(max_length=32)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    active: bool = True
    session_version: int = 1  # bumped to end every session of the account at once
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """One append-only, hash-chained audit record (``collector.access.audit``).

    ``hash`` is SHA-256 over the canonical JSON of the event and ``prev_hash``;
    ``prev_hash`` is unique, so two appends can never chain onto the same event.
    """

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    actor_label: str = Field(default="", max_length=254)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    action: str = Field(max_length=64, index=True)
    target: str = Field(default="", max_length=254)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    address: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)


CAMPAIGN_STATUSES = ("draft", "open", "closed")


class Campaign(SQLModel, table=True):
    """A questionnaire version published to chosen units of an agency for a period.

    The target sample size is computed from a margin of error and confidence level
    (with the finite-population correction when the population is known) or typed in.
    """

    __table_args__ = (
        CheckConstraint("status IN ('draft', 'open', 'closed')", name="ck_campaign_status"),
        CheckConstraint("ends_on >= starts_on", name="ck_campaign_period"),
    )
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id")
    title: str = Field(max_length=200)
    starts_on: date
    ends_on: date
    status: str = Field(default="draft", max_length=16)
    target_n: int = Field(ge=1)
    margin: float | None = None  # e.g. 0.03 for ±3 percentage points
    confidence: float | None = None  # e.g. 0.95
    population: int | None = None  # N for the finite-population correction
    design_effect: float | None = None
    sampling_instructions: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class CampaignUnit(SQLModel, table=True):
    """A unit taking part in a campaign, with its own target and population (e.g. staff count)."""

    __tablename__ = "campaign_unit"
    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    target_n: int | None = None
    population: int | None = None


class StaffInvitation(SQLModel, table=True):
    """A one-time invitation to an internal staff survey.

    Only the token's hash is kept, and ``used`` records that the token was spent,
    never when nor which response it gave: the database can count who has not
    answered (for reminders and response rates) but cannot link an answer to a
    person. ``email`` is cleared when the campaign closes.
    """

    __tablename__ = "staff_invitation"
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    email: str | None = Field(default=None, max_length=254)
    token_hash: str = Field(max_length=64, unique=True)
    sent_at: datetime | None = None
    reminded_at: datetime | None = None
    used: bool = False


# --- Complaints (陳情) -------------------------------------------------------

COMPLAINT_STATUSES = (
    "received",
    "declined",
    "assigned",
    "in_progress",
    "awaiting_supplement",
    "replied",
    "closed",
    "reopened",
    "merged",
    "transferred",
)
"""Where a case stands; ``collector.complaints.lifecycle.TRANSITIONS`` says what may follow what."""

COMPLAINT_CHANNELS = ("online", "phone", "counter", "letter", "email", "open311", "api")
REPLY_CHANNELS = ("email", "letter", "phone", "none")
DAY_KINDS = ("calendar", "working")
ATTACHMENT_SCANS = ("clean", "held", "released", "unscanned")
"""What the virus scanner said of an attachment: ``clean`` (it found nothing), ``held`` (no
scanner is configured: not served until a handler releases it), ``released`` (released
unscanned by a handler), ``unscanned`` (stored before scanning existed; served)."""
OUTCOMES = ("upheld", "partly_upheld", "not_upheld", "explained", "withdrawn")
"""How a closed case ended, for the follow-up sample (stratified by category and outcome)."""


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ComplaintPolicy(SQLModel, table=True):
    """An agency's complaint rules; categories may override the deadline."""

    __tablename__ = "complaint_policy"
    __table_args__ = (CheckConstraint(_in("day_kind", DAY_KINDS), name="ck_policy_day_kind"),)
    agency_id: int = Field(foreign_key="agency.id", primary_key=True)
    deadline_days: int = Field(default=30, ge=1)
    day_kind: str = Field(default="calendar", max_length=16)
    due_soon_days: int = Field(default=3, ge=0)  # working days before the due date
    accept_anonymous: bool = True
    followup: bool = True  # send the handling-satisfaction link when a case closes


class ComplaintCategory(SQLModel, table=True):
    """A kind of complaint: its deadline, routing, reply templates and retention."""

    __tablename__ = "complaint_category"
    __table_args__ = (
        UniqueConstraint("agency_id", "code"),
        CheckConstraint(
            "day_kind IS NULL OR " + _in("day_kind", DAY_KINDS), name="ck_category_day_kind"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    code: str = Field(max_length=32)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    deadline_days: int | None = None  # None: the agency's policy
    day_kind: str | None = Field(default=None, max_length=16)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")  # default routing
    handler_id: int | None = Field(default=None, foreign_key="staff_user.id")
    retention_class: str = Field(default="standard", max_length=32)
    reply_template_zh: str = Field(default="", sa_column=Column(Text, nullable=False))
    reply_template_en: str = Field(default="", sa_column=Column(Text, nullable=False))
    active: bool = True


class Complaint(SQLModel, table=True):
    """A complaint case. Contact details are personal data: read them through
    ``collector.complaints.complainant.identity`` (which hides a confidential
    complainant from staff who do not need it and audits the view).

    ``received_on`` starts the deadline clock (a transfer restarts it at the
    receiving agency); ``due_on`` is recomputed from the case's events.
    """

    __table_args__ = (
        CheckConstraint(_in("status", COMPLAINT_STATUSES), name="ck_complaint_status"),
        CheckConstraint(_in("channel", COMPLAINT_CHANNELS), name="ck_complaint_channel"),
        CheckConstraint(_in("reply_channel", REPLY_CHANNELS), name="ck_complaint_reply_channel"),
        CheckConstraint(
            "outcome IS NULL OR " + _in("outcome", OUTCOMES), name="ck_complaint_outcome"
        ),
        Index("ix_complaint_agency_status_due", "agency_id", "status", "due_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(max_length=20, unique=True)
    access_hash: str = Field(max_length=255)  # Argon2id of the complainant's password
    link_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the follow link's token
    agency_id: int = Field(foreign_key="agency.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    handler_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    category_id: int = Field(foreign_key="complaint_category.id")
    subject: str = Field(max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    location: str | None = Field(default=None, max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    channel: str = Field(max_length=16)
    language: str = Field(max_length=16)
    status: str = Field(default="received", max_length=24)
    anonymous: bool = False
    confidential: bool = False
    identity_withheld: bool = False  # a transfer copy of a confidential case
    name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)
    reply_channel: str = Field(default="email", max_length=16)
    read_back_confirmed: bool | None = None  # oral complaints: read back and confirmed
    received_at: datetime = Field(default_factory=utcnow)
    received_on: date
    due_on: date
    extension_days: int = 0
    paused_since: date | None = None
    replied_at: datetime | None = None
    # The Taiwan date of the first reply or decline (never reset by a reopening): the day
    # the case was answered, compared with ``due_on`` by the complaint statistics.
    answered_on: date | None = None
    closed_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=24)
    decline_ground: str | None = Field(default=None, max_length=300)
    merged_into_id: int | None = Field(default=None, foreign_key="complaint.id")
    transferred_from_id: int | None = Field(default=None, foreign_key="complaint.id")
    transferred_to_id: int | None = Field(default=None, foreign_key="complaint.id")
    retention_class: str = Field(default="standard", max_length=32)
    retain_until: date | None = None
    restricted_at: datetime | None = None  # a deletion request: restricted until retain_until
    destroyed_at: datetime | None = None
    version: int = 1  # optimistic concurrency: two handlers cannot overwrite each other


class ComplaintEvent(SQLModel, table=True):
    """One append-only entry of a case's history: who, when, what, why."""

    __tablename__ = "complaint_event"
    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    actor_label: str = Field(default="", max_length=254)
    kind: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str | None = Field(default=None, max_length=24)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    public: bool = False  # shown to the complainant on the follow page


class ComplaintAttachment(SQLModel, table=True):
    """A file attached to a case, stored outside the web root under a random name."""

    __tablename__ = "complaint_attachment"
    __table_args__ = (CheckConstraint(_in("scan", ATTACHMENT_SCANS), name="ck_attachment_scan"),)
    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    stored_name: str = Field(max_length=64, unique=True)
    filename: str = Field(max_length=200)  # cleaned display name, never a path
    content_type: str = Field(max_length=100)  # detected from the content
    size: int
    sha256: str = Field(max_length=64)
    uploaded_at: datetime = Field(default_factory=utcnow)
    uploaded_by: int | None = Field(default=None, foreign_key="staff_user.id")
    scan: str = Field(default="held", max_length=16)
    released_by: int | None = Field(default=None, foreign_key="staff_user.id")
    released_at: datetime | None = None


class ComplaintFollowup(SQLModel, table=True):
    """The handling-satisfaction follow-up of a closed case: a one-time online link,
    or a phone interview of a case drawn into the sample."""

    __tablename__ = "complaint_followup"
    __table_args__ = (
        CheckConstraint("channel IN ('online', 'phone')", name="ck_followup_channel"),
    )
    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    channel: str = Field(max_length=16)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    used_at: datetime | None = None
    response_id: int | None = Field(default=None, foreign_key="response.id")
    sample_id: str | None = Field(default=None, max_length=32)  # which phone sample drew it


class ComplaintReceipt(SQLModel, table=True):
    """What the confirmation page shows once after a complaint is filed online: the
    case's password and follow-link token. Kept here, not in the session cookie (signed,
    not encrypted: readable in the browser), under the SHA-256 of a random key that the
    session holds; deleted once shown, and when it expires."""

    __tablename__ = "complaint_receipt"
    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    password: str = Field(max_length=64)
    link_token: str = Field(max_length=64)
    expires_at: datetime = Field(index=True)


class CalendarDay(SQLModel, table=True):
    """An editable exception to the weekend rule: a holiday or a make-up working day.

    ``agency_id`` NULL: the national calendar (on top of the bundled data);
    otherwise one agency's own extra day.
    """

    __tablename__ = "calendar_day"
    __table_args__ = (UniqueConstraint("agency_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    day: date
    working: bool
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)


class RateLimitCounter(SQLModel, table=True):
    """One counter of a rate limit, shared by every worker (``collector.access.limitstore``).

    ``key`` is the SHA-256 of the ``limits`` library's key (a client's address or
    e-mail address never stands in this table); ``expires_at`` is in seconds since
    the epoch, and an expired row counts as absent until it is purged.
    """

    __tablename__ = "rate_limit_counter"
    key: str = Field(max_length=64, primary_key=True)
    count: int = 0
    expires_at: float = Field(index=True)


class FailureBackoff(SQLModel, table=True):
    """Failed attempts of one kind by one party (``collector.access.backoff``): an account
    from an address, a case number from an address, a case number from anywhere.

    ``key`` is a SHA-256; ``wait_until`` is when the next attempt may be checked and
    ``expires_at`` when the failures are forgotten (seconds since the epoch).
    """

    __tablename__ = "failure_backoff"
    key: str = Field(max_length=64, primary_key=True)
    failures: int = 0
    wait_until: float = 0.0
    expires_at: float = Field(index=True)


# --- Review and improvement (檢討改善) ----------------------------------------

FINDING_KINDS = ("low_item", "weak_unit", "ipa_item", "complaint_category", "falling_trend")
"""What an improvement action addresses (``collector.improvement.findings``)."""
ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")
"""Where an improvement action stands; ``planned`` and ``in_progress`` are open."""
MEASURES = ("top2", "score")
"""The survey measure an action's before/after compares: top-two-box share or 0-100 score."""
COMPLAINT_REASONS = ("many", "overdue")
"""Why a complaint category is a finding: many cases, or cases answered late."""


class ImprovementAction(SQLModel, table=True):
    """One improvement action (檢討改善): the finding it answers, who owns it, by when,
    what is done and where it stands. Its history is :class:`ImprovementEvent`.

    The finding: ``finding_kind`` with what it needs (``questionnaire_slug`` and
    ``item_key`` for survey findings, ``unit_id`` for a weak unit, ``category_id`` and
    ``complaint_reason`` for a complaint category) and ``wave_key``, the wave it was
    found in (``collector.results.waves``: ``2025H1``, ``c12``).
    """

    __tablename__ = "improvement_action"
    __table_args__ = (
        CheckConstraint(_in("finding_kind", FINDING_KINDS), name="ck_improvement_finding"),
        CheckConstraint(_in("status", ACTION_STATUSES), name="ck_improvement_status"),
        CheckConstraint(_in("measure", MEASURES), name="ck_improvement_measure"),
        CheckConstraint(
            "complaint_reason IS NULL OR " + _in("complaint_reason", COMPLAINT_REASONS),
            name="ck_improvement_reason",
        ),
        Index("ix_improvement_action_agency_status_due", "agency_id", "status", "due_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    finding_kind: str = Field(max_length=24)
    questionnaire_slug: str | None = Field(default=None, max_length=64, index=True)
    item_key: str | None = Field(default=None, max_length=64)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    category_id: int | None = Field(default=None, foreign_key="complaint_category.id")
    complaint_reason: str | None = Field(default=None, max_length=16)
    wave_key: str = Field(max_length=16)
    measure: str = Field(default="top2", max_length=8)
    title: str = Field(max_length=200)
    measure_taken: str = Field(default="", sa_column=Column(Text, nullable=False))
    owner_id: int = Field(foreign_key="staff_user.id")
    due_on: date
    status: str = Field(default="planned", max_length=16)
    done_on: date | None = None  # the day the measure took effect (status done)
    created_by: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1  # optimistic concurrency: two editors cannot overwrite each other


class ImprovementEvent(SQLModel, table=True):
    """One append-only entry of an action's history: created, changed, status, evidence."""

    __tablename__ = "improvement_event"
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="improvement_action.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    actor_label: str = Field(default="", max_length=254)
    kind: str = Field(max_length=16)  # created | changed | status | evidence
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, max_length=500)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))


JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(SQLModel, table=True):
    """A piece of background work (``collector.jobs``) and what became of it.

    The queue (huey, on SQLite or Redis) only carries the job's id; this row is the
    durable record the console and the command line read: who asked for what, how
    far it got, each attempt, the error, and the result file with its SHA-256.
    ``lease_until`` (seconds since the epoch) is how long the worker that claimed the
    job (``claim``, a random token) holds it: a running job whose lease ran out lost
    its worker and is queued again.
    """

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="ck_job_status"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="ck_job_progress"),
        Index("ix_job_agency_created", "agency_id", "created_at"),
        Index("ix_job_status_lease", "status", "lease_until"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    requested_by: int | None = Field(default=None, foreign_key="staff_user.id")
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False, server_default=text("'{}'")),
    )
    status: str = Field(default="queued", max_length=16)
    progress: int = 0
    message: str = Field(default="", max_length=200)
    attempts: int = 0
    max_attempts: int = 1
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    result_path: str | None = Field(default=None, max_length=500)
    result_name: str | None = Field(default=None, max_length=200)
    result_type: str | None = Field(default=None, max_length=100)
    result_size: int | None = None
    result_sha256: str | None = Field(default=None, max_length=64)
    claim: str | None = Field(default=None, max_length=32)
    lease_until: float | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
