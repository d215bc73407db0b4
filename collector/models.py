"""Database tables (SQLModel). Migrations in ``collector/migrations`` mirror this file.

Answers are stored one row per answer value (``answer``), so a questionnaire may
have any number of questions and analysis reads one item across all responses
with a single indexed query.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

CHANNELS = ("online", "qr", "kiosk", "paper", "phone")


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware (SQLModel stores aware datetimes)."""
    return datetime.now(UTC)


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


class Answer(SQLModel, table=True):
    """One answer value: numeric answers in ``number``, everything else in ``text``.

    A multiple-choice answer is one row per chosen value (``position`` 0, 1, ...).
    """

    response_id: int = Field(foreign_key="response.id", primary_key=True)
    question_key: str = Field(max_length=64, primary_key=True)
    position: int = Field(default=0, primary_key=True)
    number: float | None = None
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
