"""The plugin's tests, on collector.testing's fixtures.

Installing collector registers collector.testing with pytest; naming it here too keeps
the tests running with PYTEST_DISABLE_PLUGIN_AUTOLOAD set.
"""

from __future__ import annotations

from typing import Any

import collector_satisfaction_extras
import pytest

pytest_plugins = ["collector.testing"]

SLUG = collector_satisfaction_extras.SLUG

ANSWERS: dict[str, Any] = {
    "service": "certificate",
    "easy_to_find": 4,
    "clear_steps": 5,
    "works_on_phone": "na",
    "overall": 4,
    "recommend": 9,
    "comment": "手機上也很好用",
}
"""A complete answer to the plugin's questionnaire."""


@pytest.fixture
def collector_plugins() -> list[Any]:
    """Every kit app loads the plugin under its entry point's name."""
    return [("satisfaction_extras", collector_satisfaction_extras)]
