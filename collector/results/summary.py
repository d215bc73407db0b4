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

A dimension's figures (:func:`composite_from_sums`: the average of its items' share and
score, ``estimation.composite`` from the rows) need, besides each item's sums, per pair of
its items the responses that answered both, each item's Σ over them and Σ of the
products (:func:`composite_measures`), and the responses that answered any of them.

Weighting (``estimation.weighting_for``) needs the rows' characteristics; a weighted
wave's figures are computed from its rows, not here.
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from analysis.ciprop import SATISFACTION_BOUNDARY
from analysis.strata import PairCell
from analysis.strata import StratumCell
from analysis.strata import average_of_means
from analysis.strata import domain_means
from analysis.strata import domain_proportions
from collector.core.disclosure import too_small
from collector.results.estimation import Satisfaction
from collector.results.sums import NO_UNIT
from collector.results.sums import Sums
from collector.results.sums import answered_any
from collector.results.sums import given
from collector.results.sums import item
from collector.results.sums import product
from collector.results.sums import top_two
from collector.results.wavedata import stratum

ALL = "all"
SCALE = (1.0, 5.0)


def measures_for(key: str) -> dict[str, Any]:
    """The sums a satisfaction figure of ``key`` needs: its top-two-box indicator and value."""
    return {f"top:{key}": top_two(key), f"item:{key}": item(key)}


def _any_name(keys: Sequence[str]) -> str:
    return "any:" + "|".join(keys)


def composite_measures(keys: Sequence[str]) -> dict[str, Any]:
    """The sums a dimension of ``keys`` needs (:func:`composite_from_sums`): each item's
    (:func:`measures_for`), and per pair of items, of the values and of the top-two-box
    indicators, the product and each one where the other is answered."""
    out: dict[str, Any] = {}
    for key in keys:
        out.update(measures_for(key))
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            for prefix, measure in (("", item), ("top", top_two)):
                x, y = measure(a), measure(b)
                out[f"{prefix}pair:{a}:{b}"] = product(x, y)
                out[f"{prefix}given:{a}:{b}"] = given(x, y)
                out[f"{prefix}given:{b}:{a}"] = given(y, x)
    out[_any_name(keys)] = answered_any(keys)
    return out


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
    # the pages' share interval: one-sided at a share of 0 or 1 (``top_two_box``'s default)
    share = domain_proportions(
        top, {ALL: [ALL]}, population=population, boundary=SATISFACTION_BOUNDARY
    )[ALL]
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


def group_satisfaction(
    top: Sequence[StratumCell],
    values: Sequence[StratumCell],
    groups: Sequence[Hashable],
    population: Mapping[Any, float] | None,
) -> dict[Hashable, Satisfaction | None]:
    """Each group's share and score, as ``estimation.satisfaction(design.subset(group),
    key)`` gives them from the rows: ``top`` and ``values`` are the cells of the item's
    top-two-box indicator and value with each cell's ``domain`` its group (the groups of a
    stratum's cells together hold its rows); None under ``MIN_CELL`` respondents."""
    answered: dict[Hashable, int] = {g: 0 for g in groups}
    for c in values:
        if c.domain in answered:
            answered[c.domain] += c.answered
    shown = [g for g in groups if not too_small(answered[g])]
    out: dict[Hashable, Satisfaction | None] = {g: None for g in groups}
    if not shown:
        return out
    targets = {g: [g] for g in shown}
    shares = domain_proportions(top, targets, population=population, boundary=SATISFACTION_BOUNDARY)
    means = domain_means(values, targets, population=population)
    scale = 100.0 / (SCALE[1] - SCALE[0])
    for g in shown:
        mean = means[g]
        score = replace(
            mean,
            estimate=(mean.estimate - SCALE[0]) * scale,
            se=mean.se * scale,
            statistic="score_0_100",
        ).with_design_df()
        out[g] = Satisfaction(answered[g], shares[g], score)
    return out


