"""The audit log page (``/staff/audit``): paging through older events."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers.web import client_as


@pytest.mark.parametrize(
    "before", ["99999999999999999999999", "2147483648", "-99999999999999999999999", "x", ""]
)
def test_a_page_marker_the_database_cannot_hold_shows_the_newest_page(
    staff_app: Flask, before: str
) -> None:
    client = client_as(staff_app, "sysadmin@example.test")
    page = client.get("/staff/audit", query_string={"before": before})
    assert page.status_code == 200
    assert "login.success" in page.text  # the newest events: this log-in among them
