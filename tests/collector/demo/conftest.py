"""The demo seeded once for the tests that only read what it stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers.demo import DemoData
from tests.helpers.demo import demo_app
from tests.helpers.demo import read_demo

_seeded: dict[str, DemoData] = {}


@pytest.fixture
def demo_data(make_app: Any, tmp_path: Path) -> DemoData:
    """What ``collector demo`` stored on the demo day, read back as rows. Seeding takes
    seconds, so the first test that asks seeds it and the others read the same rows."""
    if "data" not in _seeded:
        _seeded["data"] = read_demo(demo_app(make_app, tmp_path))
    return _seeded["data"]
