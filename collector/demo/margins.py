"""The demo agencies' population margins: each demo year's household-registration counts.

Visitors who answer at a counter are not the district's population: the demo's
respondents (``collector.demo.respondents``) are mostly 20 to 49, while the district
registers many more people over 65 (under 20: the 15 to 19 year olds who come to a counter), so raking to these margins visibly
moves the weights (chi-square before weighting far above its after value, a Kish
design effect well above 1). Counts are plausible for a Taipei district, not real.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlmodel import col

from collector.core.db import session_scope
from collector.core.models import Agency
from collector.margins import store

SOURCE = "示範市戶籍登記人口統計（%s 年 12 月底）"

POPULATION: dict[str, dict[str, dict[str, int]]] = {
    "demo-household": {
        "sex": {"male": 119_200, "female": 134_500},
        "age_group": {
            "under20": 12_400,
            "20-29": 30_300,
            "30-39": 35_900,
            "40-49": 46_200,
            "50-59": 43_800,
            "60-64": 21_400,
            "65plus": 63_700,
        },
    },
    "demo-land": {
        "sex": {"male": 61_200, "female": 68_400},
        "age_group": {
            "under20": 2_600,
            "20-29": 16_800,
            "30-39": 19_700,
            "40-49": 24_100,
            "50-59": 22_600,
            "60-64": 11_200,
            "65plus": 32_600,
        },
    },
}
"""Per agency and variable, the latest year's counts; earlier years shrink by 0.4 % a year
(Taipei's population falls) and age slowly."""


def _year_counts(counts: dict[str, int], years_back: int) -> tuple[tuple[str, int], ...]:
    factor = (1 - 0.004) ** years_back
    return tuple((k, round(v * factor)) for k, v in counts.items())


def seed_demo_margins(app: Flask, years: list[int]) -> int:
    """Margins for each demo year of each demo agency that has none yet; the sets made."""
    made = 0
    last = max(years)
    with session_scope(app) as session:
        agencies = {
            a.code: a.id
            for a in session.execute(
                select(Agency).where(col(Agency.code).in_(list(POPULATION)))
            ).scalars()
        }
        for code, variables in POPULATION.items():
            agency_id = agencies.get(code)
            if agency_id is None:
                continue
            have = set(store.years(session, agency_id, ""))
            entries = [
                store.Entry(
                    year, None, variable, _year_counts(counts, last - year), SOURCE % (year - 1911)
                )
                for year in sorted(set(years) - have)
                for variable, counts in variables.items()
            ]
            if entries:
                made += store.save(session, agency_id, entries, None, how="demo")
    return made
