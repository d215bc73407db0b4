"""The production servers: ``collector serve`` is production unless it listens on this
machine only, and production refuses to start without ``PUBLIC_BASE_URL``."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from collector import gunicorn_app
from collector import serving


@pytest.mark.parametrize(
    ("bind", "loopback"),
    [
        ("127.0.0.1:5000", True),
        ("localhost:8000", True),
        ("[::1]:5000", True),
        ("127.0.0.2:5000", True),
        ("127.0.0.1:5000,[::1]:5000", True),
        ("0.0.0.0:5000", False),
        ("[::]:5000", False),
        ("192.0.2.10:80", False),
        ("survey.example.gov.tw:80", False),
        ("unix:/run/collector.sock", False),
        ("127.0.0.1:5000,0.0.0.0:5000", False),
        ("", False),
    ],
)
def test_on_loopback(bind: str, loopback: bool) -> None:
    assert serving.on_loopback(bind) is loopback


@pytest.mark.parametrize(("bind", "production"), [("127.0.0.1:5000", False), ("0.0.0.0:80", True)])
def test_collector_serve_is_production_off_this_machine(
    monkeypatch: pytest.MonkeyPatch, bind: str, production: bool
) -> None:
    made: list[bool] = []

    def fake_create_app(*, production: bool = False) -> Flask:
        made.append(production)
        app = Flask("fake")
        app.config["PUBLIC_BASE_URL"] = None
        return app

    monkeypatch.setattr(gunicorn_app, "create_app", fake_create_app)
    options: dict[str, Any] = {**serving.SETTINGS, "bind": bind}
    gunicorn_app._Application(options).load()
    assert made == [production]
