"""Rao-Scott chi-square against R svychisq; pairwise tests and p-value adjustment."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from analysis.checks import SmallDomainWarning
from analysis.compare import RaoScott
from analysis.compare import adjust_pvalues
from analysis.compare import pairwise
from analysis.compare import rao_scott
from analysis.compare import subgroup_tests
from tests.analysis.test_weighting import calibrated
from tests.helpers.r_reference import API_DESIGNS
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import close
from tests.helpers.r_reference import corner_fpc_design
from tests.helpers.r_reference import ref


def _check_chisq(res: RaoScott, key: str) -> None:
    """A Rao-Scott result against R's svychisq entry."""
    r = ref(key)
    close(res.statistic, r["statistic"], EST_RTOL)
    close(res.df_num, r["ndf"], SE_RTOL)
    close(res.df_den, r["ddf"], SE_RTOL)
    close(res.p_value, r["p"], SE_RTOL)


@pytest.mark.parametrize("name", API_DESIGNS)
def test_rao_scott_matches_svychisq(name: str) -> None:
    _check_chisq(rao_scott(api_design(name), "sch.wide", "stype"), f"{name}.chisq.schwide.stype")


def test_pairwise_and_adjustment() -> None:
    d = api_design("clus2")
    out = pairwise(d, "api00", "stype", method="holm")
    assert len(out) == 3
    expect = multipletests(out["p"], method="holm")[1]
    np.testing.assert_allclose(out["p_adjusted"], expect)
    one = d.difference("api00", "stype", ["E", "H"])
    assert out.loc[0, "difference"] == pytest.approx(one.estimate)
    bh = adjust_pvalues([0.01, 0.04, 0.03], "bh")
    np.testing.assert_allclose(bh, [0.03, 0.04, 0.04])
    with pytest.raises(ValueError, match="method must be one of"):
        adjust_pvalues([0.1], "tukey")


def test_subgroup_tests() -> None:
    d = corner_fpc_design()
    out = subgroup_tests(d, "sat", ["sex", "age", "wave"], method="bh")
    assert list(out["group"]) == ["sex", "age", "wave"]
    assert (out["p_adjusted"] >= out["p"]).all()
    assert out.loc[1, "df_num"] == 2


@pytest.mark.parametrize("name", ["clus1_meals", "strat_meals", "clus2_meals", "rake_clus1_meals"])
def test_rao_scott_on_a_domain_uses_the_domains_df(name: str) -> None:
    design, cut = {
        "clus1_meals": (api_design("clus1"), 40),
        "strat_meals": (api_design("strat"), 50),
        "clus2_meals": (api_design("clus2"), 50),
        "rake_clus1_meals": (calibrated("rake_clus1"), 40),
    }[name]
    with pytest.warns(SmallDomainWarning):
        res = rao_scott(design.subset(design.data["meals"] > cut), "sch.wide", "stype")
    _check_chisq(res, f"chisq_domain.{name}")


def test_small_groups_warn() -> None:
    d = corner_fpc_design()
    with pytest.warns(SmallDomainWarning, match="fewer than 30 respondents"):
        pairwise(d, "sat", "age")
    with pytest.warns(SmallDomainWarning, match="'F'"):
        d.difference("sat", "sex", ["F", "M"])
    with pytest.warns(SmallDomainWarning):
        subgroup_tests(d, "sat", ["sex"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d.difference("sat", "sex", ["F", "M"], min_group=5)
        pairwise(d, "sat", "age", min_group=1)


def test_difference_of_a_group_with_itself_raises() -> None:
    d = corner_fpc_design()
    with pytest.raises(ValueError, match="two different groups"):
        d.difference("sat", "sex", ["F", "F"])


def test_holm_equals_r() -> None:
    """Our Holm step-down (statsmodels' runs a full garbage collection per call) is R's."""
    p = [0.002, 0.002, 0.03, 0.01, 0.2, 0.04, np.nan, 0.5]
    # R: p.adjust(p, "holm")
    expect = [0.014, 0.014, 0.12, 0.05, 0.4, 0.12, np.nan, 0.5]
    np.testing.assert_allclose(adjust_pvalues(p), expect, rtol=1e-15, equal_nan=True)
    np.testing.assert_allclose(
        adjust_pvalues([0.01, np.nan, 0.04, 0.03]), [0.03, np.nan, 0.06, 0.06]
    )
