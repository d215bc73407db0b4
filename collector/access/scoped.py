"""The one way staff pages read agency data: queries scoped to what the actor may see.

``scoped(select(Model), "responses.read")`` adds ``agency_id IN (...)`` for every
table in the statement, with the agencies on which the current actor may
perform the action (``collector.access.permissions.agencies_for``). It refuses
(:class:`UnscopedQuery`) a table it does not know how to scope, and a nested
SELECT that was not scoped itself, so a new table or a forgotten filter fails
loudly instead of leaking another agency's rows.

How a table is scoped:

- ``agency``: by its own ``id``;
- any table with an ``agency_id`` column: by that column; rows with a NULL
  ``agency_id`` (system-level rows) only when the action is allowed at the
  system level (``agency_id=None``);
- a child table registered with :func:`register_via` (``staff_invitation``
  through ``campaign``): by its parent's scope;
- a table registered with :func:`register_global` (``questionnaire_version``):
  not agency data, never filtered.

On staff pages (``collector.access.auth.staff_area``) a guard on every ORM session
refuses any statement touching agency data that went through neither
:func:`scoped` nor :func:`unscoped` (an explicit, greppable escape hatch for
authentication and the audit chain).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from flask import g, has_request_context
from sqlalchemy import Delete, Select, Table, TextClause, Update, event, or_, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Alias, CompoundSelect, FromClause, Join, Subquery
from sqlalchemy.sql.util import find_tables

from collector.access.permissions import agencies_for, allowed, deny
from collector.core.hooktypes import Actor

SCOPE_OPTION = "collector_scope"
"""Execution option set on a statement that went through :func:`scoped` or :func:`unscoped`."""

S = TypeVar("S", Select[Any], Update, Delete)


class UnscopedQuery(RuntimeError):
    """A query of agency data that the scoped layer cannot (or was not asked to) filter."""


_GLOBAL: set[str] = {"questionnaire_version", "alembic_version"}
_VIA: dict[str, tuple[str, Table, str]] = {}


def register_global(model: Any) -> None:
    """Declare a table that holds no agency data (readable by any staff page)."""
    _GLOBAL.add(_table_of(model).name)


def register_via(model: Any, column: str, parent: Any, parent_column: str = "id") -> None:
    """Scope ``model`` through ``parent``: a row is visible when ``parent`` row
    ``model.<column> = parent.<parent_column>`` is."""
    _VIA[_table_of(model).name] = (column, _table_of(parent), parent_column)


def _table_of(model: Any) -> Table:
    return model if isinstance(model, Table) else model.__table__


def is_agency_data(table: Table) -> bool:
    """Does reading ``table`` need scoping?"""
    return table.name not in _GLOBAL


def _leaves(from_: FromClause) -> Iterator[FromClause]:
    """The tables (or aliases of tables) a FROM item reads; refuses what it cannot scope."""
    if isinstance(from_, Join):
        yield from _leaves(from_.left)
        yield from _leaves(from_.right)
    elif isinstance(from_, Table) or (
        isinstance(from_, Alias) and isinstance(from_.element, Table)
    ):
        yield from_
    elif isinstance(from_, Subquery | Alias) and _is_marked(from_.element):
        return  # scoped (or explicitly unscoped) on its own
    else:
        raise UnscopedQuery(
            f"cannot scope {from_!r}: scope the inner SELECT with scoped() before "
            "making it a subquery"
        )


def _is_marked(element: Any) -> bool:
    options = getattr(element, "get_execution_options", None)
    return bool(options and options().get(SCOPE_OPTION))


def _condition(
    from_: FromClause, ids: frozenset[int], with_null: bool
) -> ColumnElement[bool] | None:
    table = from_ if isinstance(from_, Table) else from_.element  # type: ignore[attr-defined]
    name = table.name
    if name in _GLOBAL:
        return None
    if name == "agency":
        column = from_.c.id
    elif "agency_id" in table.c:
        column = from_.c.agency_id
    elif name in _VIA:
        child_column, parent, parent_column = _VIA[name]
        parent_condition = _condition(parent, ids, with_null)
        inner = select(parent.c[parent_column])
        if parent_condition is not None:
            inner = inner.where(parent_condition)
        return from_.c[child_column].in_(inner)
    else:
        raise UnscopedQuery(
            f"table {name!r} has no agency_id column: register how it is scoped with "
            "collector.access.scoped.register_via() or register_global()"
        )
    condition = column.in_(sorted(ids))
    if with_null and table.c[column.name].nullable:
        condition = or_(condition, column.is_(None))
    return condition


def _check_nested(statement: Any) -> None:
    for element in visitors.iterate(statement):
        if element is statement:
            continue
        if isinstance(element, Select | CompoundSelect) and not _is_marked(element):
            raise UnscopedQuery(
                "a nested SELECT was not scoped: build it with scoped() (or unscoped()) first"
            )


def _froms(statement: Any) -> list[FromClause]:
    if isinstance(statement, Update | Delete):
        return [statement.table]
    if isinstance(statement, Select):
        return list(statement.get_final_froms())
    raise UnscopedQuery(f"scoped() takes select(), update() or delete(), not {type(statement)}")


def _current_actor() -> Actor | None:
    from collector.access.auth import current_actor

    return current_actor()


def scope_for(statement: S, agency_ids: frozenset[int], with_null: bool, label: str) -> S:
    """``statement`` filtered to ``agency_ids`` (and NULL-agency rows when ``with_null``)."""
    _check_nested(statement)
    conditions = [
        c
        for from_ in _froms(statement)
        for leaf in _leaves(from_)
        if (c := _condition(leaf, agency_ids, with_null)) is not None
    ]
    return statement.where(*conditions).execution_options(**{SCOPE_OPTION: label})


def scoped(statement: S, action: str, actor: Actor | None = None) -> S:
    """``statement`` limited to rows of agencies where the actor may perform ``action``."""
    actor = actor if actor is not None else _current_actor()
    if actor is None:
        raise UnscopedQuery("scoped() needs an actor: require a log-in first")
    ids = agencies_for(actor, action)
    return scope_for(statement, ids, allowed(actor, action, None), action)


def unscoped(statement: S, reason: str) -> S:
    """Mark ``statement`` as deliberately unscoped (authentication, the audit chain).

    Every use is a place where agency isolation does not apply: keep them few and
    say why in ``reason``.
    """
    return statement.execution_options(**{SCOPE_OPTION: f"unscoped: {reason}"})


def get_unscoped(session: Session, model: Any, ident: Any, reason: str) -> Any:
    """``session.get`` marked as deliberately unscoped: a row the caller reaches
    through an object it has already authorised (a case's category, its agency)."""
    return session.get(model, ident, execution_options={SCOPE_OPTION: f"unscoped: {reason}"})


def get_scoped(session: Session, model: Any, ident: Any, action: str) -> Any:
    """One object by primary key, for ``action``: 404 unless the actor can see its
    agency, 403 when it can see it but may not do ``action`` on it.

    The 404 for an object of another agency is audited as a denial: it is a probe.
    """
    from flask import abort

    actor = _current_actor()
    if actor is None:
        abort(401)
    table = _table_of(model)
    pk = next(iter(table.primary_key.columns))
    base = select(model).where(pk == ident)
    visible = scope_for(
        base, actor.visible_agency_ids, allowed(actor, action, None), f"visible:{action}"
    )
    obj = session.execute(visible).scalar_one_or_none()
    if obj is None:
        exists = session.execute(unscoped(select(pk).where(pk == ident), "probe")).first()
        if exists is not None:
            deny(actor, action, None, status=404, target=f"{table.name}:{ident}")
        abort(404)
    agency_id = obj.id if table.name == "agency" else getattr(obj, "agency_id", None)
    if not allowed(actor, action, agency_id):
        deny(actor, action, agency_id, status=403, target=f"{table.name}:{ident}")
    return obj


def enforce_on_this_request() -> None:
    """Turn the guard on for the rest of this request (the staff area does this)."""
    g.collector_strict_scope = True


def _guard(state: ORMExecuteState) -> None:
    if not (has_request_context() and g.get("collector_strict_scope")):
        return
    if state.execution_options.get(SCOPE_OPTION):
        return
    statement = state.statement
    if isinstance(statement, TextClause):
        raise UnscopedQuery("raw SQL on a staff page: use scoped() or unscoped()")
    for table in find_tables(statement, check_columns=True, include_crud=True):
        if isinstance(table, Table) and is_agency_data(table):
            raise UnscopedQuery(
                f"unscoped query of {table.name!r} on a staff page: wrap it in "
                "collector.access.scoped.scoped(statement, action)"
            )


def init_app(_app: Any) -> None:
    if not event.contains(Session, "do_orm_execute", _guard):
        event.listen(Session, "do_orm_execute", _guard)
