"""Shared fixtures: an app per test on its own database (SQLite file or PostgreSQL).

Helpers live in ``tests/helpers/`` and, shared with plugin authors, in ``collector/testing/``
(the databases and their seeded states are described in ``collector/testing/database.py``). ``make_app(seed=..., **config)`` makes apps; ``app``
(agencies alpha and beta of ministry moi) and ``staff_app`` (and one account per role)
are the usual starting points. A test marked ``fresh_database`` starts from an empty
database that its first app migrates.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from threadpoolctl import threadpool_limits

from tests.helpers.apps import AppMaker
from tests.helpers.apps import apps_made_cheaply
from tests.helpers.clamd import running_clamd
from tests.helpers.complaints import FOLLOWUP_SETTINGS
from tests.helpers.database import AGENCIES
from tests.helpers.database import STAFF
from tests.helpers.database import TestDatabase
from tests.helpers.staff import Clock
from tests.helpers.web import Auth

pytest_plugins = ["collector.testing"]
"""The plugin authors' kit (also registered by its ``pytest11`` entry point): the
databases and app making below are its fixtures."""


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread() -> Iterator[None]:
    """One BLAS thread per test process: pytest-xdist already runs a process per core, and
    OpenBLAS's threads fighting over the same cores make small matrix work many times
    slower (numpy is imported before any conftest runs, so the environment is too late)."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="session", autouse=True)
def _apps_made_cheaply() -> Iterator[None]:
    with apps_made_cheaply():
        yield


@pytest.fixture
def database(collector_database: TestDatabase) -> TestDatabase:
    """This test's database (made by the first ``make_app``), removed afterwards."""
    return collector_database


@pytest.fixture
def make_app(collector_make_app: AppMaker) -> AppMaker:
    """Build apps with extra config on the test database; all are disposed afterwards."""
    return collector_make_app


@pytest.fixture
def app(make_app: AppMaker) -> Flask:
    """Agencies moi > alpha, beta, each with units c1 and c2."""
    return make_app(seed=AGENCIES)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def staff_app(make_app: AppMaker, clock: Clock) -> Flask:
    """Agencies moi > alpha, beta; one account per role (``staff.PEOPLE``); a fake clock."""
    return make_app(seed=STAFF, CLOCK=clock)


@pytest.fixture
def outbox_app(make_app: AppMaker, clock: Clock, tmp_path: Path) -> Flask:
    """``staff_app`` mailing to an outbox folder, with links to a public address (the
    follow-up, dashboard, reminder and Open311 tests)."""
    return make_app(
        seed=STAFF, CLOCK=clock, MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), **FOLLOWUP_SETTINGS
    )


@pytest.fixture
def staff_client(staff_app: Flask) -> FlaskClient:
    return staff_app.test_client()


@pytest.fixture
def auth(staff_client: FlaskClient) -> Auth:
    return Auth(staff_client)


@pytest.fixture
def people(staff_app: Flask) -> dict[str, int]:
    """E-mail address to user id of every account in ``staff.PEOPLE``."""
    return staff_app.config["PEOPLE"]


@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A running clamd that knows one signature, EICAR's (``helpers.clamd``); its Unix
    socket. Tests using it skip where clamd is not installed."""
    with running_clamd(tmp_path_factory.mktemp("clamd")) as path:
        yield path
