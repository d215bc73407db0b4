"""The complaint statistics page: who sees what, bad input, and its numbers against
``analysis`` computed directly from the same cases."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.helpers import complaints as fd
from tests.helpers.web import client_as

PAGE = "/staff/cases/statistics"


@pytest.fixture
def sapp(outbox_app: Flask) -> Flask:
    app = outbox_app
    app.config["ROADS"] = fd.add_category(app, "alpha", "roads")
    return app


def test_smoke(sapp: Flask) -> None:
    for i in range(7):
        fd.pin(sapp, "2026-10-05")
        filed = fd.file_case(sapp, "alpha", sapp.config["ROADS"], name=f"民{i}", email=f"a{i}@example.test")
        if i < 6:
            fd.close_case(sapp, filed.case.id, replied="2026-10-06", closed="2026-10-07")  # type: ignore[arg-type]
    citizen = sapp.test_client()
    for link in fd.feedback_links(sapp):
        page = citizen.get(link)
        assert citizen.post(link, data=fd.answer_form(page.text)).status_code == 200
    fd.pin(sapp, "2026-12-05")
    page = client_as(sapp, fd.ADMIN).get(PAGE + "?wave=2026H2")
    print(page.text)
    assert page.status_code == 200
