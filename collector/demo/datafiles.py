"""The demo's data files (``collector/demo/data/*.yaml``): what the demo says and seeds,
kept as data so that anyone can change it without touching code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).parent / "data"


def read(name: str) -> Any:
    """The parsed contents of ``data/<name>.yaml``."""
    return yaml.safe_load((FOLDER / f"{name}.yaml").read_text(encoding="utf-8"))
