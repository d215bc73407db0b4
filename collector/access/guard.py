"""Which tables hold agency data, how a statement is limited to agencies, and the guard
that refuses, on staff pages, any statement touching agency data that was limited
neither by ``collector.access.scoped.scoped`` nor marked by :func:`unscoped`.

How a table is limited:

- ``agency``: by its own ``id``;
- any table with an ``agency_id`` column: by that column; rows with a NULL
  ``agency_id`` (system-level rows) only when the action is allowed at the
  system level (``agency_id=None``);
- a child table registered with :func:`register_via` (``staff_invitation``
  through ``campaign``): by its parent's scope;
- a table registered with :func:`register_global` (``questionnaire_version``):
  not agency data, never filtered.

:func:`unscoped` is the explicit, greppable escape hatch (authentication, the audit
chain, rows reached through an object already authorised)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from typing import TypeVar
from typing import cast

from flask import g
from flask import has_request_context
from sqlalchemy import Delete
from sqlalchemy import Executable
from sqlalchemy import Select
from sqlalchemy import Table
from sqlalchemy import TextClause
from sqlalchemy import Update
from sqlalchemy import event
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Alias
from sqlalchemy.sql.selectable import CompoundSelect
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.sql.selectable import Join
from sqlalchemy.sql.selectable import Subquery
from sqlalchemy.sql.util import find_tables

SCOPE_OPTION = "collector_scope"
"""Execution option set on a statement that went through :func:`scoped` or :func:`unscoped`."""


# A bound, not constraints, so that scoped(select(A, B)) keeps its Select[A, B] type; a
# string, so that nothing about Select's type parameters is evaluated at run time.
S = TypeVar("S", bound="Select[*tuple[Any, ...]] | Update | Delete")
# unscoped() only sets an execution option, which every statement has (text() too).
E = TypeVar("E", bound=Executable)


class UnscopedQuery(RuntimeError):
    """A query of agency data that the scoped layer cannot (or was not asked to) filter."""


_GLOBAL: set[str] = {"questionnaire_version", "alembic_version"}


_VIA: dict[str, tuple[str, Table, str]] = {}


def register_global(model: Any) -> None:
    """Declare a table that holds no agency data (readable by any staff page)."""
    _GLOBAL.add(table_of(model).name)


def register_via(model: Any, column: str, parent: Any, parent_column: str = "id") -> None:
    """Scope ``model`` through ``parent``: a row is visible when ``parent`` row
    ``model.<column> = parent.<parent_column>`` is."""
    _VIA[table_of(model).name] = (column, table_of(parent), parent_column)


def table_of(model: Any) -> Table:
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
    table = from_ if isinstance(from_, Table) else from_.element  # type: ignore[attr-defined]  # _leaves() gives a Table or an Alias of one
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
    condition: ColumnElement[bool] = column.in_(sorted(ids))
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


def scope_for(statement: S, agency_ids: frozenset[int], with_null: bool, label: str) -> S:
    """``statement`` filtered to ``agency_ids`` (and NULL-agency rows when ``with_null``)."""
    _check_nested(statement)
    conditions = [
        c
        for from_ in _froms(statement)
        for leaf in _leaves(from_)
        if (c := _condition(leaf, agency_ids, with_null)) is not None
    ]
    filtered = statement.where(*conditions).execution_options(**{SCOPE_OPTION: label})
    # Both calls return the statement's own type; mypy types them on S's bound instead.
    return cast(S, filtered)


def unscoped(statement: E, reason: str) -> E:
    """Mark ``statement`` as deliberately unscoped (authentication, the audit chain).

    Every use is a place where agency isolation does not apply: keep them few and
    say why in ``reason``.
    """
    return statement.execution_options(**{SCOPE_OPTION: f"unscoped: {reason}"})


def get_unscoped(session: Session, model: Any, ident: Any, reason: str) -> Any:
    """``session.get`` marked as deliberately unscoped: a row the caller reaches
    through an object it has already authorised (a case's category, its agency)."""
    return session.get(model, ident, execution_options={SCOPE_OPTION: f"unscoped: {reason}"})


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
    # Typed Executable, but every SQLAlchemy statement is also a ClauseElement.
    for table in find_tables(cast(ClauseElement, statement), check_columns=True, include_crud=True):
        if isinstance(table, Table) and is_agency_data(table):
            raise UnscopedQuery(
                f"unscoped query of {table.name!r} on a staff page: wrap it in "
                "collector.access.scoped.scoped(statement, action)"
            )


def init_app(_app: Any) -> None:
    if not event.contains(Session, "do_orm_execute", _guard):
        event.listen(Session, "do_orm_execute", _guard)
