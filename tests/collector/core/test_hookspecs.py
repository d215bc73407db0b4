"""The hook documentation is true, and every hook is exercised through a real plugin."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from collector.complaints.service import CaseService
from collector.core import hookspecs
from collector.core import plugins as plugin_system
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import ComplaintCategory
from collector.core.models import Job
from collector.core.models import Response
from collector.core.models import Unit
from collector.core.models import User
from collector.evidence.build import build_pack
from collector.evidence.context import registries as evidence_registries
from collector.jobs import service as jobs
from collector.jobs.worker import drain
from tests.helpers import evidence_plugin
from tests.helpers import example_plugin
from tests.helpers.jobs import job_row
from tests.helpers.staff import make_user
from tests.helpers.web import client_as

DOCS = Path(__file__).resolve().parents[3] / "docs" / "plugin_hooks.md"


def jobs_of(app: Any, kind: str) -> list[Job]:
    with session_scope(app) as session:
        found = list(session.execute(select(Job).where(Job.kind == kind)).scalars())
        session.expunge_all()
        return found


def postal_answers(postal: str, score: int) -> dict[str, Any]:
    """An API submission of the example plugin's questionnaire (example-postal) at alpha."""
    return {
        "questionnaire": "example-postal",
        "agency": "alpha",
        "answers": {"postal": postal, "score": score},
    }


def hook_names() -> list[str]:
    return sorted(
        name
        for name, fn in vars(hookspecs).items()
        if inspect.isfunction(fn) and hasattr(fn, "collector_spec")
    )


def documented_signature(name: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"^## {name}\n\n```python\n(.+?)\n```", text, re.M | re.S)
    assert match, f"docs/plugin_hooks.md has no section with a signature for {name}"
    return match.group(1).strip()


def source_signature(name: str) -> str:
    fn = getattr(hookspecs, name)
    sig = inspect.signature(fn)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{name}({params}) -> {sig.return_annotation}"


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_is_documented_with_its_exact_signature(name: str) -> None:
    assert documented_signature(name) == source_signature(name)


def test_docs_list_no_hook_that_does_not_exist() -> None:
    documented = re.findall(r"^## (\w+)$", DOCS.read_text(encoding="utf-8"), re.M)
    assert sorted(documented) == hook_names()


def test_every_hookspec_has_a_docstring() -> None:
    for name in hook_names():
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name


