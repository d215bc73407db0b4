"""Replicate-weight designs against R survey 4.1 (reference/make_reference_estimators.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.design import SurveyDesign
from analysis.replicates import ReplicateDesign
from analysis.replicates import hadamard
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import close
from tests.helpers.r_reference import data
from tests.helpers.r_reference import ref
from tests.helpers.r_reference import vec


def brr_design() -> SurveyDesign:
    df = data("brr")
    return SurveyDesign(df, ids="dnum", strata="pair", weights="pw")


def given_boot() -> ReplicateDesign:
    df = data("boot_clus1")
    cols = [f"bw{i}" for i in range(1, 51)]
    return ReplicateDesign(
        df,
        repweights=cols,
        weights="pw",
        type="bootstrap",
        scale=ref("rep.clus1_boot.scale")["value"],
    )


def given_jkn() -> ReplicateDesign:
    df = data("jkn_strat")
    cols = [c for c in df.columns if c.startswith("jw")]
    return ReplicateDesign(
        df,
        repweights=cols,
        weights="pw",
        type="JKn",
        rscales=ref("rep.strat_JKn.rscales")["values"],
    )


def make(name: str) -> ReplicateDesign:
    if name == "clus1_JK1":
        return api_design("clus1").replicate("JK1")
    if name == "clus1_mse":
        return api_design("clus1").replicate("JK1", mse=True)
    if name == "strat_JKn":
        return api_design("strat").replicate("JKn")
    if name == "clus2_JK1":
        with pytest.warns(UserWarning, match="after the first stage"):
            return api_design("clus2").replicate("JK1")
    if name == "brr_BRR":
        return brr_design().replicate("BRR")
    if name == "clus1_boot":
        return given_boot()
    if name == "strat_given":
        return given_jkn()
    raise KeyError(name)


NAMES = ("clus1_JK1", "clus1_mse", "strat_JKn", "clus2_JK1", "brr_BRR", "clus1_boot", "strat_given")


@pytest.fixture(scope="module", params=NAMES)
def rep(request: pytest.FixtureRequest) -> tuple[str, ReplicateDesign]:
    return request.param, make(request.param)


def check(est: object, key: str, i: int = 0) -> None:
    r = ref(key)
    close(est.estimate, vec(r["estimate"])[i], EST_RTOL)
    close(est.se, vec(r["se"])[i], SE_RTOL)


def test_brr_weights_are_rs() -> None:
    d = brr_design().replicate("BRR")
    r = vec(ref("rep.brr_BRR.weights")["values"]).reshape(d.n_replicates, d.n).T
    np.testing.assert_allclose(d.replicate_weights().to_numpy(), r, rtol=1e-12)


def test_hadamard_is_sylvester() -> None:
    h = hadamard(7) * 2 - 1
    assert h.shape == (8, 8)
    np.testing.assert_allclose(h @ h.T, 8 * np.eye(8))


def test_scales() -> None:
    assert make("clus1_JK1").scale == pytest.approx(ref("rep.clus1_JK1.scale")["value"])
    close(make("strat_JKn").rscales, ref("rep.strat_JKn.rscales")["values"], 1e-12)


def test_degf(rep: tuple[str, ReplicateDesign]) -> None:
    name, d = rep
    assert d.degf() == ref(f"rep.{name}.degf")["value"]


def test_mean_total_ratio_var(rep: tuple[str, ReplicateDesign]) -> None:
    name, d = rep
    check(d.mean("api00"), f"rep.{name}.mean.api00")
    check(d.total("enroll", na_rm=True), f"rep.{name}.total.enroll")
    check(d.ratio("api.stu", "enroll", na_rm=True), f"rep.{name}.ratio")
    check(d.var("api00"), f"rep.{name}.var.api00")


def test_proportions(rep: tuple[str, ReplicateDesign]) -> None:
    name, d = rep
    p = d.proportion("stype")
    r = ref(f"rep.{name}.prop.stype")
    close(p.estimate, r["estimate"], EST_RTOL)
    close(p.se, r["se"], SE_RTOL)


def test_quantiles(rep: tuple[str, ReplicateDesign]) -> None:
    name, d = rep
    for it in ("mean", "quantile"):
        r = ref(f"rep.{name}.quantile.{it}")
        for i, q in enumerate((0.25, 0.5)):
            e = d.quantile("api00", q, interval_type=it)
            close(e.estimate, vec(r["estimate"])[i], EST_RTOL)
            close(e.ci(), [vec(r["ci_l"])[i], vec(r["ci_u"])[i]], EST_RTOL)
            close(e.se, vec(r["se"])[i], SE_RTOL)


def test_ciprop(rep: tuple[str, ReplicateDesign]) -> None:
    name, d = rep
    for m in ("logit", "beta", "mean", "xlogit", "asin"):
        r = ref(f"rep.{name}.ciprop.{m}")
        e = d.ciprop("yes", method=m)
        close(e.estimate, r["estimate"], EST_RTOL)
        close(e.se, r["se"], SE_RTOL)
        close(e.ci(), r["ci"], EST_RTOL)
    # R's profile likelihood fails on replicate weights (NA); ours says so
    assert ref(f"rep.{name}.ciprop.likelihood")["ci"] == [None, None]
    with pytest.raises(ValueError, match="linearisation design"):
        d.ciprop("yes", method="likelihood")


def test_by(rep: tuple[str, ReplicateDesign]) -> None:
    name, d = rep
    cases = {
        "mean": d.by("api00", "stype"),
        "total": d.by("api00", "stype", stat="total"),
        "prop": d.by("yes", "stype", stat="proportion"),
        "ratio": d.by("api00", "stype", stat="ratio", den="api99"),
    }
    for key, b in cases.items():
        r = ref(f"rep.{name}.by.{key}")
        close(b.estimate, r["estimate"], EST_RTOL)
        close(b.se, r["se"], SE_RTOL)
        close(b.vcov.to_numpy().ravel(order="F"), r["vcov"], SE_RTOL, atol=1e-9)
    b = d.by("yes", "stype", stat="ciprop")
    r = ref(f"rep.{name}.by.ciprop")
    close(b.estimate, r["estimate"], EST_RTOL)
    close([b[k].ci()[0] for k in b], r["ci_l"], EST_RTOL)
    close([b[k].ci()[1] for k in b], r["ci_u"], EST_RTOL)
    b = d.by("api00", "stype", stat="quantile", q=0.5)
    r = ref(f"rep.{name}.by.quantile")
    close(b.estimate, r["estimate"], EST_RTOL)
    close(b.se, r["se"], SE_RTOL)
    close([b[k].ci()[0] for k in b], r["ci_l"], EST_RTOL)


def test_glm(rep: tuple[str, ReplicateDesign]) -> None:
    name, d = rep
    for fam, formula, key in (
        ("gaussian", "api00 ~ ell + meals", "gaussian"),
        ("quasibinomial", "yes ~ api99 + ell", "binomial"),
        ("quasipoisson", "enroll ~ stype + meals", "poisson"),
    ):
        g = d.glm(formula, family=fam)
        r = ref(f"rep.{name}.glm.{key}")
        close(g.params, r["coef"], EST_RTOL)
        close(g.bse, r["se"], SE_RTOL)
    assert d.glm("api00 ~ ell + meals").df_resid == ref(f"rep.{name}.glm.gaussian")["df"]


def test_domain(rep: tuple[str, ReplicateDesign]) -> None:
    name, d = rep
    e = d.subset(d.data["stype"] == "E")
    check(e.mean("api00"), f"rep.{name}.subset.E.mean")
    assert e.degf() == ref(f"rep.{name}.subset.E.degf")["value"]


def test_our_bootstrap_is_close_to_the_jackknife() -> None:
    d = api_design("clus1")
    boot = d.replicate("bootstrap", replicates=400, seed=1)
    jk = d.replicate("JK1")
    assert boot.n_replicates == 400
    assert boot.mean("api00").se == pytest.approx(jk.mean("api00").se, rel=0.15)
    again = d.replicate("bootstrap", replicates=400, seed=1)
    assert again.mean("api00").se == boot.mean("api00").se


def test_misuse() -> None:
    with pytest.raises(ValueError, match="JK1 is for unstratified"):
        api_design("strat").replicate("JK1")
    with pytest.raises(ValueError, match="JKn needs a stratified"):
        api_design("clus1").replicate("JKn")
    with pytest.raises(ValueError, match="two PSUs"):
        api_design("strat").replicate("BRR")
    with pytest.raises(ValueError, match="type must be"):
        api_design("clus1").replicate("Fay")
    df = pd.DataFrame({"y": [1.0, 2.0], "r1": [2.0, 0.0], "r2": [0.0, 2.0], "w": [1.0, 1.0]})
    with pytest.raises(ValueError, match="rscales"):
        ReplicateDesign(df, repweights=["r1", "r2"], weights="w", type="JKn")
    with pytest.raises(ValueError, match="not in the data"):
        ReplicateDesign(df, repweights=["r1", "r3"], weights="w")
    with pytest.raises(ValueError, match="needs a replicate-weight design"):
        api_design("clus1").quantile("api00", 0.5, interval_type="quantile")


def test_one_row_per_psu_in_any_order() -> None:
    # PSU ids that do not follow the row order: the replicate sums must follow the ids
    df = data("apistrat").sample(frac=1.0, random_state=3).reset_index(drop=True)
    jk = SurveyDesign(df, ids="snum", strata="stype", fpc="fpc").replicate("JKn")
    e = jk.mean("api00")
    check(e, "rep.strat_JKn.mean.api00")
    assert e.df == ref("rep.strat_JKn.degf")["value"]
