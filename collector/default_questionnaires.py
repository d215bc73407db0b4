"""The questionnaires that ship with collector, registered as a plugin would."""

from __future__ import annotations

from pathlib import Path

import surveys
from collector.hookspecs import hookimpl


@hookimpl
def register_questionnaires() -> list[Path]:
    return surveys.bundled()
