"""The one way staff pages read agency data: queries scoped to what the actor may see.

``scoped(select(Model), "responses.read")`` adds ``agency_id IN (...)`` for every
table in the statement, with the agencies on which the current actor may perform
the action (``collector.access.permissions.agencies_for``). It refuses
(``UnscopedQuery``) a table it does not know how to scope, and a nested SELECT that
was not scoped itself, so a new table or a forgotten filter fails loudly instead of
leaking another agency's rows. How each table is scoped, and the guard that refuses
unscoped statements on staff pages, are in ``collector.access.guard``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.access.guard import S
from collector.access.guard import UnscopedQuery
from collector.access.guard import scope_for
from collector.access.guard import table_of
from collector.access.guard import unscoped
from collector.access.identity import current_actor
from collector.access.permissions import agencies_for
from collector.access.permissions import allowed
from collector.access.permissions import deny
from collector.core.hooktypes import Actor


def scoped(statement: S, action: str, actor: Actor | None = None) -> S:
    """``statement`` limited to rows of agencies where the actor may perform ``action``."""
    actor = actor if actor is not None else current_actor()
    if actor is None:
        raise UnscopedQuery("scoped() needs an actor: require a log-in first")
    ids = agencies_for(actor, action)
    return scope_for(statement, ids, allowed(actor, action, None), action)


def get_scoped(
    session: Session, model: Any, ident: Any, action: str, *, options: Mapping[str, Any] = {}
) -> Any:
    """One object by primary key, for ``action``: 404 unless the actor can see its
    agency, 403 when it can see it but may not do ``action`` on it. ``options`` are
    execution options of the look-up (e.g. ``collector.core.voiding.INCLUDE_VOIDED``).

    The 404 for an object of another agency is audited as a denial: it is a probe.
    """
    actor = current_actor()
    if actor is None:
        abort(401)
    table = table_of(model)
    pk = next(iter(table.primary_key.columns))
    base = select(model).where(pk == ident).execution_options(**options)
    visible = scope_for(
        base, actor.visible_agency_ids, allowed(actor, action, None), f"visible:{action}"
    )
    obj = session.execute(visible).scalar_one_or_none()
    if obj is None:
        probe = select(pk).where(pk == ident).execution_options(**options)
        exists = session.execute(unscoped(probe, "probe")).first()
        if exists is not None:
            deny(actor, action, None, status=404, target=f"{table.name}:{ident}")
        abort(404)
    agency_id = obj.id if table.name == "agency" else getattr(obj, "agency_id", None)
    if not allowed(actor, action, agency_id):
        deny(actor, action, agency_id, status=403, target=f"{table.name}:{ident}")
    return obj
