"""A dimension's average of item means from per-stratum sums (with the pairs' products)
equals ``analysis.composite.average_of_means`` on the rows' design."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
import pytest

from analysis.composite import average_of_means as from_rows
from analysis.design import SurveyDesign
from analysis.strata import PairCell
from analysis.strata import StratumCell
from analysis.strata import average_of_means

ITEMS = ["a", "b", "c"]


def rows(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = {"u1": 40, "u2": 25, "u3": 1, "u4": 12, "u5": 7}  # u3: a lonely PSU
    frames = []
    for unit, n in sizes.items():
        part = pd.DataFrame({"unit": [unit] * n})
        for item in ITEMS:
            y = rng.integers(1, 6, n).astype(float)
            y[rng.random(n) < 0.25] = np.nan  # each item skipped by different rows
            part[item] = y
        frames.append(part)
    data = pd.concat(frames, ignore_index=True)
    data.loc[3, ITEMS] = np.nan  # a row that answered none: still in the design
    data["N"] = data["unit"].map({"u1": 400, "u2": 25, "u3": 10, "u4": 50, "u5": 7})
    for item in ITEMS:
        data[f"top_{item}"] = (data[item] >= 4).astype(float).where(data[item].notna())
    return data


def sums(
    data: pd.DataFrame, items: list[str]
) -> tuple[list[list[StratumCell]], dict[tuple[int, int], list[PairCell]], dict[Hashable, int]]:
    cells: list[list[StratumCell]] = [[] for _ in items]
    pairs: dict[tuple[int, int], list[PairCell]] = {}
    answered_any: dict[Hashable, int] = {}
    for unit, part in data.groupby("unit"):
        for c, item in enumerate(items):
            y = part[item].dropna()
            cells[c].append(
                StratumCell(unit, "all", len(part), len(y), float(y.sum()), float((y**2).sum()))
            )
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                both = part[[items[i], items[j]]].dropna()
                pairs.setdefault((i, j), []).append(
                    PairCell(
                        unit,
                        len(both),
                        float(both[items[i]].sum()),
                        float(both[items[j]].sum()),
                        float((both[items[i]] * both[items[j]]).sum()),
                    )
                )
        answered_any[unit] = int(part[items].notna().any(axis=1).sum())
    return cells, pairs, answered_any


@pytest.mark.parametrize("fpc", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("prefix", ["", "top_"])
def test_average_of_means_from_sums_equals_the_rows(seed: int, fpc: bool, prefix: str) -> None:
    data = rows(seed)
    items = [f"{prefix}{i}" for i in ITEMS]
    design = SurveyDesign(data, strata="unit", fpc="N" if fpc else None, lonely_psu="adjust")
    population = data.groupby("unit")["N"].first().to_dict() if fpc else None
    scale, shift = (25.0, 1.0) if not prefix else (1.0, 0.0)
    want = from_rows(design, items, scale=scale, shift=shift)
    cells, pairs, answered_any = sums(data, items)
    got = average_of_means(
        cells, pairs, answered_any, population=population, scale=scale, shift=shift
    )
    assert got.estimate == pytest.approx(want.estimate, abs=1e-12)
    assert got.se == pytest.approx(want.se, abs=1e-12)
    assert got.df == want.df
    assert got.ci_df == want.ci_df
    assert got.ci() == pytest.approx(want.ci(), abs=1e-12)


def test_one_item_is_its_own_mean_and_the_pairs_matter() -> None:
    data = rows(5)
    design = SurveyDesign(data, strata="unit", lonely_psu="adjust")
    single, _none, answered_a = sums(data, ["a"])
    one = average_of_means(single, {}, answered_a)
    mean = design.mean("a", na_rm=True)
    assert one.estimate == pytest.approx(mean.estimate, abs=1e-12)
    assert one.se == pytest.approx(mean.se, abs=1e-12)
    assert one.df == mean.df
    cells, _pairs, answered_any = sums(data, ITEMS)
    # without the cross-products the items would be taken as independent: another SE
    alone = average_of_means(cells, {}, answered_any)
    assert alone.se != pytest.approx(from_rows(design, ITEMS).se, abs=1e-9)


def test_bad_sums_are_refused() -> None:
    cell = StratumCell("u", "all", 4, 0, 0.0, 0.0)
    with pytest.raises(ValueError, match="at least one item"):
        average_of_means([], {}, {})
    with pytest.raises(ValueError, match="no answers"):
        average_of_means([[cell]], {}, {"u": 0})
    good = StratumCell("u", "all", 4, 4, 12.0, 40.0)
    with pytest.raises(ValueError, match="same rows"):
        average_of_means([[good], [StratumCell("u", "all", 5, 4, 12.0, 40.0)]], {}, {"u": 4})
    with pytest.raises(ValueError, match="i < j"):
        average_of_means([[good], [good]], {(1, 0): []}, {"u": 4})
    with pytest.raises(ValueError, match="lonely_psu"):
        average_of_means([[good]], {}, {"u": 4}, lonely_psu="fail")
