"""Who may do what, decided in one place.

A request's :class:`Actor` comes from the ``actor_from_request`` hook (the core's
default reads the staff session, ``collector.access.hooks``). Whether an actor
may perform an action on an agency's data is :func:`allowed`: the core first
refuses any agency outside the actor's visible tree, then asks the
``permission_allowed`` hook; plugins answer ``True``/``False`` or ``None`` (no
opinion) and the core's default, :func:`default_allowed`, reads :data:`MATRIX`.

The matrix is documented in docs/access.md; ``tests/collector/test_access_matrix.py``
parses that page, so the document and this module cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import abort
from flask import has_request_context
from flask import request

from collector.access import audit
from collector.access.identity import current_actor
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import lazy_pgettext
from collector.core.models import ROLES
from collector.core.plugins import get_plugins

ACTIONS: dict[str, str] = {
    "console.use": "open the staff console",
    "aggregates.read": "read aggregate results (small cells suppressed)",
    "results.read": "read the agency's detailed results and comments",
    "responses.read": "read raw responses, one row per respondent",
    "responses.export": "export raw responses as files",
    "campaigns.manage": "set up survey campaigns, QR posters and questionnaires",
    "margins.manage": "enter the population margins (sex, age group, district) results are weighted to",
    "paper.enter": "key in paper questionnaires",
    "kiosks.manage": "register and reset kiosks",
    "cases.intake": "record complaints received by phone, at the counter, by letter or e-mail",
    "cases.read": "read the agency's complaint cases and their history",
    "cases.handle": "handle complaint cases: assign, extend, transfer, reply, close",
    "cases.manage": "set complaint categories, deadlines, reply templates, retention and destruction",
    "calendar.manage": "edit the working-day calendar (holidays and make-up working days)",
    "agencies.manage": "create and rename agencies",
    "units.manage": "create and rename service units",
    "users.manage": "create, disable and enable staff accounts",
    "audit.read": "read the audit log",
    "improvement.read": "read improvement actions (檢討改善) and their before/after",
    "improvement.manage": "record and update improvement actions",
    "jobs.monitor": "see the agency's background jobs, and the errors of failed ones",
    "evidence.generate": "make the agency's award evidence pack and download it",
}
"""Every action the core knows, with what it allows."""

ACTION_LABELS: dict[str, LazyText] = {
    "aggregates.read": lazy_gettext("Read aggregate results"),
    "results.read": lazy_gettext("Read the agency's detailed results"),
    "responses.read": lazy_gettext("Read raw responses"),
    "responses.export": lazy_pgettext("permission", "Export raw responses"),
    "campaigns.manage": lazy_gettext("Manage survey campaigns"),
    "margins.manage": lazy_gettext("Enter population margins for weighting"),
    "paper.enter": lazy_gettext("Enter paper questionnaires"),
    "kiosks.manage": lazy_gettext("Manage kiosks"),
    "cases.intake": lazy_gettext(
        "Record complaints received by phone, at the counter, by letter or e-mail"
    ),
    "cases.read": lazy_gettext("Read complaint cases and their history"),
    "cases.handle": lazy_gettext("Handle complaint cases (assign, extend, transfer, reply, close)"),
    "cases.manage": lazy_gettext(
        "Set complaint categories, deadlines, reply templates and retention"
    ),
    "calendar.manage": lazy_gettext(
        "Edit the working-day calendar (holidays and make-up working days)"
    ),
    "agencies.manage": lazy_gettext("Create and rename agencies"),
    "units.manage": lazy_gettext("Create and rename service units"),
    "users.manage": lazy_gettext("Manage staff accounts"),
    "audit.read": lazy_gettext("Read the audit log"),
    "improvement.read": lazy_gettext("Read improvement actions and their before/after"),
    "improvement.manage": lazy_gettext("Record and update improvement actions"),
    "jobs.monitor": lazy_gettext("See background jobs and their errors"),
    "evidence.generate": lazy_gettext("Make and download the award evidence pack"),
}
"""What the staff console's home page says each action allows (``console.use`` goes unsaid)."""

ROLE_LABELS: dict[str, LazyText] = {
    "system_admin": lazy_gettext("System administrator"),
    "ministry_admin": lazy_gettext("Ministry administrator"),
    "agency_admin": lazy_gettext("Agency administrator"),
    "analyst": lazy_gettext("Analyst"),
    "case_handler": lazy_gettext("Case handler"),
    "counter_staff": lazy_gettext("Counter staff"),
}
"""Each role of ``collector.core.models.ROLES`` as the interface names it."""

ALL = "all"  # every agency, and system-level records (agency_id NULL)
TREE = "tree"  # the actor's agency and every agency below it
OWN = "own"  # the actor's agency only

