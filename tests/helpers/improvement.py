"""Improvement actions for tests: one stored directly (the access matrix's sample object)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select

from collector.core.db import session_scope
from collector.core.models import ImprovementAction
from collector.core.models import ImprovementEvent
from collector.core.models import User
from tests.helpers.organisation import agency


def add_action(
    app: Flask,
    agency_code: str = "alpha",
    owner_email: str = "analyst@alpha.example.test",
    **fields: Any,
) -> int:
    """A planned low-item action of ``agency_code`` (citizen-satisfaction, measures_wait,
    found in 2026 H1, due 2026-12-31), ``fields`` on top; with its "created" event."""
    with session_scope(app) as session:
        owner = session.execute(select(User).where(User.email == owner_email)).scalar_one()
        values: dict[str, Any] = {
            "agency_id": agency(session, agency_code).id,
            "finding_kind": "low_item",
            "questionnaire_slug": "citizen-satisfaction",
            "item_key": "measures_wait",
            "wave_key": "2026H1",
            "title": "櫃台加開",
            "measure_taken": "中午加開櫃台",
            "owner_id": owner.id,
            "due_on": date(2026, 12, 31),
            **fields,
        }
        action = ImprovementAction(**values)
        session.add(action)
        session.flush()
        session.add(
            ImprovementEvent(
                action_id=action.id,
                agency_id=action.agency_id,
                actor_label=owner_email,
                kind="created",
                to_status=action.status,
            )
        )
        return action.id  # type: ignore[return-value]


def make_action(app: Flask) -> dict[str, Any]:
    """The access matrix's sample: an action of agency alpha."""
    return {"action_id": add_action(app)}