@pytest.fixture
def with_example_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the example plugin is installed under the ``collector`` entry point group."""
    ep = importlib.metadata.EntryPoint(
        name="example", value="tests.helpers.example_plugin", group="collector"
    )
    monkeypatch.setattr(plugin_system, "_entry_points", lambda: [ep])
    example_plugin.SEEN["saved"].clear()
    example_plugin.SEEN["validated"].clear()
    example_plugin.SEEN["routed"].clear()
    example_plugin.SEEN["counted"].clear()


def test_every_hook_is_exercised(with_example_plugin: None, make_app: Any) -> None:
    """One pass through each hook with the example plugin, asserting its effect."""

    app = make_app(seed="agencies", PLUGINS_LOAD_ENTRY_POINTS=True)
    plugins = plugin_system.get_plugins(app)
    exercised = set()

    assert plugins.question_types.owners["postal_code"] == "example"
    exercised.add("register_question_types")
    assert plugins.questionnaires.owners["example-postal"] == "example"
    exercised.add("register_questionnaires")
    assert plugins.exporters.owners["jsonl"] == "example"
    exercised.add("register_exporters")
    assert plugins.analyses.owners["count"] == "example"
    exercised.add("register_analyses")
    assert plugins.results_sections.owners["example_responses"] == "example"
    assert plugins.results_sections.owners["headline"] == "collector.results.hooks"
    exercised.add("register_results_sections")  # on the page: tests/collector/results/test_page.py

    client = app.test_client()
    assert client.get("/example/hello").get_json() == {"hello": "world"}
    exercised.add("register_blueprints")

    staff = make_user(app, "kiosk-admin@alpha.example.test", "agency_admin", "alpha")
    assert staff
    home = client_as(app, "kiosk-admin@alpha.example.test").get("/staff/").text
    assert "Kiosk 3, main counter" in home and 'id="panel-example_kiosks"' in home
    exercised.add("register_console_panels")

    result = app.test_cli_runner().invoke(args=["example-hello"])
    assert result.output.strip() == "hello from the example plugin"
    exercised.add("register_commands")

    assert plugins.languages.owners["hak"] == "hakka"  # the bundled example
    chooser = client.get("/?lang=hak").text
    assert '<html lang="hak">' in chooser and "請揀一份問卷來寫" in chooser
    assert "hak" in plugins.questionnaires["citizen-satisfaction"].languages
    exercised.add("register_languages")

    body = postal_answers("000", 4)
    rejected = client.post("/api/v1/responses", json=body)
    assert rejected.status_code == 422
    assert rejected.get_json()["errors"] == {"postal": "000 is not a real postal code"}
    exercised.add("validate_submission")

    body["answers"]["postal"] = "100"
    stored = client.post("/api/v1/responses", json=body)
    assert stored.status_code == 201
    assert example_plugin.SEEN["saved"] == []  # not in the request: on the task queue
    drain(app)
    assert example_plugin.SEEN["saved"] == [stored.get_json()["receipt"]]
    exercised.add("response_saved")

    kiosk = {**body, "channel": "kiosk"}
    assert client.post("/api/v1/responses", json=kiosk).status_code == 422  # no device
    client.set_cookie("example_device", "counter-7")
    device = client.post("/api/v1/responses", json=kiosk)
    client.delete_cookie("example_device")
    assert device.status_code == 201
    with session_scope(app) as session:
        stored = session.execute(
            select(Response).where(Response.receipt == device.get_json()["receipt"])
        ).scalar_one()
    assert (stored.channel, stored.kiosk_id) == ("kiosk", 7)
    exercised.add("submission_device")

    sections, exporters = evidence_registries(app)
    assert sections.owners["example.counter_hours"] == "example"
    assert sections.owners["citizens.results"] == "collector.evidence.hooks"  # the core's own
    with app.app_context():
        pack = build_pack(app, agency_code="alpha", period="2026", languages=("en",))
    assert "example.counter_hours" in [s.name for s in pack.primary.sections]
    exercised.add("register_evidence_sections")
    assert exporters.owners["example.readme"] == "example"
    assert evidence_plugin.Readme().files(pack) == {"extra/readme.txt": b"alpha 2026\n"}
    exercised.add("register_evidence_exporters")  # in a whole pack: tests/collector/evidence

    counting = jobs.create(app, "example.count", agency_id=None, parameters={"to": 3})
    drain(app)
    assert example_plugin.SEEN["counted"] == [3]
    assert job_row(app, counting.id or 0).status == "done"
    exercised.add("register_job_kinds")

    # Offered at alpha only: beta's address and beta's API submissions are refused.
    assert client.get("/s/alpha/example-postal").status_code == 200
    assert client.get("/s/beta/example-postal").status_code == 404
    elsewhere = client.post("/api/v1/responses", json={**body, "agency": "beta"})
    assert elsewhere.status_code == 422 and "questionnaire" in elsewhere.get_json()["errors"]
    assert client.get("/s/beta/citizen-satisfaction").status_code == 200  # not the plugin's
    exercised.add("questionnaire_offered")

    with session_scope(app) as session:
        alpha = session.execute(select(Agency).where(Agency.code == "alpha")).scalar_one()
        session.add(
            User(
                email="sso-admin@alpha.example",
                display_name="SSO Admin",
                role="agency_admin",
                agency_id=alpha.id,
            )
        )
    sso = {"X-Example-SSO": "sso-admin@alpha.example"}
    home = client.get("/staff/", headers=sso)
    assert home.status_code == 200 and "SSO Admin" in home.text
    assert client.get("/staff/").status_code == 302  # no header, no session: nobody
    exercised.add("actor_from_request")
    assert client.get("/staff/audit", headers=sso).status_code == 200  # the core's matrix
    assert client.get("/staff/users", headers=sso).status_code == 403  # the plugin said no
    exercised.add("permission_allowed")

    app.config["COMPLAINT_TODAY"] = "2026-11-27"  # a Friday
    with session_scope(app) as session:
        alpha = session.execute(select(Agency).where(Agency.code == "alpha")).scalar_one()
        category = ComplaintCategory(
            agency_id=alpha.id, code="road", name_zh="道路", name_en="Roads", deadline_days=1
        )
        category.day_kind = "working"
        session.add(category)
        session.flush()
        with app.app_context():
            routed = (
                CaseService(app, session)
                .new_case(
                    agency=alpha,
                    category=category,
                    subject="Pothole [c2]",
                    description="A deep pothole.",
                    channel="online",
                    language="en",
                    anonymous=True,
                )
                .case
            )
        unit = session.get(Unit, routed.unit_id)
        assert unit is not None and unit.code == "c2" and routed.status == "assigned"
        assert example_plugin.SEEN["routed"] == [routed.case_number]
        exercised.add("route_complaint")
        # One working day after Friday is Monday, a typhoon day in the plugin's calendar.
        assert routed.due_on == date(2026, 12, 1)
        exercised.add("complaint_calendar")

    assert exercised == set(hook_names())


def test_a_failing_response_saved_hook_never_loses_the_response(
    with_example_plugin: None, make_app: Any
) -> None:

    app = make_app(seed="agencies", PLUGINS_LOAD_ENTRY_POINTS=True)
    client = app.test_client()
    response = client.post("/api/v1/responses", json=postal_answers("999", 5))
    assert response.status_code == 201
    drain(app, scheduled=True)  # the handler fails at every attempt, after the response is kept
    failed = list(jobs_of(app, "answers.response_saved"))
    assert [(j.status, j.attempts) for j in failed] == [("failed", 6)]
    assert "must not lose the response" in (failed[0].error or "")
    exported = app.test_cli_runner().invoke(args=["export", "example-postal", "--format", "jsonl"])
    rows = [json.loads(line) for line in exported.output.splitlines() if line.startswith("{")]
    assert [r["postal"] for r in rows] == ["999"]


def test_plugin_question_type_checks_answers(with_example_plugin: None, make_app: Any) -> None:

    app = make_app(seed="agencies", PLUGINS_LOAD_ENTRY_POINTS=True)
    response = app.test_client().post(
        "/api/v1/responses",
        json=postal_answers("12ab", 3),
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"postal": "Enter a postal code."}