def stratum_rows(
    sums: Sums, agencies: Mapping[int, str], units: Mapping[int, str]
) -> dict[str, int]:
    """The summed wave's responses per stratum, named as the rows name them."""
    out: dict[str, int] = {}
    for (agency, unit), n in sums.rows.items():
        code = units.get(unit) if unit != NO_UNIT else None
        key = stratum(agencies.get(agency, str(agency)), code)
        out[key] = out.get(key, 0) + n
    return out


def population_of(
    sums: Sums,
    name: str,
    agencies: Mapping[int, str],
    units: Mapping[int, str],
    populations: Mapping[str, int] | None,
) -> tuple[int, dict[Any, float] | None]:
    """:func:`_population`: the wave's rows and the strata's populations where the design
    has the finite-population correction (else None)."""
    return _population(sums, name, agencies, units, populations)


def _population(
    sums: Sums,
    name: str,
    agencies: Mapping[int, str],
    units: Mapping[int, str],
    populations: Mapping[str, int] | None,
) -> tuple[int, dict[Any, float] | None]:
    """The rows of the wave, and each stratum's population where the design has the
    finite-population correction (every stratum's population at least its rows, as
    ``estimation.design_for`` decides), else None."""
    rows: dict[str, int] = {}
    for c in keyed_cells(sums, name, agencies, units):
        rows[str(c.stratum)] = rows.get(str(c.stratum), 0) + c.rows
    populations = populations or {}
    fpc = all(populations.get(s, 0) >= size for s, size in rows.items())
    return sum(rows.values()), ({s: float(populations[s]) for s in rows} if fpc else None)


def composite_from_sums(
    sums: Sums,
    keys: Sequence[str],
    agencies: Mapping[int, str],
    units: Mapping[int, str],
    populations: Mapping[str, int] | None = None,
) -> Satisfaction | None:
    """A dimension's share and score (the average of its items' own figures) over the
    summed wave, as ``estimation.composite(design_for(rows, ...).survey, keys)`` gives them
    from the rows; ``sums`` must hold :func:`composite_measures` of ``keys``. None without
    answers, under ``MIN_CELL`` respondents or two rows."""
    if not keys:
        return None
    total, population = _population(sums, f"item:{keys[0]}", agencies, units, populations)
    if total < 2:
        return None
    present = [k for k in keys if sum(c.answered for c in sums.cells[f"item:{k}"]) > 0]
    if not present:
        return None
    anyone: dict[Any, int] = {}
    for c in keyed_cells(sums, _any_name(keys), agencies, units):
        anyone[c.stratum] = anyone.get(c.stratum, 0) + c.answered
    n = sum(anyone.values())
    if too_small(n):
        return None

    def estimate(prefix: str, measure: str, scale: float, shift: float, name: str) -> Any:
        cells = [keyed_cells(sums, f"{measure}:{k}", agencies, units) for k in present]
        pairs: dict[tuple[int, int], list[PairCell]] = {}
        for i, a in enumerate(present):
            for j in range(i + 1, len(present)):
                b = present[j]
                both = keyed_cells(sums, f"{prefix}pair:{a}:{b}", agencies, units)
                first = keyed_cells(sums, f"{prefix}given:{a}:{b}", agencies, units)
                second = keyed_cells(sums, f"{prefix}given:{b}:{a}", agencies, units)
                pairs[(i, j)] = [
                    PairCell(p.stratum, p.answered, f.total, s.total, p.total)
                    for p, f, s in zip(both, first, second, strict=True)
                ]
        return average_of_means(
            cells, pairs, anyone, population=population, scale=scale, shift=shift, name=name
        )

    share = estimate(
        "top", "top", 1.0, 0.0, "average of " + ", ".join(f"_top_{k}" for k in present)
    )
    score = estimate(
        "", "item", 100.0 / (SCALE[1] - SCALE[0]), SCALE[0], "average of " + ", ".join(present)
    )
    return Satisfaction(n, share, score)


__all__ = [
    "composite_from_sums",
    "composite_measures",
    "group_satisfaction",
    "keyed_cells",
    "measures_for",
    "population_of",
    "satisfaction_from_sums",
    "stratum_rows",
]
