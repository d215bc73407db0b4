"""collector.testing, the plugin authors' kit, used as a plugin author uses it: an app
with a plugin loaded, citizens' answers through the API, staff of every role, the jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from collector.core.plugins import get_plugins
from collector.scaffold import TEMPLATE
from collector.scaffold import PluginNames
from collector.testing import ROLES
from collector.testing import Refused
from tests.helpers import example_plugin
from tests.helpers.answers import CITIZEN_ANSWERS
from tests.helpers.organisation import agency_id
from tests.helpers.organisation import unit_id

POSTAL = {"postal": "10048", "score": 4}


def test_an_app_with_the_plugin_loaded(collector_app: Any) -> None:
    app = collector_app(example_plugin)
    plugins = get_plugins(app)
    (given,) = [p for p in plugins.plugins if p.origin == "given"]
    assert given.name == "tests.helpers.example_plugin"
    assert plugins.questionnaires.owners["example-postal"] == given.name
    assert "land_office" in [p.name for p in plugins.plugins]  # the bundled ones too


def test_a_plugin_under_its_entry_point_name(collector_app: Any, collector_cli: Any) -> None:
    collector_app(("example", example_plugin))
    listed = collector_cli("plugins")
    assert "example (given: tests.helpers.example_plugin)" in listed.output
    assert "exporters: jsonl" in listed.output


def test_submit_and_read_back(
    collector_app: Any, collector_submit: Any, collector_responses: Any
) -> None:
    collector_app(example_plugin)
    receipt = collector_submit("example-postal", POSTAL)
    (stored,) = collector_responses("example-postal")
    assert (stored["receipt"], stored["postal"], stored["score"]) == (receipt, "10048", 4)
    assert (stored["agency"], stored["unit"], stored["channel"]) == ("alpha", "c1", "online")
    assert collector_responses("example-postal", agency="beta") == []


def test_a_refused_submission_says_why_and_stores_nothing(
    collector_app: Any, collector_submit: Any, collector_responses: Any
) -> None:
    collector_app(example_plugin)
    with pytest.raises(Refused) as refused:
        collector_submit("example-postal", {"postal": "12ab", "score": 3})
    assert refused.value.status == 422
    assert refused.value.errors == {"postal": "Enter a postal code."}
    assert collector_responses("example-postal") == []


def test_without_a_plugin_the_core_questionnaires_answer(
    collector_submit: Any, collector_responses: Any, collector_agency: Any, collector_kit: Any
) -> None:
    receipt = collector_submit("citizen-satisfaction", CITIZEN_ANSWERS)
    assert [r["receipt"] for r in collector_responses("citizen-satisfaction")] == [receipt]
    app = collector_kit.current
    assert collector_agency.agency_id == agency_id(app, "alpha")
    assert collector_agency.unit_id == unit_id(app, "alpha", "c1")


def test_staff_of_every_role_are_logged_in(collector_app: Any, collector_staff: Any) -> None:
    collector_app()
    for role in ROLES:
        home = collector_staff(role).get("/staff/")
        assert home.status_code == 200, role
    assert collector_staff("analyst").get("/staff/users").status_code == 403
    assert collector_staff("agency_admin").get("/staff/users").status_code == 200
    with pytest.raises(LookupError, match="no seeded account of role 'mayor'"):
        collector_staff("mayor")


def test_response_saved_runs_when_the_jobs_run(
    collector_app: Any, collector_submit: Any, collector_run_jobs: Any
) -> None:
    collector_app(example_plugin)
    receipt = collector_submit("example-postal", POSTAL)
    assert receipt not in example_plugin.SEEN["saved"]  # not in the citizen's request
    (job,) = collector_run_jobs()
    assert (job.kind, job.plugin, job.status) == (
        "answers.response_saved",
        "tests.helpers.example_plugin",
        "done",
    )
    assert receipt in example_plugin.SEEN["saved"]
    failing = collector_submit("example-postal", {"postal": "999", "score": 1})
    jobs = collector_run_jobs()
    assert [(j.status, j.attempts) for j in jobs] == [("done", 1), ("failed", 6)]
    assert failing in example_plugin.SEEN["saved"]


def test_collector_check_knows_the_loaded_plugins_question_types(
    collector_app: Any, collector_cli: Any, tmp_path: Path
) -> None:
    """``collector check`` validates against the installed plugins' question types."""
    template = (TEMPLATE / "PACKAGE" / "questionnaire.yaml.tmpl").read_text(encoding="utf-8")
    text = PluginNames.of("postal").fill(template).replace("type: long_text", "type: postal_code")
    path = tmp_path / "postal.yaml"
    path.write_text(text, encoding="utf-8")
    collector_app(PLUGINS_EXTRA=[])
    refused = collector_cli("check", str(path), "--language", "en")
    assert refused.exit_code == 1
    assert "Question “comment”: unknown type 'postal_code'" in refused.output
    collector_app(example_plugin)
    accepted = collector_cli("check", str(path), "--language", "en")
    assert accepted.exit_code == 0, accepted.output
    assert "postal-satisfaction: 3 questions" in accepted.output