MATRIX: dict[str, dict[str, str]] = {
    "system_admin": {
        "console.use": ALL,
        "aggregates.read": ALL,
        "agencies.manage": ALL,
        "units.manage": ALL,
        "calendar.manage": ALL,
        "users.manage": ALL,
        "audit.read": ALL,
        "jobs.monitor": ALL,
    },
    "ministry_admin": {
        "console.use": OWN,
        "aggregates.read": TREE,
        "improvement.read": TREE,
        "agencies.manage": TREE,
        "users.manage": OWN,
        "audit.read": OWN,
    },
    "agency_admin": {
        "console.use": OWN,
        "aggregates.read": OWN,
        "results.read": OWN,
        "campaigns.manage": OWN,
        "margins.manage": OWN,
        "kiosks.manage": OWN,
        "units.manage": OWN,
        "cases.intake": OWN,
        "cases.read": OWN,
        "cases.handle": OWN,
        "cases.manage": OWN,
        "calendar.manage": OWN,
        "users.manage": OWN,
        "audit.read": OWN,
        "improvement.read": OWN,
        "improvement.manage": OWN,
        "jobs.monitor": OWN,
        "evidence.generate": OWN,
    },
    "analyst": {
        "console.use": OWN,
        "aggregates.read": OWN,
        "results.read": OWN,
        "responses.read": OWN,
        "responses.export": OWN,
        "improvement.read": OWN,
        "improvement.manage": OWN,
        "evidence.generate": OWN,
    },
    "case_handler": {
        "console.use": OWN,
        "cases.intake": OWN,
        "cases.read": OWN,
        "cases.handle": OWN,
        "improvement.read": OWN,
    },
    "counter_staff": {
        "console.use": OWN,
        "paper.enter": OWN,
        "kiosks.manage": OWN,
        "cases.intake": OWN,
    },
}
"""Role x action: the scope within which the role may act; absent means never."""

assert set(MATRIX) == set(ROLES)
assert all(set(actions) <= set(ACTIONS) for actions in MATRIX.values())


def scope_of(actor: Actor, action: str) -> str | None:
    """The matrix's scope for the actor's role and ``action`` (None: never)."""
    return MATRIX.get(actor.role, {}).get(action)


def default_allowed(actor: Actor, action: str, agency_id: int | None) -> bool:
    """The core's answer, from :data:`MATRIX` alone."""
    scope = scope_of(actor, action)
    if scope is None:
        return False
    if agency_id is None:
        return scope == ALL
    if scope == ALL:
        return True
    if scope == TREE:
        return agency_id in actor.visible_agency_ids
    return agency_id == actor.agency_id


def allowed(actor: Actor | None, action: str, agency_id: int | None = None) -> bool:
    """May ``actor`` perform ``action`` on ``agency_id``'s data (None: system-level)?"""
    if actor is None:
        return False
    if agency_id is not None and agency_id not in actor.visible_agency_ids:
        return False
    answer = get_plugins().hook.permission_allowed(actor=actor, action=action, agency_id=agency_id)
    if answer is None:  # only when the core's default is not registered (unit tests)
        answer = default_allowed(actor, action, agency_id)
    return answer is True


def may_somewhere(actor: Actor | None, action: str) -> bool:
    """Is there any agency (or the system level) where ``actor`` may do ``action``?

    Used for pages that list an action's objects across the agencies the actor may
    act on (the list itself is then filtered by ``collector.access.scoped``).
    """
    if actor is None:
        return False
    if allowed(actor, action, None):
        return True
    return any(allowed(actor, action, a) for a in sorted(actor.visible_agency_ids))


def agencies_for(actor: Actor | None, action: str) -> frozenset[int]:
    """The agencies on which ``actor`` may perform ``action``."""
    if actor is None:
        return frozenset()
    return frozenset(a for a in actor.visible_agency_ids if allowed(actor, action, a))


def chosen_agency(actor: Actor, allowed_ids: Collection[int]) -> int:
    """The agency a page is asked for (``?agency=``) among ``allowed_ids`` (those on
    which ``actor`` may do the page's action): 404 for any other (whether it exists is not
    told); without one, the actor's own agency if allowed, else the first allowed."""
    raw = request.args.get("agency", "")
    if raw:
        if not raw.isdigit() or int(raw) not in allowed_ids:
            abort(404)
        return int(raw)
    own = actor.agency_id
    return own if own is not None and own in allowed_ids else min(allowed_ids)


def require(action: str, agency_id: int | None = None, *, any_agency: bool = False) -> Actor:
    """The current actor, if it may do ``action``; otherwise stop the request.

    Anonymous: 401 (the staff pages turn it into a redirect to the log-in page).
    Not allowed: 403, and the denial is audited. ``any_agency=True`` asks whether
    the actor may do ``action`` anywhere (for list pages). For a single object of
    another agency use ``collector.access.scoped.get_scoped``, which answers 404.
    """
    actor = current_actor()
    if actor is None:
        abort(401)
    ok = may_somewhere(actor, action) if any_agency else allowed(actor, action, agency_id)
    if not ok:
        deny(actor, action, agency_id, status=403)
    return actor


def deny(
    actor: Actor,
    action: str,
    agency_id: int | None,
    *,
    status: int,
    target: str | None = None,
    **detail: Any,
) -> None:
    """Audit a refusal, then answer ``status`` (403, or 404 for another agency's object)."""
    extra: dict[str, Any] = {"permission": action, "agency_id": agency_id, **detail}
    if has_request_context():
        extra.update(method=request.method, path=request.path[:200])
    audit.log(
        "permission.denied",
        actor=actor,
        agency_id=agency_id if agency_id in actor.visible_agency_ids else actor.agency_id,
        target=target or action,
        detail=extra,
    )
    abort(status)
