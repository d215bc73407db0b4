"""Domain means from per-stratum sums equal SurveyDesign's from the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.design import SurveyDesign
from analysis.satisfaction import top_two_box
from analysis.strata import StratumCell
from analysis.strata import domain_means
from analysis.strata import domain_proportions


def rows() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    units = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "b3": "B", "c1": "C"}
    sizes = {"a1": 40, "a2": 25, "b1": 30, "b2": 1, "b3": 12, "c1": 18}  # b2: a lonely PSU
    frames = []
    for unit, n in sizes.items():
        y = rng.integers(1, 6, n).astype(float)
        y[rng.random(n) < 0.15] = np.nan  # not answered: still rows of the design
        frames.append(pd.DataFrame({"unit": unit, "agency": units[unit], "y": y}))
    data = pd.concat(frames, ignore_index=True)
    data["N"] = data["unit"].map({"a1": 400, "a2": 25, "b1": 90, "b2": 10, "b3": 50, "c1": 60})
    data["top"] = np.where(data["y"].isna(), np.nan, (data["y"] >= 4).astype(float))
    return data


def cells(data: pd.DataFrame, column: str) -> list[StratumCell]:
    out = []
    for (unit, agency), part in data.groupby(["unit", "agency"]):
        y = part[column].dropna()
        out.append(
            StratumCell(unit, agency, len(part), len(y), float(y.sum()), float((y**2).sum()))
        )
    return out


TARGETS = {"A": ["A"], "B": ["B"], "C": ["C"], "all": ["A", "B", "C"]}


@pytest.mark.parametrize("fpc", [False, True])
def test_domain_means_and_their_contrasts_match_the_row_design(fpc: bool) -> None:
    data = rows()
    design = SurveyDesign(data, strata="unit", fpc="N" if fpc else None, lonely_psu="adjust")
    population = data.groupby("unit")["N"].first().to_dict() if fpc else None
    got = domain_means(cells(data, "y"), TARGETS, population=population)
    for agency in "ABC":
        want = design.subset((data["agency"] == agency).to_numpy()).mean("y", na_rm=True)
        assert got[agency].estimate == pytest.approx(want.estimate, rel=1e-12)
        assert got[agency].se == pytest.approx(want.se, rel=1e-10)
        assert got[agency].df == want.df
    overall = design.mean("y", na_rm=True)
    assert got["all"].estimate == pytest.approx(overall.estimate, rel=1e-12)
    assert got["all"].se == pytest.approx(overall.se, rel=1e-10)
    # agency B against the whole: the variance of the difference of the two scores
    y = data["y"].to_numpy()
    answered = ~np.isnan(y)
    w = design.row_weights
    in_b = answered & (data["agency"] == "B").to_numpy()
    score_b = np.where(in_b, w * (y - got["B"].estimate) / w[in_b].sum(), 0.0)
    score_all = np.where(answered, w * (y - overall.estimate) / w[answered].sum(), 0.0)
    want_var = design.variance(score_b - score_all)[0, 0]
    contrast = got.contrast({"B": 1.0, "all": -1.0})
    assert contrast.estimate == pytest.approx(got["B"].estimate - overall.estimate)
    assert contrast.se**2 == pytest.approx(want_var, rel=1e-10)


def test_domain_proportions_carry_svyciprops_logit_interval() -> None:
    data = rows()
    design = SurveyDesign(data, strata="unit", lonely_psu="adjust")
    got = domain_proportions(cells(data, "top"), TARGETS)
    in_a = design.subset((data["agency"] == "A").to_numpy())
    want = top_two_box(in_a, "y", boundary="equal-tailed")
    assert got["A"].estimate == pytest.approx(want.estimate, rel=1e-12)
    assert got["A"].se == pytest.approx(want.se, rel=1e-10)
    assert got["A"].ci() == pytest.approx(want.ci(), rel=1e-10)
    # the pages' share: the satisfaction measures' default interval
    pages = domain_proportions(cells(data, "top"), TARGETS, boundary="one-sided")
    assert pages["A"].ci() == pytest.approx(top_two_box(in_a, "y").ci(), rel=1e-10)
    with pytest.raises(ValueError, match="boundary"):
        domain_proportions(cells(data, "top"), TARGETS, boundary="none")


def test_bad_sums_are_refused() -> None:
    with pytest.raises(ValueError, match="no stratum cells"):
        domain_means([], {"x": ["x"]})
    with pytest.raises(ValueError, match="answered must be"):
        domain_means([StratumCell("u", "x", 1, 2, 3.0, 9.0)], {"x": ["x"]})
    with pytest.raises(ValueError, match="no answered rows"):
        domain_means([StratumCell("u", "x", 2, 0, 0.0, 0.0)], {"x": ["x"]})
    with pytest.raises(ValueError, match="smaller than"):
        domain_means([StratumCell("u", "x", 5, 5, 10.0, 30.0)], {"x": ["x"]}, population={"u": 3})
    with pytest.raises(ValueError, match="0/1"):
        domain_proportions([StratumCell("u", "x", 5, 5, 10.0, 30.0)], {"x": ["x"]})
