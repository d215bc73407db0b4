"""A wave's satisfaction figures from per-stratum sums counted in the database.

The trend shows the headline item in every wave; loading every wave's responses for it
would read the whole table. Instead the database sums each wave per agency and service
unit (``collector.results.sums.cached_sums``: one ``GROUP BY``, kept until the wave's
responses change), and :mod:`analysis.strata` turns the sums into the same estimates
the design of the wave's rows gives (:func:`collector.results.estimation.design_for`
and :func:`collector.results.estimation.satisfaction`: strata by service unit, the
finite-population correction where every stratum's population is known, unanswered
rows kept in the domain). ``tests/collector/results/test_summary.py`` checks that the
two agree to 1e-12.

Weighting (``estimation.weighting_for``) needs the rows' characteristics; a weighted
wave's figures are computed from its rows, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from analysis.strata import StratumCell
from analysis.strata import domain_means
from analysis.strata import domain_proportions
from collector.core.disclosure import too_small
from collector.results.estimation import Satisfaction
from collector.results.sums import NO_UNIT
from collector.results.sums import Sums
from collector.results.sums import item
from collector.results.sums import top_two
from collector.results.wavedata import stratum

ALL = "all"
SCALE = (1.0, 5.0)


def measures_for(key: str) -> dict[str, Any]:
    """The sums a satisfaction figure of ``key`` needs: its top-two-box indicator and value."""
    return {f"top:{key}": top_two(key), f"item:{key}": item(key)}


def keyed_cells(
    sums: Sums, name: str, agencies: Mapping[int, str], units: Mapping[int, str]
) -> list[StratumCell]:
    """The cells of measure ``name`` with the strata named as the rows name them
    (``agency/unit``, :func:`collector.results.wavedata.stratum`), all in one domain."""
    out = []
    for c in sums.cells[name]:
        agency = agencies.get(int(c.domain), str(c.domain))  # type: ignore[call-overload]  # domains here are agency ids
        unit = None if isinstance(c.stratum, tuple) and c.stratum[1] == NO_UNIT else c.stratum
        key = stratum(agency, units.get(unit) if isinstance(unit, int) else None)
        out.append(StratumCell(key, ALL, c.rows, c.answered, c.total, c.squares))
    return out


def satisfaction_from_sums(
    sums: Sums,
    key: str,
    agencies: Mapping[int, str],
    units: Mapping[int, str],
    populations: Mapping[str, int] | None = None,
) -> Satisfaction | None:
    """``key``'s share and score over the summed wave, as
    ``estimation.satisfaction(design_for(rows, ...).survey, key)`` gives them from the
    rows; None under ``MIN_CELL`` respondents or two rows."""
    top = keyed_cells(sums, f"top:{key}", agencies, units)
    values = keyed_cells(sums, f"item:{key}", agencies, units)
    rows: dict[str, int] = {}
    for c in values:
        rows[str(c.stratum)] = rows.get(str(c.stratum), 0) + c.rows
    n = sum(c.answered for c in values)
    if sum(rows.values()) < 2 or too_small(n):
        return None
    populations = populations or {}
    fpc = all(populations.get(s, 0) >= size for s, size in rows.items())
    population: dict[Any, float] | None = {s: float(populations[s]) for s in rows} if fpc else None
    share = domain_proportions(top, {ALL: [ALL]}, population=population)[ALL]
    mean = domain_means(values, {ALL: [ALL]}, population=population)[ALL]
    scale = 100.0 / (SCALE[1] - SCALE[0])
    score = replace(
        mean,
        estimate=(mean.estimate - SCALE[0]) * scale,
        se=mean.se * scale,
        name=f"{key}_score",
        statistic="score_0_100",
    ).with_design_df()
    return Satisfaction(n, replace(share, name=f"{key}_top2"), score)


__all__ = ["keyed_cells", "measures_for", "satisfaction_from_sums"]
