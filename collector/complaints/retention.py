"""How long a closed case is kept (``COMPLAINT_RETENTION_YEARS`` by retention class) and
when it may be destroyed; the restriction and destruction themselves are actions of
``collector.complaints.service.CaseService``."""

from __future__ import annotations

from datetime import date

from flask import Flask

from collector.complaints.lifecycle import CaseError
from collector.core.models import Complaint


def retention_years(app: Flask, retention_class: str) -> int | None:
    """Years a closed case is kept (None: permanently), from COMPLAINT_RETENTION_YEARS."""
    classes: dict[str, int | None] = app.config["COMPLAINT_RETENTION_YEARS"]
    if retention_class not in classes:
        raise CaseError("case_bad_retention", f"unknown retention class {retention_class!r}")
    return classes[retention_class]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def destroyable(case: Complaint, today: date) -> bool:
    return (
        case.destroyed_at is None
        and case.status in ("closed", "declined", "merged", "transferred")
        and case.retain_until is not None
        and case.retain_until <= today
    )
