"""Alembic migrations, run through the app's engine (``collector db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from flask import Flask

from collector.core.db import get_engine

HERE = Path(__file__).parent


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["engine"] = get_engine(app)
    cfg.attributes["timezone"] = app.config.get("TIMEZONE")  # for migrations that date events
    return cfg


def upgrade(app: Flask, revision: str = "head") -> None:
    command.upgrade(alembic_config(app), revision)


def downgrade(app: Flask, revision: str) -> None:
    command.downgrade(alembic_config(app), revision)


def current(app: Flask) -> str | None:
    with get_engine(app).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
