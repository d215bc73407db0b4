"""``collector.testing``: the pytest plugin for testing collector plugins.

Installing collector registers it with pytest (the ``pytest11`` entry point
``collector.testing``); without that (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), name it in
your top-level ``conftest.py``: ``pytest_plugins = ["collector.testing"]``. It is
imported only by pytest: the app never imports it, so it costs a normal start nothing.

Fixtures (docs/writing-plugins.md shows them at work):

- ``collector_plugins``: the plugins every kit app loads; override it in your conftest
  (``return [my_plugin]``);
- ``collector_app``: ``collector_app(*plugins, seed="staff", **config)`` makes an app
  with those plugins (default: ``collector_plugins``) on the test's own database,
  seeded with agencies ``alpha`` and ``beta`` below ministry ``moi`` (units ``c1``,
  ``c2``) and one staff account per role; the fixtures below act on the latest app
  made (or make one with ``collector_plugins``);
- ``collector_agency``: the seeded agency and unit (``Seeded``: codes and ids);
- ``collector_staff``: ``collector_staff("analyst")``, a test client logged in as that
  role (``agency_admin``, ``analyst``, ``case_handler``, ``counter_staff``,
  ``ministry_admin``, ``system_admin``);
- ``collector_submit``: ``collector_submit(slug, answers)`` answers a questionnaire
  through ``POST /api/v1/responses`` and returns the receipt (a refusal raises
  ``Refused`` with ``.errors``);
- ``collector_responses``: ``collector_responses(slug)``, the stored responses as dicts;
- ``collector_run_jobs``: runs the queued jobs (``response_saved`` handlers, the
  mail outbox's deliveries) now;
- ``collector_cli``: ``collector_cli("export", slug, "--format", "mine")``.

The databases are SQLite files copied from a template migrated once per session (on
``/dev/shm`` where there is one), or ``COLLECTOR_TEST_DATABASE_URL``'s PostgreSQL.
"""

from __future__ import annotations

import sys

# Test processes keep the modules they compile, even where PYTHONDONTWRITEBYTECODE is set:
# otherwise every xdist worker, and every test that starts ``collector`` in a subprocess,
# compiles (and pytest rewrites) the whole app again. Set before the app is imported below.
sys.dont_write_bytecode = False

import shutil
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

from collector.testing.apps import AppMaker
from collector.testing.database import Templates
from collector.testing.database import TestDatabase
from collector.testing.database import empty_postgres
from collector.testing.database import postgres_url
from collector.testing.database import reset_postgres
from collector.testing.database import scratch_folder
from collector.testing.kit import ROLES
from collector.testing.kit import JobRun
from collector.testing.kit import Kit
from collector.testing.kit import Refused
from collector.testing.kit import Seeded

__all__ = [
    "ROLES",
    "JobRun",
    "Kit",
    "Refused",
    "Seeded",
    "collector_agency",
    "collector_app",
    "collector_cli",
    "collector_database",
    "collector_kit",
    "collector_make_app",
    "collector_plugins",
    "collector_responses",
    "collector_run_jobs",
    "collector_staff",
    "collector_submit",
    "collector_templates",
    "pytest_configure",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fresh_database: the test's database starts empty, not from a template"
    )


@pytest.fixture(scope="session")
def collector_templates() -> Iterator[Templates | None]:
    """SQLite: the folder of template and test databases. PostgreSQL: a schema reset."""
    url = postgres_url()
    if url is not None:
        reset_postgres(url)
        yield None
        return
    folder = scratch_folder()
    try:
        yield Templates(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def collector_database(
    request: pytest.FixtureRequest, collector_templates: Templates | None
) -> Iterator[TestDatabase]:
    """This test's database (made by the first app), removed afterwards."""
    fresh = request.node.get_closest_marker("fresh_database") is not None
    url = postgres_url()
    if url is not None:
        (reset_postgres if fresh else empty_postgres)(url)
        yield TestDatabase(url=url, templates=None, fresh=fresh)
        return
    assert collector_templates is not None
    path = collector_templates.new_path()
    db = TestDatabase(
        url=f"sqlite:///{path}", templates=collector_templates, path=path, fresh=fresh
    )
    try:
        yield db
    finally:
        db.remove()


@pytest.fixture
def collector_make_app(collector_database: TestDatabase) -> Iterator[AppMaker]:
    """``make_app(seed=..., **config)``: apps on the test's database, disposed afterwards."""
    maker = AppMaker(collector_database)
    yield maker
    maker.dispose()


@pytest.fixture
def collector_plugins() -> list[Any]:
    """The plugins kit apps load when none are named: override in your conftest."""
    return []


@pytest.fixture
def collector_kit(collector_make_app: AppMaker, collector_plugins: list[Any]) -> Kit:
    return Kit(collector_make_app, collector_plugins)


@pytest.fixture
def collector_app(collector_kit: Kit) -> Callable[..., Flask]:
    """``collector_app(*plugins, seed="staff", **config)``: an app with the plugins loaded."""
    return collector_kit.app


@pytest.fixture
def collector_agency(collector_kit: Kit) -> Seeded:
    """The seeded agency and unit (``alpha``, ``c1``) of the latest app."""
    return collector_kit.seeded()


@pytest.fixture
def collector_staff(collector_kit: Kit) -> Callable[..., FlaskClient]:
    """``collector_staff(role)``: a client logged in as the seeded account of ``role``."""
    return collector_kit.staff


@pytest.fixture
def collector_submit(collector_kit: Kit) -> Callable[..., str]:
    """``collector_submit(slug, answers, agency="alpha", unit="c1")``: the receipt."""
    return collector_kit.submit


@pytest.fixture
def collector_responses(collector_kit: Kit) -> Callable[..., list[dict[str, Any]]]:
    """``collector_responses(slug)``: every stored response to ``slug`` as a dict."""
    return collector_kit.responses


@pytest.fixture
def collector_run_jobs(collector_kit: Kit) -> Callable[..., list[JobRun]]:
    """``collector_run_jobs()``: run the queued jobs now, retries at once; every job."""
    return collector_kit.run_jobs


@pytest.fixture
def collector_cli(collector_kit: Kit) -> Callable[..., Result]:
    """``collector_cli("export", slug, "--format", "mine")``: the command's result."""
    return collector_kit.cli
