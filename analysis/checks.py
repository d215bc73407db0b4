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

__all__ = ["SMALL_GROUP", "SmallDomainWarning", "warn_small_groups"]

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
