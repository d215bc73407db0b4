"""Rao-Scott chi-square against R svychisq; pairwise tests and p-value adjustment."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from analysis.compare import adjust_pvalues
from analysis.compare import pairwise
from analysis.compare import rao_scott
from analysis.compare import subgroup_tests
from tests.helpers.r_reference import API_DESIGNS
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import close
from tests.helpers.r_reference import corner_fpc_design
from tests.helpers.r_reference import ref


@pytest.mark.parametrize("name", API_DESIGNS)
def test_rao_scott_matches_svychisq(name: str) -> None:
    res = rao_scott(api_design(name), "sch.wide", "stype")
    r = ref(f"{name}.chisq.schwide.stype")
    close(res.statistic, r["statistic"], EST_RTOL)
    close(res.df_num, r["ndf"], SE_RTOL)
    close(res.df_den, r["ddf"], SE_RTOL)
    close(res.p_value, r["p"], SE_RTOL)


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
