"""Agencies and service units: creating and renaming them (never deleting: data points at them).

A **ministry** has no parent; an **agency** is below a ministry (or, created by
a system administrator, stands alone). Codes are public (they appear in survey
addresses and on printed QR posters), so they are checked once, at creation,
and never change: renaming changes the Chinese and English names only.

Who may do what comes from ``collector.access.permissions``: ``agencies.manage`` on the
parent ministry to create an agency below it (at the system level, which only a
system administrator has, to create a ministry or a stand-alone agency), on the
agency itself to rename it; ``units.manage`` on the agency for its units. Every
change is audited in the caller's write transaction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access import audit
from collector.access.guard import unscoped
from collector.access.permissions import allowed
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.models import Agency
from collector.core.models import Unit

CODE_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?")
"""A code: lower-case letters, digits and inner hyphens, 1 to 32 characters."""
CODE_MAX = 32
NAME_MAX = 200
LEVELS = ("ministry", "agency")
LEVEL_LABELS: dict[str, LazyText] = {
    "ministry": lazy_gettext("Ministry (or city government)"),
    "agency": lazy_gettext("Agency"),
}

ORGANISATION_ERRORS: dict[str, LazyText] = {
    "err_org_code": lazy_gettext(
        "Use lower-case letters, digits and hyphens only (not first or last), "
        "at most 32 characters."
    ),
    "err_org_code_taken": lazy_gettext("This code is already in use."),
    "err_org_name": lazy_gettext("Enter a name (at most %(max)s characters)."),
    "err_org_name_characters": lazy_gettext(
        "The name contains control or invisible characters; type it again."
    ),
    "err_org_level": lazy_gettext("There is no such level."),
    "err_org_parent": lazy_gettext("You cannot create an agency of this level here."),
    "err_org_ministry_parent": lazy_gettext(
        "A ministry has no ministry above it: choose “none” as the ministry above."
    ),
    "err_unit_agency": lazy_gettext("You cannot create service units for this agency."),
}
"""What each :class:`OrganisationError` key says (``max``: the longest name)."""


class OrganisationError(ValueError):
    """A refused change; ``field`` names the form field, ``key`` the problem
    (one of :data:`ORGANISATION_ERRORS`)."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key


@dataclass(frozen=True)
class Names:
    name_zh: str
    name_en: str


def check_code(code: str) -> str:
    """The code, or :class:`OrganisationError` (lower-case slug, at most 32 characters)."""
    if not CODE_RE.fullmatch(code or ""):
        raise OrganisationError("code", "err_org_code")
    return code


def _clean_name(value: str, field: str) -> str:
    name = unicodedata.normalize("NFC", (value or "").strip())
    if not name or len(name) > NAME_MAX:
        raise OrganisationError(field, "err_org_name")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name):
        raise OrganisationError(field, "err_org_name_characters")
    return name


def check_names(names: Names) -> Names:
    """Both names present, at most 200 characters, no control or invisible characters."""
    return Names(_clean_name(names.name_zh, "name_zh"), _clean_name(names.name_en, "name_en"))


# -- agencies -----------------------------------------------------------------------


def may_create_agency(actor: Actor, level: str, parent: Agency | None) -> bool:
    """May ``actor`` create an agency of ``level`` below ``parent`` (None: at the top)?"""
    if level == "ministry":
        return parent is None and allowed(actor, "agencies.manage", None)
    if level != "agency":
        return False
    if parent is None:
        return allowed(actor, "agencies.manage", None)
    return parent.level == "ministry" and allowed(actor, "agencies.manage", parent.id)


