"""Voided responses are left out of every read of responses, in this one place.

A keyed-in paper questionnaire found to be wrong is voided, never deleted
(``collector.answers.corrections``): it stays, with its history, for the audit trail.
Every ORM ``SELECT`` that reads the ``response`` table gets ``voided_at IS NULL``
here (SQLAlchemy's ``with_loader_criteria``, added by a ``do_orm_execute`` listener,
wherever the table appears: selected, joined or counted), so results, counts,
exports, analyses and campaign progress cannot forget the rule. The few reads that
must see voided responses (the list of keyed forms, their history, restoring one,
the idempotency look-up) ask for them with :func:`including_voided`.

The rule covers the ORM session, which every reader of responses uses; the writer's
raw ``INSERT`` (``collector.answers.writer``) reads nothing.
"""

from __future__ import annotations

from typing import Any
from typing import TypeVar

from sqlalchemy import Executable
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session
from sqlalchemy.orm import with_loader_criteria

from collector.core.models import Response

INCLUDE_VOIDED = "collector_include_voided"
"""Execution option of a statement that must also see voided responses."""

E = TypeVar("E", bound=Executable)


def including_voided(statement: E) -> E:
    """``statement`` reading voided responses too (lists of keyed forms, history, restore)."""
    return statement.execution_options(**{INCLUDE_VOIDED: True})


def _leave_out_voided(state: ORMExecuteState) -> None:
    if (
        not state.is_select
        or state.is_column_load  # refreshing an object already loaded (maybe voided)
        or state.is_relationship_load
        or state.execution_options.get(INCLUDE_VOIDED)
    ):
        return
    state.statement = state.statement.options(
        with_loader_criteria(Response, lambda cls: cls.voided_at.is_(None), include_aliases=True)
    )


def init_app(_app: Any) -> None:
    if not event.contains(Session, "do_orm_execute", _leave_out_voided):
        event.listen(Session, "do_orm_execute", _leave_out_voided)
