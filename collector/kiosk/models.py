"""The kiosk table: one registered device per row, never deleted (responses name it).

Secrets are stored as hashes only: the pairing code and the device credential as
SHA-256 (both long random values chosen here, so a fast hash is enough), the staff PIN
with Argon2id (short and chosen by a person). The migration is
``core/migrations/versions/0014``.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field
from sqlmodel import SQLModel

from collector.core.clock import utcnow


class Kiosk(SQLModel, table=True):
    """A tablet at a unit's counter: its questionnaire, its secrets, what it last reported."""

    __tablename__ = "kiosk"
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    name: str = Field(max_length=100)
    questionnaire: str = Field(max_length=64)  # the slug it shows (its current version)
    pairing_hash: str | None = Field(default=None, max_length=64, unique=True)
    pairing_expires_at: datetime | None = None
    credential_hash: str | None = Field(default=None, max_length=64, unique=True)
    pin_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int | None = Field(default=None, foreign_key="staff_user.id")
    paired_at: datetime | None = None
    last_seen_at: datetime | None = None
    queue_length: int | None = None  # answers waiting on the device, as it last said
    app_version: str | None = Field(default=None, max_length=32)
    revoked_at: datetime | None = None