def create_agency(
    db: Session, *, code: str, names: Names, level: str, parent: Agency | None, actor: Actor
) -> Agency:
    """Store a new ministry or agency, audited in the caller's transaction."""
    code = check_code(code)
    names = check_names(names)
    if level not in LEVELS:
        raise OrganisationError("level", "err_org_level")
    if level == "ministry" and parent is not None:
        raise OrganisationError("parent", "err_org_ministry_parent")
    if not may_create_agency(actor, level, parent):
        raise OrganisationError("parent", "err_org_parent")
    taken = db.execute(
        unscoped(select(col(Agency.id)).where(col(Agency.code) == code), "agency codes are unique")
    ).first()
    if taken is not None:
        raise OrganisationError("code", "err_org_code_taken")
    agency = Agency(
        code=code,
        name_zh=names.name_zh,
        name_en=names.name_en,
        level=level,
        parent_id=parent.id if parent is not None else None,
    )
    db.add(agency)
    db.flush()
    audit.record(
        db,
        "agency.created",
        actor=actor,
        agency_id=agency.id,
        target=f"agency:{agency.code}",
        detail={
            "agency_id": agency.id,
            "level": level,
            "parent_id": agency.parent_id,
            "name_zh": agency.name_zh,
            "name_en": agency.name_en,
        },
        address=audit.request_address(),
    )
    return agency


def _rename(
    db: Session,
    row: Agency | Unit,
    names: Names,
    actor: Actor,
    action: str,
    target: str,
    **detail: Any,
) -> dict[str, list[str]]:
    """Set ``row``'s names; when they differ, audited as ``action`` on ``target`` with
    ``detail`` and the changes. Returns the changes: {field: [before, after]}."""
    names = check_names(names)
    changes = {
        key: [getattr(row, key), getattr(names, key)]
        for key in ("name_zh", "name_en")
        if getattr(row, key) != getattr(names, key)
    }
    row.name_zh = names.name_zh
    row.name_en = names.name_en
    db.add(row)
    db.flush()
    if changes:
        audit.record(
            db,
            action,
            actor=actor,
            agency_id=row.id if isinstance(row, Agency) else row.agency_id,
            target=target,
            detail={**detail, **changes},
            address=audit.request_address(),
        )
    return changes


def rename_agency(
    db: Session, agency: Agency, names: Names, *, actor: Actor
) -> dict[str, list[str]]:
    """Change an agency's names (its code and place never change), audited when they differ.

    ``agency`` must come from a query scoped to ``agencies.manage``; this checks again."""
    if not allowed(actor, "agencies.manage", agency.id):
        raise OrganisationError("name_zh", "err_org_parent")
    return _rename(db, agency, names, actor, "agency.renamed", f"agency:{agency.code}")


# -- units ----------------------------------------------------------------------------


def create_unit(db: Session, agency: Agency, *, code: str, names: Names, actor: Actor) -> Unit:
    """Store a new service unit of ``agency`` (an agency, not a ministry), audited."""
    code = check_code(code)
    names = check_names(names)
    if agency.level != "agency" or not allowed(actor, "units.manage", agency.id):
        raise OrganisationError("code", "err_unit_agency")
    taken = db.execute(
        unscoped(
            select(col(Unit.id)).where(col(Unit.agency_id) == agency.id, col(Unit.code) == code),
            "unit codes are unique within their agency",
        )
    ).first()
    if taken is not None:
        raise OrganisationError("code", "err_org_code_taken")
    assert agency.id is not None  # a stored agency
    unit = Unit(agency_id=agency.id, code=code, name_zh=names.name_zh, name_en=names.name_en)
    db.add(unit)
    db.flush()
    audit.record(
        db,
        "unit.created",
        actor=actor,
        agency_id=agency.id,
        target=f"unit:{agency.code}/{unit.code}",
        detail={"unit_id": unit.id, "name_zh": unit.name_zh, "name_en": unit.name_en},
        address=audit.request_address(),
    )
    return unit


def rename_unit(db: Session, unit: Unit, names: Names, *, actor: Actor) -> dict[str, list[str]]:
    """Change a unit's names (its code, in printed QR links, never changes), audited."""
    if not allowed(actor, "units.manage", unit.agency_id):
        raise OrganisationError("name_zh", "err_unit_agency")
    return _rename(db, unit, names, actor, "unit.renamed", f"unit:{unit.id}", unit_id=unit.id)
