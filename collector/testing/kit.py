"""What a plugin's tests do with an app: make it with the plugin loaded, answer a
questionnaire as a citizen does, read the responses back, log in as staff, run the
queued jobs (``response_saved`` handlers) and the command line.

The fixtures of :mod:`collector.testing` hand these out; a test of the main suite may
use them directly too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlmodel import col

from collector.core.db import session_scope
from collector.core.models import Job
from collector.core.plugins import get_plugins
from collector.jobs.worker import drain
from collector.results.reading import load_table
from collector.testing.apps import AppMaker
from collector.testing.database import STAFF
from collector.testing.organisation import agency_id
from collector.testing.organisation import unit_id
from collector.testing.staff import PEOPLE
from collector.testing.web import client_as

AGENCY = "alpha"
UNIT = "c1"
"""The seeded agency and unit every kit app starts with (also ``beta`` and ``c2``, below
the ministry ``moi``: enough to see that one agency never sees another's data)."""

ROLES = (
    "agency_admin",
    "analyst",
    "case_handler",
    "counter_staff",
    "ministry_admin",
    "system_admin",
)
"""The staff roles (docs/access.md); each has one seeded account (``collector.testing.staff.PEOPLE``)."""


@dataclass(frozen=True)
class Seeded:
    """The agency and unit a kit app is seeded with, by code and id."""

    agency: str
    unit: str
    agency_id: int
    unit_id: int


@dataclass(frozen=True)
class JobRun:
    """One background job after :meth:`Kit.run_jobs`: a ``response_saved`` handler's run."""

    kind: str
    plugin: str | None
    status: str
    attempts: int
    error: str | None


class Refused(AssertionError):
    """A submission the app refused; ``errors`` maps question keys to messages."""

    def __init__(self, status: int, errors: dict[str, Any]) -> None:
        super().__init__(f"the submission was refused ({status}): {errors}")
        self.status = status
        self.errors = errors


def _plain(value: Any) -> Any:
    """A data-frame cell as a test compares it: None for a missing value."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is not None and type(value).__name__ in ("NaTType", "NAType"):
        return None
    return value


class Kit:
    """One test's apps (every app it makes is disposed of afterwards) and the helpers
    that act on the latest of them."""

    def __init__(self, maker: AppMaker, plugins: Sequence[Any] = ()) -> None:
        self.maker = maker
        self.plugins = list(plugins)
        self._current: Flask | None = None

    def app(self, *plugins: Any, seed: str = STAFF, **config: Any) -> Flask:
        """An app with ``plugins`` loaded (modules, objects or ``(name, object)`` pairs;
        none given: the ``collector_plugins`` fixture's), seeded with agencies ``alpha``
        and ``beta`` (units ``c1``, ``c2``) and one staff account per role."""
        given = list(plugins) if plugins else self.plugins
        if given:
            config.setdefault("PLUGINS_EXTRA", given)
        self._current = self.maker(seed=seed, **config)
        return self._current

    @property
    def current(self) -> Flask:
        """The latest app made, or a new one with the ``collector_plugins`` fixture's plugins."""
        return self._current if self._current is not None else self.app()

    def seeded(self) -> Seeded:
        app = self.current
        return Seeded(AGENCY, UNIT, agency_id(app, AGENCY), unit_id(app, AGENCY, UNIT))

    def staff(self, role: str, agency: str = AGENCY) -> FlaskClient:
        """A test client logged in (through the log-in page) as the seeded ``role``."""
        for email, (person_role, person_agency) in PEOPLE.items():
            if person_role == role and person_agency in (agency, None, "moi"):
                return client_as(self.current, email)
        raise LookupError(f"no seeded account of role {role!r}; roles: {', '.join(ROLES)}")

    def submit(
        self,
        slug: str,
        answers: dict[str, Any],
        *,
        agency: str = AGENCY,
        unit: str | None = UNIT,
        language: str = "zh-Hant-TW",
        channel: str = "online",
    ) -> str:
        """Answer ``slug`` as a citizen's browser or app does (``POST /api/v1/responses``);
        the receipt. A refusal raises :class:`Refused` with the errors by question key."""
        body: dict[str, Any] = {
            "questionnaire": slug,
            "agency": agency,
            "channel": channel,
            "language": language,
            "answers": answers,
        }
        if unit is not None:
            body["unit"] = unit
        response = self.current.test_client().post("/api/v1/responses", json=body)
        data = response.get_json(silent=True) or {}
        if response.status_code != 201:
            raise Refused(response.status_code, data.get("errors") or data)
        return str(data["receipt"])

    def responses(self, slug: str, agency: str | None = None) -> list[dict[str, Any]]:
        """Every stored response to ``slug`` (of one agency if given) as the exporters and
        analyses read them: ``receipt``, ``agency``, ``unit``, ``channel``, ... and one
        key per question, answers decoded by their question types."""
        app = self.current
        with app.app_context(), session_scope(app) as session:
            ids = [agency_id(app, agency)] if agency else None
            table = load_table(session, get_plugins(app), slug, agency_ids=ids)
        return [
            {str(key): _plain(value) for key, value in row.items()}
            for row in table.frame.to_dict("records")
        ]

    def run_jobs(self, *, retries: bool = True) -> list[JobRun]:
        """Run every queued job now, here (the ``response_saved`` handlers among them),
        with every retry at once when ``retries``; each job as it ended."""
        app = self.current
        drain(app, scheduled=retries)
        with session_scope(app) as session:
            rows = session.execute(select(Job).order_by(col(Job.id))).scalars().all()
            return [
                JobRun(
                    row.kind,
                    (row.parameters or {}).get("plugin"),
                    row.status,
                    row.attempts,
                    row.error,
                )
                for row in rows
            ]

    def cli(self, *args: str) -> Result:
        """Run ``collector ARGS...`` against the app (``export``, ``analyse``, ``check``...)."""
        result: Result = self.current.test_cli_runner().invoke(args=list(args))
        return result
