"""Sample size, achieved margin of error, stratified allocation and counter sampling plans.

Formulas from Cochran (1977) *Sampling Techniques*: n0 = z² p(1-p) / e² (§4.4), the finite
population correction n = n0 / (1 + (n0 - 1)/N) (§4.4, eq. 4.2), multiplied by the design
effect (Kish 1965 §8.2); proportional and Neyman allocation (§5.5). ±3 points at 95% needs
1,068 completes; a staff survey of N = 300 needs 235 for the same margin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "CounterPlan",
    "allocate",
    "counter_plan",
    "margin_of_error",
    "sample_size",
]


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, got {level!r}")
    return float(stats.norm.ppf(1 - (1 - level) / 2))


def sample_size(
    margin: float,
    level: float = 0.95,
    p: float = 0.5,
    population: float | None = None,
    deff: float = 1.0,
    response_rate: float = 1.0,
) -> int:
    """Completes needed for a margin ``margin`` (a proportion, 0.03 = ±3 points).

    n0 = z²p(1-p)/e²; with ``population`` N the FPC n0/(1+(n0-1)/N); times ``deff``; divided by
    ``response_rate`` to give the number of people to approach. Rounded up.
    """
    if not 0 < margin < 1:
        raise ValueError(
            f"margin must be a proportion between 0 and 1 (0.03 = ±3 points), got {margin!r}"
        )
    if not 0 < p < 1:
        raise ValueError(f"p must be between 0 and 1, got {p!r}")
    if deff <= 0:
        raise ValueError(f"deff must be positive, got {deff!r}")
    if not 0 < response_rate <= 1:
        raise ValueError(f"response_rate must be in (0, 1], got {response_rate!r}")
    n = _z(level) ** 2 * p * (1 - p) / margin**2
    if population is not None:
        if population < 1:
            raise ValueError(f"population must be at least 1, got {population!r}")
        n = n / (1 + (n - 1) / population)
    n = n * deff / response_rate
    # guard against 1067.0000000001 from floating point
    return math.ceil(n - 1e-9)


def margin_of_error(
    n: float,
    level: float = 0.95,
    p: float = 0.5,
    population: float | None = None,
    deff: float = 1.0,
) -> float:
    """Achieved half-width z·√(deff·p(1-p)/n·(N-n)/(N-1)) for ``n`` completes."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n!r}")
    var = deff * p * (1 - p) / n
    if population is not None:
        if population < n:
            raise ValueError(f"population ({population}) is smaller than the sample ({n})")
        var *= (population - n) / (population - 1) if population > 1 else 0.0
    return _z(level) * math.sqrt(var)


def allocate(
    n: int,
    sizes: Mapping[Any, float],
    sds: Mapping[Any, float] | None = None,
    minimum: int = 0,
) -> dict[Any, int]:
    """Split ``n`` over strata: proportional to N_h, or Neyman (N_h·S_h) when ``sds`` given.

    Integer counts by largest remainder, at least ``minimum`` per stratum and never more than
    N_h (Cochran §5.5, §5.9).
    """
    keys = list(sizes)
    if not keys:
        raise ValueError("sizes must name at least one stratum")
    big_n = np.array([float(sizes[k]) for k in keys])
    if (big_n <= 0).any():
        raise ValueError("every stratum size must be positive")
    if n > big_n.sum():
        raise ValueError(f"n = {n} exceeds the population ({big_n.sum():g})")
    if minimum * len(keys) > n:
        raise ValueError(f"minimum {minimum} per stratum needs {minimum * len(keys)} > n = {n}")
    if sds is not None:
        missing = [k for k in keys if k not in sds]
        if missing:
            raise ValueError(f"sds lacks strata {missing}")
        share = big_n * np.array([float(sds[k]) for k in keys])
    else:
        share = big_n.copy()
    if share.sum() <= 0:
        raise ValueError("allocation shares sum to zero")
    alloc = np.full(len(keys), float(minimum))
    free = n - minimum * len(keys)
    ideal = alloc + free * share / share.sum()
    ideal = np.minimum(ideal, big_n)
    out = np.floor(ideal).astype(int)
    while out.sum() < n:
        room = np.where(out < big_n, ideal - out, -np.inf)
        if not np.isfinite(room).any():
            break
        out[int(np.argmax(room))] += 1
        ideal = np.where(out > ideal, out, ideal)
    return {k: int(v) for k, v in zip(keys, out, strict=True)}


@dataclass(frozen=True)
class CounterPlan:
    """Counter (walk-in) sampling: every k-th visitor, or survey days per unit."""

    interval: int
    expected_completes: float
    days_per_unit: dict[Any, int]
    note: str


def counter_plan(
    completes: int,
    visitors_per_day: Mapping[Any, float],
    days_in_period: int,
    response_rate: float = 1.0,
    days_per_unit: int | None = None,
) -> CounterPlan:
    """Plan a counter survey that yields ``completes`` over ``days_in_period`` days.

    Systematic sampling of every k-th visitor: k = floor(total visitors × response rate /
    completes) (Cochran ch. 8). Alternatively sample ``days_per_unit`` days in each unit and
    interview everyone (a stratified cluster sample: unit = stratum, day = PSU; analyse with
    ``SurveyDesign(ids="day", strata="unit", fpc="days_in_period")``); when ``days_per_unit``
    is omitted it is the number of days each unit needs at its own traffic, at least 2 so the
    variance can be estimated.
    """
    if completes <= 0 or days_in_period <= 0:
        raise ValueError("completes and days_in_period must be positive")
    if not 0 < response_rate <= 1:
        raise ValueError(f"response_rate must be in (0, 1], got {response_rate!r}")
    if not visitors_per_day or any(v <= 0 for v in visitors_per_day.values()):
        raise ValueError("visitors_per_day needs a positive count for every unit")
    total = sum(visitors_per_day.values()) * days_in_period
    if completes > total * response_rate:
        raise ValueError(
            f"{completes} completes need more visitors than the period brings ({total * response_rate:g} expected responses)"
        )
    k = max(1, int(total * response_rate // completes))
    per_unit = allocate(completes, {u: v * days_in_period for u, v in visitors_per_day.items()})
    days: dict[Any, int] = {}
    for unit, v in visitors_per_day.items():
        need = per_unit[unit] / (v * response_rate)
        d = days_per_unit if days_per_unit is not None else max(2, math.ceil(need))
        days[unit] = min(days_in_period, d)
    return CounterPlan(
        interval=k,
        expected_completes=total * response_rate / k,
        days_per_unit=days,
        note="interview every k-th visitor from a random start in 1..k, or everyone on the sampled days",
    )
