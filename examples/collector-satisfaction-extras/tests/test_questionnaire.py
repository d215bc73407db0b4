"""The questionnaire: valid against the installed question types, and answered by citizens."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import collector_satisfaction_extras
import pytest
from conftest import ANSWERS
from conftest import SLUG

from collector.testing import Refused


def test_collector_check_accepts_the_questionnaire(collector_cli: Any) -> None:
    path = collector_satisfaction_extras.HERE / "online_service.yaml"
    result = collector_cli("check", str(path), "--language", "en")
    assert result.exit_code == 0, result.output
    assert f"{SLUG}: 7 questions" in result.output


def test_a_citizen_answer_is_stored_and_read_back(
    collector_submit: Any, collector_responses: Any, collector_agency: Any
) -> None:
    receipt = collector_submit(SLUG, ANSWERS)
    (stored,) = collector_responses(SLUG)
    assert stored["receipt"] == receipt
    assert stored["agency"] == collector_agency.agency
    assert stored["recommend"] == 9 and stored["works_on_phone"] == "na"


def test_a_recommendation_above_ten_is_refused(collector_submit: Any) -> None:
    with pytest.raises(Refused) as refused:
        collector_submit(SLUG, {**ANSWERS, "recommend": 11})
    assert set(refused.value.errors) == {"recommend"}


def test_the_installed_plugin_loads_through_its_entry_point(collector_app: Any) -> None:
    """When the package is pip-installed (CI does), collector finds it by itself."""
    if "satisfaction_extras" not in entry_points(group="collector").names:
        pytest.skip("collector-satisfaction-extras is not pip-installed")
    app = collector_app(PLUGINS_EXTRA=[], PLUGINS_LOAD_ENTRY_POINTS=True)
    listing = app.test_client().get("/-/plugins.json").get_json()["plugins"]
    (mine,) = [p for p in listing if p["name"] == "satisfaction_extras"]
    assert mine["origin"] == "entry point"
    assert mine["questionnaires"] == [SLUG]
