"""The small-cell rule: primary and secondary suppression."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from collector.core.disclosure import MIN_CELL
from collector.core.disclosure import hidden_cells
from collector.core.disclosure import too_small


def test_the_threshold_is_five() -> None:
    assert MIN_CELL == 5
    assert too_small(4) and not too_small(5)


def test_nothing_small_hides_nothing() -> None:
    assert hidden_cells({"a": 5, "b": 12}) == set()


def test_a_small_cell_takes_the_smallest_shown_one_with_it() -> None:
    # Total 20 minus the two shown would reveal the 3 in "c": the 5 goes too.
    assert hidden_cells({"a": 12, "b": 5, "c": 3}) == {"b", "c"}


def test_small_cells_that_add_up_to_five_protect_each_other() -> None:
    assert hidden_cells({"a": 12, "b": 3, "c": 2}) == {"b", "c"}


def test_ties_take_the_first() -> None:
    assert hidden_cells({"a": 7, "b": 7, "c": 1}) == {"a", "c"}


def test_people_in_no_cell_count_towards_the_total() -> None:
    # Two respondents belong to no unit: the total reveals them unless a cell goes.
    assert hidden_cells({"a": 10, "b": 6}, total=18) == {"b"}
    assert hidden_cells({"a": 10, "b": 6}, total=21) == set()


@given(st.dictionaries(st.text(max_size=3), st.integers(0, 40), max_size=8), st.integers(0, 10))
def test_what_is_shown_never_reveals_a_small_group(counts: dict[str, int], extra: int) -> None:
    total = sum(counts.values()) + extra
    hidden = hidden_cells(counts, total)
    shown = [key for key in counts if key not in hidden]
    assert all(not too_small(counts[key]) for key in shown)
    rest = total - sum(counts[key] for key in shown)
    assert rest == 0 or rest >= MIN_CELL or not shown


def test_a_two_way_table_hides_what_its_totals_would_reveal() -> None:
    from collector.core.disclosure import hidden_in_table

    table = {("m1", "a"): 10, ("m1", "b"): 3, ("m2", "a"): 12, ("m2", "b"): 8, ("m3", "a"): 0}
    cells, rows, cols = hidden_in_table(table)
    # m1/b (3) primarily; m1/a because m1's total would give it; m2/b because b's total would
    assert cells == {("m1", "b"), ("m1", "a"), ("m2", "b")}
    assert ("m3", "a") not in cells and ("m3", "b") not in cells  # empty cells are shown
    assert rows == set() and cols == set()
    small = {("m1", "a"): 3, ("m2", "a"): 20}
    cells, rows, cols = hidden_in_table(small)
    # the grand total (23) minus m2 would give m1's 3: m2 goes too, in its row and column
    assert rows == {"m1", "m2"} and cells == {("m1", "a"), ("m2", "a")}
