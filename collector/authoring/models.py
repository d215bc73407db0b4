"""The uploaded, checked questionnaire an administrator previews before publishing.

A draft is the checked definition (canonical JSON), never the uploaded file: what is
previewed is exactly what is published. It belongs to the agency it was uploaded
for (``agency_id``, so scoped queries keep other agencies out). The migration is
``core/migrations/versions/0014``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlalchemy import Text
from sqlmodel import Field
from sqlmodel import SQLModel

from collector.core.clock import utcnow


class QuestionnaireDraft(SQLModel, table=True):
    """A checked upload waiting to be previewed and published."""

    __tablename__ = "questionnaire_draft"
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    slug: str = Field(max_length=64)
    filename: str = Field(max_length=200)
    definition: str = Field(sa_column=Column(Text, nullable=False))
    fingerprint: str = Field(max_length=64)
    uploaded_by: int | None = Field(default=None, foreign_key="staff_user.id")
    uploaded_at: datetime = Field(default_factory=utcnow)
