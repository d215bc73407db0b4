"""Warnings shared by estimators: a test or interval computed on too few respondents.

A design-based test on a group of three respondents runs without complaint, but its
variance estimate rests on a handful of values and its reference distribution is wrong.
NCHS's data presentation standards for proportions (Parker et al. 2017) treat fewer than
30 respondents as too few for a reliable estimate; :data:`SMALL_GROUP` is that number, and
every test of :mod:`analysis.compare` (and ``SurveyDesign.difference``) warns with
:class:`SmallDomainWarning` below it. The warning does not change a number: the caller
decides whether to suppress the cell (the web layer has its own disclosure rule).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "BY_STATS",
    "SMALL_GROUP",
    "SmallDomainWarning",
    "check_binary",
    "check_by_arguments",
    "warn_small_groups",
]

#: The statistics ``by`` computes per group (linearisation and replicate-weight designs).
BY_STATS = ("mean", "total", "proportion", "ciprop", "ratio", "quantile")

#: Respondents below which a group's test is flagged (Parker et al. 2017, NCHS).
SMALL_GROUP = 30


class SmallDomainWarning(UserWarning):
    """A test or estimate rests on a group with fewer than ``SMALL_GROUP`` respondents."""


def warn_small_groups(
    counts: Mapping[object, int], what: str, minimum: int = SMALL_GROUP, stacklevel: int = 3
) -> None:
    """Warn once, naming every group of ``counts`` (group -> respondents) below ``minimum``."""
    small = {k: int(v) for k, v in counts.items() if v < minimum}
    if small:
        listed = ", ".join(f"{k!r}: {v}" for k, v in small.items())
        warnings.warn(
            f"{what}: group(s) with fewer than {minimum} respondents ({listed}); the test "
            "rests on too few answers to be reliable",
            SmallDomainWarning,
            stacklevel=stacklevel,
        )


def check_by_arguments(stat: str, den: str | None, q: float | None, level: Any) -> None:
    """The arguments of ``by`` that belong together (``den`` with a ratio, ``q`` with a
    quantile, ``level`` with a proportion), or a ``ValueError`` saying which is wrong."""
    if stat not in BY_STATS:
        raise ValueError(f"stat must be one of {BY_STATS}, got {stat!r}")
    if stat == "ratio" and den is None:
        raise ValueError("by(stat='ratio') needs den=, the denominator column")
    if stat == "quantile" and (q is None or not 0.0 <= q <= 1.0):
        raise ValueError(f"by(stat='quantile') needs q= between 0 and 1, got {q!r}")
    if den is not None and stat != "ratio":
        raise ValueError("den= is only for stat='ratio'")
    if level is not None and stat not in ("proportion", "ciprop"):
        raise ValueError("level= is only for stat='proportion' or 'ciprop'")


def check_binary(values: np.ndarray, col: str) -> None:
    """A proportion needs a 0/1 (or boolean) column."""
    if ((values < 0) | (values > 1)).any():
        raise ValueError(
            f"ciprop needs a 0/1 (or boolean) column; {col!r} has values outside [0, 1]"
        )
