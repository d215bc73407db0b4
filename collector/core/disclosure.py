"""The small-cell rule, in one place: no figure about fewer than ``MIN_CELL`` people.

Taiwan's personal-data practice for statistics (and the award's evidence rules)
forbid publishing a cell of fewer than five respondents. Pages, exports and the
dashboard all ask here, so the threshold and the secondary-suppression rule
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Mapping
from typing import TypeVar

MIN_CELL = 5
"""No statistic is shown for fewer respondents than this."""

K = TypeVar("K", bound=Hashable)


def too_small(n: int) -> bool:
    """Whether a cell of ``n`` respondents must be withheld."""
    return n < MIN_CELL


def hidden_cells(counts: Mapping[K, int], total: int | None = None) -> set[K]:
    """The cells to withhold: primary and secondary suppression.

    Primary: every cell under ``MIN_CELL``. Secondary: a total minus the cells shown
    would reveal the withheld ones together, so while they hold 1 to
    ``MIN_CELL - 1`` respondents the smallest shown cell (the first, on a tie) is
    withheld too. ``total`` is the count the page shows or implies (default: the
    sum of the cells; more when some respondents belong to no cell).
    """
    order = {key: i for i, key in enumerate(counts)}
    hidden = {key for key, n in counts.items() if too_small(n)}
    total = sum(counts.values()) if total is None else total
    while True:
        shown = [key for key in counts if key not in hidden]
        rest = total - sum(counts[key] for key in shown)
        if not (0 < rest < MIN_CELL) or not shown:
            return hidden
        hidden.add(min(shown, key=lambda key: (counts[key], order[key])))
