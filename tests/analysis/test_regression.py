"""svyglm (gaussian, quasibinomial) against R survey 4.1."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import weighting
from tests.helpers.r_reference import API_DESIGNS
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import R_TERMS
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import close
from tests.helpers.r_reference import corner_fpc_design
from tests.helpers.r_reference import ref


def _check(result, key: str) -> None:
    r = ref(key)
    names = [R_TERMS.get(n, n) for n in r["names"]]
    close(result.params[names], r["params"], EST_RTOL)
    close(result.bse[names], r["bse"], SE_RTOL)
    assert result.df_resid == r["df"]


@pytest.mark.parametrize("name", API_DESIGNS)
def test_gaussian(name: str) -> None:
    _check(api_design(name).glm("api00 ~ ell + meals + mobility"), f"{name}.glm.gaussian")


@pytest.mark.parametrize("name", API_DESIGNS)
def test_binomial(name: str) -> None:
    # R's svyglm evaluates the information at the penultimate IRLS step: ~1e-5 relative on SEs
    res = api_design(name).glm("yes ~ ell + meals + stype", family="binomial")
    _check(res, f"{name}.glm.binomial")
    assert "Intercept" in res.params.index


def test_missing_rows_drop_as_domain() -> None:
    _check(corner_fpc_design().glm("y ~ x + sex"), "corner.fpc.glm.missing")


@pytest.mark.parametrize("name", ["ps_clus1", "rake_clus1"])
def test_calibrated_glm(name: str) -> None:
    d = api_design("clus1")
    stype = {"E": 4421, "H": 755, "M": 1018}
    if name == "ps_clus1":
        d = weighting.poststratify(d, "stype", stype)
    else:
        d = weighting.rake(d, {"stype": stype, "sch.wide": {"No": 1460, "Yes": 4734}})
    _check(d.glm("api00 ~ ell + meals + mobility"), f"{name}.glm.gaussian")


def test_result_helpers_and_errors() -> None:
    res = api_design("strat").glm("api00 ~ ell + meals")
    ci = res.conf_int()
    assert (ci["lower"] < res.params).all() and (res.params < ci["upper"]).all()
    assert res.pvalues["meals"] < 0.05
    f, k, ddf, p = res.wald_test(["ell", "meals"])
    assert k == 2 and ddf == res.df_resid and 0 <= p < 0.05 and f > 0
    with pytest.raises(ValueError, match="unknown terms"):
        res.wald_test(["nope"])
    with pytest.raises(ValueError, match="family must be one of"):
        api_design("strat").glm("api00 ~ ell", family="gamma")
    with pytest.raises(ValueError, match="cannot build the model"):
        api_design("strat").glm("api00 ~ nope")
    assert np.isfinite(res.tvalues).all()
