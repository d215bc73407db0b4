"""The data of one submission: what was sent (:class:`Submission`) and the same, checked
and turned into stored pairs, ready for the writer (:class:`Prepared`). The checking
(``collector.answers.submission``) and the writer (``collector.answers.writer``) both
take them, so they sit below both."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from collector.core.clock import utcnow
from collector.core.models import Agency
from collector.core.models import QuestionnaireVersion
from collector.core.models import Unit

# What body_hash hashes (as json.dumps with these options; answers come from parsed
# JSON, so they hold no cycles to check for).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str, check_circular=False)


@dataclass
class Submission:
    """What a citizen (or a client on their behalf) sent."""

    questionnaire: QuestionnaireVersion
    agency: Agency
    unit: Unit | None
    channel: str
    language: str
    answers: dict[str, Any]
    started_at: datetime | None = None
    idempotency_key: str | None = None
    campaign_id: int | None = None
    batch: str | None = None  # paper questionnaires: the batch they were keyed in from
    entered_by: int | None = None  # paper questionnaires: the staff member who keyed them
    kiosk_id: int | None = None  # kiosk answers: the device that took them
    client_submitted_at: datetime | None = None  # kiosk answers queued offline: the device's time

    def body_hash(self) -> str:
        """What a retry must repeat exactly for its idempotency key to be honoured."""
        body = {
            "questionnaire": self.questionnaire.slug,
            "version": self.questionnaire.version,
            "agency": self.agency.code,
            "unit": self.unit.code if self.unit else None,
            "channel": self.channel,
            "language": self.language,
            "answers": self.answers,
        }
        return hashlib.sha256(_CANONICAL.encode(body).encode("utf-8")).hexdigest()


@dataclass
class Prepared:
    """A valid submission turned into rows, ready for the writer."""

    submission: Submission
    receipt: str
    body_hash: str
    answers: dict[str, Any]
    # As ``Response.answers`` stores them: {key: [(number, text), ...]} (``to_rows``).
    stored: dict[str, list[tuple[float | None, str | None]]] = field(default_factory=dict)
    submitted_at: datetime = field(default_factory=utcnow)
