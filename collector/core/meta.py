"""What is running: loaded plugins and a health check, as JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import jsonify
from sqlalchemy import text

from collector.core.db import get_engine
from collector.core.plugins import get_plugins

bp = Blueprint("meta", __name__, url_prefix="/-")


@bp.get("/plugins.json")
def plugins_json() -> Any:
    return jsonify({"plugins": get_plugins().describe()})


@bp.get("/health")
def health() -> Any:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
