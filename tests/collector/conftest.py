"""Fixtures for the staff console's tests (helpers in ``tests/collector/staff.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.collector.staff import FAST_HASH, Auth, Clock, make_people
from tests.conftest import seed_agencies


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def staff_app(make_app: Any, clock: Clock) -> Flask:
    """Agencies moi > alpha, beta; one account per role (``staff.PEOPLE``); a fake clock."""
    app = make_app(PASSWORD_HASH=FAST_HASH, CLOCK=clock)
    seed_agencies(app)
    app.config["PEOPLE"] = make_people(app)
    return app


@pytest.fixture
def staff_client(staff_app: Flask) -> Any:
    return staff_app.test_client()


@pytest.fixture
def auth(staff_client: Any) -> Auth:
    return Auth(staff_client)


@pytest.fixture
def people(staff_app: Flask) -> dict[str, int]:
    """E-mail address to user id of every account in ``staff.PEOPLE``."""
    return staff_app.config["PEOPLE"]
