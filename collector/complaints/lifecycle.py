"""The state machine of a complaint case: which action may start from which status and
where it leads, the legal grounds for declining, and the errors an action can raise."""

from __future__ import annotations

from collector.complaints.records import clean_text
from collector.core.models import Complaint

OPEN = frozenset({"received", "assigned", "in_progress", "awaiting_supplement", "reopened"})
"""Statuses in which the deadline clock runs (or is paused) and the handler must act."""


FINAL = frozenset({"merged", "transferred"})
"""Statuses after which the case is a read-only trail."""


TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "assign": (OPEN - {"awaiting_supplement"}, "assigned"),
    "start": (frozenset({"received", "assigned", "reopened"}), "in_progress"),
    "decline": (OPEN, "declined"),
    "request_supplement": (OPEN - {"awaiting_supplement"}, "awaiting_supplement"),
    "supplement_received": (frozenset({"awaiting_supplement"}), "in_progress"),
    "extend": (OPEN, None),
    "transfer_unit": (OPEN - {"awaiting_supplement"}, "assigned"),
    "transfer_agency": (OPEN - {"awaiting_supplement"}, "transferred"),
    "reply": (OPEN - {"awaiting_supplement"}, "replied"),
    "close": (frozenset({"replied", "declined"}), "closed"),
    "reopen": (frozenset({"replied", "closed", "declined"}), "reopened"),
    "merge": (OPEN, "merged"),
    "note": (OPEN | {"replied", "closed", "declined"}, None),
}
"""Action -> (statuses it may start from, status it leads to; None: unchanged)."""


DECLINE_GROUNDS = (
    "no_concrete_content",  # 無具體內容
    "no_real_name_or_address",  # 未具真實姓名或住址
    "repeated_answered",  # 同一事由經予適當處理並已明確答覆，而仍一再陳情
    "not_a_complaint",  # 非屬陳情事項（如依法應提起訴願、訴訟）
    "other",
)
"""Legal grounds for declining (行政程序法 §173; 處理人民陳情案件要點)."""


class CaseError(ValueError):
    """An action the case's state or the input does not allow; ``key`` is an i18n key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class StaleCase(CaseError):
    """Someone else changed the case since the form was shown."""

    def __init__(self) -> None:
        super().__init__("case_stale", "the case changed since you opened it; reload and retry")


def require_reason(reason: str | None, what: str) -> str:
    text = clean_text(reason, 2000)
    if not text:
        raise CaseError("case_reason_required", f"{what} needs a written reason")
    return text


def check_version(case: Complaint, expected: int | None) -> None:
    if expected is not None and case.version != expected:
        raise StaleCase()
