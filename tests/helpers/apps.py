"""Making test apps (``AppMaker``): moved to :mod:`collector.testing.apps` (shared with
plugin authors); re-exported here for the suite's imports."""

from __future__ import annotations

from collector.testing.apps import AppMaker
from collector.testing.apps import apps_made_cheaply

__all__ = [
    "AppMaker",
    "apps_made_cheaply",
]
