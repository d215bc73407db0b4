"""Who is acting: the actor of this request, asked once through ``actor_from_request``
(a plugin's single sign-on first, the staff session last), the actor for a stored
user, and the agencies each role can see."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from flask import g
from flask import request
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col

from collector.access.guard import unscoped
from collector.core.db import get_session
from collector.core.hooktypes import Actor
from collector.core.models import Agency
from collector.core.models import User
from collector.core.plugins import get_plugins

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def valid_email(email: str) -> bool:
    return len(email) <= 254 and bool(EMAIL_RE.match(email))


def _agency_tree(db: Session) -> tuple[list[int], dict[int, list[int]]]:
    if "agency_tree" not in g:
        children: dict[int, list[int]] = defaultdict(list)
        ids = []
        rows = db.execute(unscoped(select(col(Agency.id), col(Agency.parent_id)), "agency tree"))
        for agency_id, parent_id in rows:
            ids.append(agency_id)
            if parent_id is not None:
                children[parent_id].append(agency_id)
        g.agency_tree = (ids, children)
    return g.agency_tree


def visible_agencies(db: Session, role: str, agency_id: int | None) -> frozenset[int]:
    """Every agency a user of ``role`` at ``agency_id`` can see: all for a system
    administrator, else the agency and every agency below it."""
    ids, children = _agency_tree(db)
    if role == "system_admin":
        return frozenset(ids)
    if agency_id is None:
        return frozenset()
    seen = {agency_id}
    stack = [agency_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return frozenset(seen)


def actor_for_user(user: User, source: str = "session", db: Session | None = None) -> Actor:
    """The actor for a stored staff user (a plugin's SSO uses this too)."""
    db = db or get_session()
    return Actor(
        user_id=user.id,
        role=user.role,
        agency_id=user.agency_id,
        visible_agency_ids=visible_agencies(db, user.role, user.agency_id),
        label=user.email,
        display_name=user.display_name,
        source=source,
    )


def find_user(email: str, db: Session | None = None) -> User | None:
    """A staff user by e-mail address (any agency: for authentication only)."""
    db = db or get_session()
    statement = select(User).where(col(User.email) == normalise_email(email))
    return db.execute(unscoped(statement, "authentication")).scalar_one_or_none()


def load_user(db: Session, user_id: Any) -> User | None:
    if not isinstance(user_id, int):
        return None
    statement = select(User).where(col(User.id) == user_id)
    return db.execute(unscoped(statement, "authentication")).scalar_one_or_none()


def current_actor() -> Actor | None:
    """Who is making this request (None: nobody logged in). Computed once per request."""
    if "collector_actor" in g:
        return g.collector_actor
    actor = get_plugins().hook.actor_from_request(request=request)
    if actor is not None and actor.user_id is not None and actor.source != "session":
        # An SSO plugin vouched for a stored account: a disabled one still gets nothing.
        user = load_user(get_session(), actor.user_id)
        if user is None or not user.active:
            actor = None
    g.collector_actor = actor
    return actor
