"""The small-cell rule, in one place: no figure about fewer than ``MIN_CELL`` people.

Taiwan's personal-data practice for statistics (and the award's evidence rules)
forbid publishing a cell of fewer than five respondents. Pages, exports and the
dashboard all ask here, so the threshold and the secondary-suppression rule
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Mapping
from typing import Any
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


R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)


def _settle(members: Mapping[Any, int], hidden: set[Any], total: int | None) -> set[Any]:
    """Members to withhold besides ``hidden`` so that ``total`` (None: itself withheld)
    minus the shown members reveals none of the withheld ones (smallest first)."""
    if total is None:
        return set()
    order = list(members)
    added: set[Any] = set()
    while True:
        shown = [k for k in order if k not in hidden and k not in added]
        rest = total - sum(members[k] for k in shown)
        candidates = [k for k in shown if members[k] > 0]  # withholding an empty cell hides nothing
        if not (0 < rest < MIN_CELL) or not candidates:
            return added
        added.add(min(candidates, key=lambda k: (members[k], order.index(k))))


def hidden_in_table(
    counts: Mapping[tuple[R, C], int],
) -> tuple[set[tuple[R, C]], set[R], set[C]]:
    """The cells, row totals and column totals of a two-way table to withhold.

    The table shows every cell of ``counts`` (a missing cell counts as 0), a total per
    row, a total per column and the grand total (always shown). Primary: every count
    from 1 to ``MIN_CELL - 1`` (an empty cell says no one is in it, and is shown). Secondary, repeated until nothing changes: in each row, each
    column, the column of row totals and the row of column totals, while the line's
    shown total minus its shown members would reveal the withheld ones together, the
    smallest shown member is withheld too.
    """
    rows = list(dict.fromkeys(r for r, _ in counts))
    cols = list(dict.fromkeys(c for _, c in counts))
    cell = {(r, c): counts.get((r, c), 0) for r in rows for c in cols}
    row_total = {r: sum(cell[(r, c)] for c in cols) for r in rows}
    col_total = {c: sum(cell[(r, c)] for r in rows) for c in cols}
    grand = sum(row_total.values())
    cells: set[Any] = {k for k, n in cell.items() if 0 < n < MIN_CELL}
    row_hidden: set[Any] = {r for r, n in row_total.items() if 0 < n < MIN_CELL}
    col_hidden: set[Any] = {c for c, n in col_total.items() if 0 < n < MIN_CELL}
    changed = True
    while changed:
        changed = False
        lines: list[tuple[Mapping[Any, int], set[Any], int | None]] = [
            ({(r, c): cell[(r, c)] for c in cols}, cells, None if r in row_hidden else row_total[r])
            for r in rows
        ]
        lines += [
            ({(r, c): cell[(r, c)] for r in rows}, cells, None if c in col_hidden else col_total[c])
            for c in cols
        ]
        lines += [(row_total, row_hidden, grand), (col_total, col_hidden, grand)]
        for members, hidden, total in lines:
            added = _settle(members, hidden, total)
            if added:
                hidden.update(added)
                changed = True
    return cells, row_hidden, col_hidden
