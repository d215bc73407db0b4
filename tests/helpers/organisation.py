"""The organisation every test starts from: moved to :mod:`collector.testing.organisation`
(shared with plugin authors); re-exported here for the suite's imports."""

from __future__ import annotations

from collector.testing.organisation import LAND_OFFICE
from collector.testing.organisation import add_agency
from collector.testing.organisation import add_land_office
from collector.testing.organisation import agency
from collector.testing.organisation import agency_id
from collector.testing.organisation import choose_offer
from collector.testing.organisation import seed_agencies
from collector.testing.organisation import unit
from collector.testing.organisation import unit_id

__all__ = [
    "LAND_OFFICE",
    "add_agency",
    "add_land_office",
    "agency",
    "agency_id",
    "choose_offer",
    "seed_agencies",
    "unit",
    "unit_id",
]
