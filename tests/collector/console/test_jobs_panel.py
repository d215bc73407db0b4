"""The console's "Failed background jobs" panel (collector.console.jobs_panel): administrators
see their agency's failed jobs; analysts do not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from collector.jobs import service
from collector.jobs.worker import drain
from tests.helpers import jobs as helpers
from tests.helpers.organisation import agency_id
from tests.helpers.web import client_as


@pytest.fixture
def jobs_app(make_app: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    helpers.install(monkeypatch)
    return make_app(seed="staff", CLOCK=clock, PLUGINS_LOAD_ENTRY_POINTS=True)


def test_administrators_see_failed_jobs_of_their_agencies_on_the_console(
    jobs_app: Flask, tmp_path: Path
) -> None:
    ids = {}
    for agency in ("alpha", "beta"):
        ids[agency] = service.create(
            jobs_app,
            "tests.flaky",
            agency_id=agency_id(jobs_app, agency),
            parameters={"counter": str(tmp_path / agency), "fail_times": 99},
        ).id
    drain(jobs_app, scheduled=True)
    admin = client_as(jobs_app, "admin@alpha.example.test").get("/staff/").text
    assert 'id="panel-failed_jobs"' in admin
    assert f'href="/staff/jobs/{ids["alpha"]}"' in admin
    assert f'href="/staff/jobs/{ids["beta"]}"' not in admin
    system = client_as(jobs_app, "sysadmin@example.test").get("/staff/").text
    assert f'href="/staff/jobs/{ids["beta"]}"' in system
    analyst = client_as(jobs_app, "analyst@alpha.example.test").get("/staff/").text
    assert f'href="/staff/jobs/{ids["alpha"]}"' not in analyst
