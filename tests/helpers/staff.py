"""Staff accounts for tests: moved to :mod:`collector.testing.staff` (shared with plugin
authors); re-exported here for the suite's imports."""

from __future__ import annotations

from collector.testing.staff import FAST_HASH
from collector.testing.staff import PASSWORD
from collector.testing.staff import PEOPLE
from collector.testing.staff import Clock
from collector.testing.staff import make_people
from collector.testing.staff import make_user

__all__ = [
    "FAST_HASH",
    "PASSWORD",
    "PEOPLE",
    "Clock",
    "make_people",
    "make_user",
]
