"""The per-test databases and their seeded states: moved to :mod:`collector.testing.database`
(shared with plugin authors); re-exported here for the suite's imports."""

from __future__ import annotations

from collector.testing.database import AGENCIES
from collector.testing.database import BASE_SETTINGS
from collector.testing.database import PLUGIN_SETTINGS
from collector.testing.database import PUBLISHED
from collector.testing.database import SCHEMA
from collector.testing.database import SEEDS
from collector.testing.database import STAFF
from collector.testing.database import STATES
from collector.testing.database import TEST_DATABASE_URL
from collector.testing.database import Templates
from collector.testing.database import TestDatabase
from collector.testing.database import audit_events
from collector.testing.database import count_answers
from collector.testing.database import count_rows
from collector.testing.database import dispose
from collector.testing.database import drop_append_only_guards
from collector.testing.database import empty_postgres
from collector.testing.database import postgres_url
from collector.testing.database import reset_postgres
from collector.testing.database import scratch_folder
from collector.testing.database import uses_default_plugins

__all__ = [
    "AGENCIES",
    "BASE_SETTINGS",
    "PLUGIN_SETTINGS",
    "PUBLISHED",
    "SCHEMA",
    "SEEDS",
    "STAFF",
    "STATES",
    "TEST_DATABASE_URL",
    "Templates",
    "TestDatabase",
    "audit_events",
    "count_answers",
    "count_rows",
    "dispose",
    "drop_append_only_guards",
    "empty_postgres",
    "postgres_url",
    "reset_postgres",
    "scratch_folder",
    "uses_default_plugins",
]
