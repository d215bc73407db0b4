"""Configuration flows from defaults, the instance file, the environment, the test config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from collector import create_app


def test_defaults_put_sqlite_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collector.core import config

    monkeypatch.delenv("COLLECTOR_DATABASE_URL", raising=False)
    from flask import Flask

    app = Flask("collector", instance_path=str(tmp_path / "inst"), instance_relative_config=True)
    config.load(app, None)
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'collector.sqlite'}"
    key = (tmp_path / "inst" / "secret_key").read_text()
    assert app.config["SECRET_KEY"] == key and len(key) > 40
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0  # owner only
    config.load(app, None)
    assert app.config["SECRET_KEY"] == key  # made once, then reused


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flask import Flask

    from collector.core import config

    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text(
        "WRITER_BATCH_MAX = 7\nTIMEZONE = 'UTC'\nLANGUAGES = ['en']\n"
    )
    monkeypatch.setenv("COLLECTOR_WRITER_BATCH_MAX", "9")
    monkeypatch.setenv("COLLECTOR_PLUGINS_DISABLED", "land_office, other")
    app = Flask("collector", instance_path=str(instance), instance_relative_config=True)
    config.load(app, {"LANGUAGES": ["zh-Hant-TW"]})
    assert app.config["TIMEZONE"] == "UTC"  # instance file beats defaults
    assert app.config["WRITER_BATCH_MAX"] == 9  # environment beats the instance file (JSON-parsed)
    assert app.config["LANGUAGES"] == ["zh-Hant-TW"]  # test config beats everything
    assert app.config["PLUGINS_DISABLED"] == ["land_office", "other"]


def test_database_url_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    monkeypatch.setenv("COLLECTOR_DATABASE_URL", url)
    app = create_app({"SECRET_KEY": "x", "PLUGINS_LOAD_ENTRY_POINTS": False})
    try:
        assert app.config["DATABASE_URL"] == url
        assert (tmp_path / "env.sqlite").exists()  # fresh SQLite file: start-up just works
    finally:
        app.extensions["collector.engine"].dispose()
