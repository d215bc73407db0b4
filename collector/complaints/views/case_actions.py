"""The case page's actions, dispatched through one table: each action's name (the
``lifecycle.TRANSITIONS`` key, also its form's prefix) gives the ``CaseService``
call that its form's fields feed. The table holds no logic of its own: what an
action may do is decided by the service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.guard import unscoped
from collector.access.scoped import scoped
from collector.complaints import lifecycle
from collector.complaints import records
from collector.complaints.service import CaseService
from collector.complaints.views.case_page import HANDLE
from collector.core.mail import Mail
from collector.core.models import Agency
from collector.core.models import Complaint
from collector.core.models import ComplaintCategory

Run = Callable[[CaseService, Complaint, Any, int | None], list[Mail]]
"""(service, case, the validated form, the form's case version) -> the e-mails to send."""


def _optional_id(field: Any) -> int | None:
    return int(field.data) if field.data else None


def _transfer_agency(
    service: CaseService, case: Complaint, f: Any, version: int | None
) -> list[Mail]:
    """The receiving agency is found through the chosen category, which may belong to any
    agency: a name, not data, of that agency (``case_page.transfer_choices``)."""
    category = service.session.execute(
        unscoped(
            select(ComplaintCategory).where(col(ComplaintCategory.id) == int(f.category.data)),
            "the receiving agency's category of a transfer",
        )
    ).scalar_one_or_none()
    agency = None
    if category is not None:
        agency = service.session.execute(
            unscoped(
                select(Agency).where(col(Agency.id) == category.agency_id),
                "the receiving agency of a transfer",
            )
        ).scalar_one_or_none()
    if category is None or agency is None:
        raise lifecycle.CaseError("case_bad_category", "no such category")
    _copy, mails = service.transfer_to_agency(
        case, agency=agency, category=category, reason=f.reason.data, expected_version=version
    )
    return mails


def _merge(service: CaseService, case: Complaint, f: Any, version: int | None) -> list[Mail]:
    """The case to merge into is named by its number, within what the actor may handle."""
    number = records.normalise_case_number(f.into.data or "")
    session: Session = service.session
    into = session.execute(
        scoped(select(Complaint).where(col(Complaint.case_number) == number), HANDLE, service.actor)
    ).scalar_one_or_none()
    if into is None or into.destroyed_at is not None:
        raise lifecycle.CaseError("cs_merge_not_found", "no such case in this agency")
    return service.merge(case, into=into, reason=f.reason.data, expected_version=version)


ACTIONS: dict[str, Run] = {
    "assign": lambda s, case, f, v: s.assign(
        case,
        unit_id=_optional_id(f.unit),
        handler_id=_optional_id(f.handler),
        reason=f.reason.data or "",
        expected_version=v,
    ),
    "start": lambda s, case, f, v: s.start(case, expected_version=v),
    "decline": lambda s, case, f, v: s.decline(
        case, ground=f.ground.data, reason=f.reason.data, expected_version=v
    ),
    "request_supplement": lambda s, case, f, v: s.request_supplement(
        case, reason=f.reason.data, expected_version=v
    ),
    "supplement_received": lambda s, case, f, v: s.resume(
        case, text=f.text.data, expected_version=v
    ),
    "extend": lambda s, case, f, v: s.extend(
        case, days=f.days.data, reason=f.reason.data, expected_version=v
    ),
    "transfer_unit": lambda s, case, f, v: s.transfer_to_unit(
        case, unit_id=int(f.unit.data), reason=f.reason.data, expected_version=v
    ),
    "transfer_agency": _transfer_agency,
    "reply": lambda s, case, f, v: s.reply(case, body=f.body.data, expected_version=v),
    "close": lambda s, case, f, v: s.close(
        case, outcome=f.outcome.data, reason=f.reason.data or "", expected_version=v
    ),
    "reopen": lambda s, case, f, v: s.reopen(case, reason=f.reason.data, expected_version=v),
    "merge": _merge,
    "note": lambda s, case, f, v: s.note(case, text=f.text.data, expected_version=v),
}
"""Action name -> how its form becomes a ``CaseService`` call; the same keys as
``staff_forms.ACTION_FORMS``."""
