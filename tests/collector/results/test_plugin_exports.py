"""A plugin's exporter in the console's export menu (/staff/results): listed beside CSV
and XLSX, allowed by its own permission, audited per export, and sent to the job queue
above EXPORT_BACKGROUND_ROWS like the core's."""

from __future__ import annotations

import importlib.metadata
import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collector.core import plugins as plugin_system
from collector.core.db import session_scope
from collector.core.models import AuditEvent
from collector.jobs.worker import drain
from tests.helpers import example_plugin
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.web import Auth
from tests.helpers.web import logged_in

ANALYST = "analyst@alpha.example.test"


class AuditorsOnly(example_plugin.JsonLinesExporter):
    """An exporter that asks for more than the right to export responses."""

    name = "auditjsonl"
    label = "JSONL (auditors)"
    action = "audit.read"


class Broken(example_plugin.JsonLinesExporter):
    """An exporter with a bug."""

    name = "broken"
    label = "Broken"

    def export(self, table: Any, language: str) -> bytes:
        raise RuntimeError("a plugin's bug")


@pytest.fixture
def plugin_app(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    ep = importlib.metadata.EntryPoint(
        name="example", value="tests.helpers.example_plugin", group="collector"
    )
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [ep])
    monkeypatch.setattr(
        example_plugin,
        "register_exporters",
        example_plugin.hookimpl(lambda: [example_plugin.JsonLinesExporter, AuditorsOnly, Broken]),
    )
    return make_app(seed="staff", PLUGINS_LOAD_ENTRY_POINTS=True)


def client_for(app: Flask, email: str) -> Any:
    client = app.test_client()
    assert logged_in(Auth(client).login(email))
    return client


def export_actions(app: Flask) -> list[dict[str, Any]]:
    with session_scope(app) as session:
        rows = session.execute(
            select(AuditEvent.detail).where(AuditEvent.action == "responses.export")
        ).scalars()
        return [json.loads(r) for r in rows]


def test_the_menu_lists_the_plugins_exporter_and_it_exports_audited(plugin_app: Flask) -> None:
    add_responses(plugin_app, "alpha", "c1", 6)
    client = client_for(plugin_app, ANALYST)
    page = client.get("/staff/results?lang=en").text
    menu = page.split("Export raw responses")[1].split("</p>")[0]
    assert [label for label in ("CSV", "XLSX", "JSONL") if f">{label}</a>" in menu] == [
        "CSV",
        "XLSX",
        "JSONL",
    ]
    assert 'title="One JSON object per line"' in menu
    assert "JSONL (auditors)" not in menu  # the analyst may not read the audit log
    response = client.get(
        "/staff/results/export", query_string={"format": "jsonl", "questionnaire": SLUG}
    )
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Content-Disposition"].endswith('.jsonl"')
    lines = [json.loads(line) for line in response.data.decode().splitlines()]
    assert len(lines) == 6 and {line["agency"] for line in lines} == {"alpha"}
    assert [e["format"] for e in export_actions(plugin_app)] == ["jsonl"]


def test_an_exporters_own_permission_is_checked(plugin_app: Flask) -> None:
    add_responses(plugin_app, "alpha", "c1", 1)
    refused = client_for(plugin_app, ANALYST).get(
        "/staff/results/export", query_string={"format": "auditjsonl", "questionnaire": SLUG}
    )
    assert refused.status_code == 403
    assert export_actions(plugin_app) == []
    assert (
        client_for(plugin_app, ANALYST)
        .get("/staff/results/export", query_string={"format": "nope", "questionnaire": SLUG})
        .status_code
        == 400
    )


def test_a_large_plugin_export_goes_to_the_queue(plugin_app: Flask) -> None:
    plugin_app.config["EXPORT_BACKGROUND_ROWS"] = 2
    add_responses(plugin_app, "alpha", "c1", 3)
    client = client_for(plugin_app, ANALYST)
    asked = client.get(
        "/staff/results/export", query_string={"format": "jsonl", "questionnaire": SLUG}
    )
    assert asked.status_code == 303
    job_page = asked.headers["Location"]
    drain(plugin_app)
    download = client.get(f"{job_page}/download")
    assert download.status_code == 200 and download.mimetype == "application/x-ndjson"
    assert len(download.data.decode().splitlines()) == 3
    [event] = export_actions(plugin_app)
    assert event["format"] == "jsonl" and event["job"] == int(job_page.rsplit("/", 1)[1])


def test_a_failing_exporter_is_a_clear_page_and_exports_nothing(plugin_app: Flask) -> None:
    add_responses(plugin_app, "alpha", "c1", 6)
    client = client_for(plugin_app, ANALYST)
    response = client.get(
        "/staff/results/export",
        query_string={"format": "broken", "questionnaire": SLUG, "lang": "en"},
    )
    assert response.status_code == 502
    assert "The export format Broken failed; nothing was exported." in response.text
    assert export_actions(plugin_app) == []
