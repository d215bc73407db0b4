"""svyolr, Poisson svyglm and regTermTest against R survey 4.1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.design import SurveyDesign
from analysis.regression import reg_term_test
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import close
from tests.helpers.r_reference import ref

DESIGNS = ("strat", "clus1")
# R's column order (model matrix) in ours (patsy puts the categorical term first)
R_ORDER = ["ell", "meals", "stype[T.H]", "stype[T.M]"]


def with_category(name: str) -> SurveyDesign:
    d = api_design(name)
    return d.assign(apicat=pd.cut(d.data["api00"], [0, 600, 700, 1000]))


@pytest.mark.parametrize("name", DESIGNS)
def test_olr_matches_r(name: str) -> None:
    o = with_category(name).olr("apicat ~ ell + meals + stype")
    order = R_ORDER + list(o.params.index[4:])
    r = ref(f"olr.{name}")
    close(o.params[order], r["coef"], EST_RTOL)
    close(o.bse[order], r["se"], SE_RTOL)
    assert o.df_resid == r["df"]
    assert list(o.params.index[4:]) == ["(0, 600]|(600, 700]", "(600, 700]|(700, 1000]"]
    t = o.reg_term_test("stype")
    rt = ref(f"olr_termtest.{name}")
    close(t.f, rt["f"], EST_RTOL)
    close(t.p, rt["p"], SE_RTOL)
    assert (t.df, t.ddf) == (rt["df"], rt["ddf"])
    # R's own default stops early (optim reltol 1e-8): within 1e-3 of the optimum
    close(o.params[order], ref(f"olr_default.{name}")["coef"], 1e-3)


def test_olr_misuse() -> None:
    d = with_category("srs")
    with pytest.raises(ValueError, match="3 or more levels"):
        d.olr("sch.wide ~ ell")
    with pytest.raises(ValueError, match="unknown response"):
        d.olr("nope ~ ell")
    with pytest.raises(ValueError, match="intercept"):
        d.olr("apicat ~ ell - 1")


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("family", ("poisson", "quasipoisson"))
def test_poisson_glm(name: str, family: str) -> None:
    g = api_design(name).glm("enroll ~ stype + meals", family=family)
    r = ref(f"glm_{family}.{name}")
    close(g.params, r["coef"], EST_RTOL)
    close(g.bse, r["se"], SE_RTOL)


@pytest.mark.parametrize("name", DESIGNS)
def test_reg_term_test(name: str) -> None:
    g = api_design(name).glm("enroll ~ stype + meals", family="quasipoisson")
    t = reg_term_test(g, "stype")
    r = ref(f"regtermtest.{name}")
    assert t.terms == ("stype[T.H]", "stype[T.M]")
    close(t.f, r["f"], EST_RTOL)
    assert (t.df, t.ddf) == (r["df"], r["ddf"])
    close(t.p, r["p"], SE_RTOL)
    assert g.reg_term_test(["stype[T.H]", "stype[T.M]"]) == t
    with pytest.raises(ValueError, match="unknown term"):
        reg_term_test(g, "sex")


def test_negative_count_raises() -> None:
    d = api_design("srs").assign(neg=-np.ones(200))
    with pytest.raises(ValueError, match="must not be negative"):
        d.glm("neg ~ meals", family="poisson")
