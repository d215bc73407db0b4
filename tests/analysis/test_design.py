"""SurveyDesign estimators against R survey 4.1 (reference/make_reference.R)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.design import SurveyDesign
from analysis.weighting import poststratify
from tests.analysis.test_weighting import calibrated
from tests.helpers.r_reference import API_DESIGNS
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import check_stat
from tests.helpers.r_reference import close
from tests.helpers.r_reference import corner_fpc_design
from tests.helpers.r_reference import data
from tests.helpers.r_reference import ref
from tests.helpers.r_reference import vec


@pytest.fixture(scope="module", params=API_DESIGNS)
def api(request: pytest.FixtureRequest) -> tuple[str, SurveyDesign]:
    return request.param, api_design(request.param)


def test_weights_and_degf(api: tuple[str, SurveyDesign]) -> None:
    name, d = api
    assert d.degf() == ref(f"{name}.degf")["value"]
    close(d.weights.sum(), ref(f"{name}.weights")["sum"], EST_RTOL)
    close(d.weights.to_numpy()[:5], ref(f"{name}.weights")["first"], EST_RTOL)


def test_mean_total_ratio(api: tuple[str, SurveyDesign]) -> None:
    name, d = api
    check_stat(d.mean("api00"), f"{name}.mean.api00", deff=True)
    check_stat(d.mean("enroll", na_rm=True), f"{name}.mean.enroll", deff=True)
    check_stat(d.total("enroll", na_rm=True), f"{name}.total.enroll", deff=True)
    check_stat(d.ratio("api.stu", "enroll", na_rm=True), f"{name}.ratio", deff=True)


def test_proportions(api: tuple[str, SurveyDesign]) -> None:
    name, d = api
    props = d.proportion("stype")
    r = ref(f"{name}.prop.stype")
    close(props.estimate, r["estimate"], EST_RTOL)
    close(props.se, r["se"], SE_RTOL, atol=1e-10)
    close([props[k].deff for k in props], r["deff"], SE_RTOL, atol=1e-10)
    one = d.proportion("stype", level="H")
    assert one.estimate == pytest.approx(props["H"].estimate)


def test_by_mean_and_total(api: tuple[str, SurveyDesign]) -> None:
    name, d = api
    for stat, key in (("mean", "by"), ("total", "bytotal")):
        b = d.by("api00", "stype", stat=stat)
        r = ref(f"{name}.{key}.api00.stype")
        assert list(b) == r["levels"]
        close(b.estimate, r["estimate"], EST_RTOL)
        close(b.se, r["se"], SE_RTOL)


@pytest.mark.parametrize("level", ["E", "H", "M"])
def test_subset_domain(api: tuple[str, SurveyDesign], level: str) -> None:
    name, d = api
    sub = d.subset(d.data["stype"] == level)
    est = sub.mean("api00")
    check_stat(est, f"{name}.subset.{level}.mean.api00", deff=True)
    assert est.df == ref(f"{name}.subset.{level}.degf")["value"]
    assert sub.degf() == est.df
    # the by() domain equals the subset domain
    assert d.by("api00", "stype")[level].se == pytest.approx(est.se, rel=1e-12)


def test_difference_joint_design(api: tuple[str, SurveyDesign]) -> None:
    name, d = api
    est = d.difference("api00", by="both", levels=["No", "Yes"])
    r = ref(f"{name}.difference.both")
    close(est.estimate, r["estimate"], EST_RTOL)
    close(est.se, r["se"], SE_RTOL)
    assert est.df == r["df"]


def test_ci_uses_normal_quantile_like_confint() -> None:
    est = api_design("clus1").mean("api00")
    lo, hi = est.ci()
    assert hi - est.estimate == pytest.approx(1.959963984540054 * est.se)
    lo90, _ = est.ci(0.90)
    assert lo90 > lo
    lo_t, _ = est.ci(df=est.df)
    assert lo_t < lo


@pytest.mark.parametrize("name", ["strat", "clus1", "clus2"])
def test_t_interval_on_the_design_df_matches_confint_df(name: str) -> None:
    est = api_design(name).mean("api00")
    r = ref(f"{name}.confint.t.api00")
    assert est.df == r["df"]
    t = est.with_design_df()
    close(t.ci(), r["ci"], EST_RTOL)
    close(t.ci(0.9), r["ci90"], EST_RTOL)
    assert est.ci() != t.ci()  # R's own default stays available
    assert t.t_test()[1] > est.t_test()[1]


# ------------------------------------------------------------------ corner cases
LONELY = ("remove", "certainty", "adjust", "average")


@pytest.mark.parametrize("stages", ["one", "two"])
def test_average_lonely_by_holds_rs_joint_covariance(stages: str) -> None:
    df = data("corner")
    if stages == "one":
        d = SurveyDesign(df, ids="psu", strata="stratum", weights="w", lonely_psu="average")
        key = "dca"
    else:
        d = SurveyDesign(
            df, ids=["psu", "ssu"], strata="stratum", fpc=["fpc1", "fpc2"], lonely_psu="average"
        )
        key = "dca2"
    for g in ("sex", "age"):
        b = d.by("x", g)
        r = ref(f"average.{key}.by.x.{g}")
        close(b.estimate, r["estimate"], EST_RTOL)
        close(b.se, r["se"], SE_RTOL)  # each group as a domain, as svyby's SE
        close(b.vcov.to_numpy().ravel(order="F"), r["vcov"], SE_RTOL)  # svyby(covmat=TRUE)
    c = d.by("x", "sex").contrast({"F": -1, "M": 1})
    r = ref(f"average.{key}.contrast.sex")
    close(c.estimate, r["estimate"], EST_RTOL)
    close(c.se, vec(r["se"]).ravel(), SE_RTOL)


@pytest.mark.parametrize("opt", ["adjust", "average"])
def test_adjust_domain_lonely(opt: str) -> None:
    df = data("corner")
    on = SurveyDesign(
        df, ids="psu", strata="stratum", weights="w", lonely_psu=opt, adjust_domain_lonely=True
    )
    off = SurveyDesign(df, ids="psu", strata="stratum", weights="w", lonely_psu=opt)
    mask = df["psu"] % 3 != 0
    with pytest.warns(UserWarning, match="only one PSU in the domain"):
        check_stat(on.subset(mask).mean("x"), f"domain_lonely.{opt}.mean.x")
    check_stat(off.subset(mask).mean("x"), f"domain_lonely_off.{opt}.mean.x")
    with pytest.warns(UserWarning, match="only one PSU in the domain"):
        b = on.by("x", "age")
    r = ref(f"domain_lonely.{opt}.by.x.age")
    close(b.estimate, r["estimate"], EST_RTOL)
    close(b.se, r["se"], SE_RTOL)


def test_infinite_values_and_boolean_weights_raise() -> None:
    df = pd.DataFrame({"y": [1.0, 2.0, np.inf, 4.0], "w": [True, True, False, True]})
    with pytest.raises(ValueError, match="weights column 'w' is boolean"):
        SurveyDesign(df, weights="w")
    d = SurveyDesign(df)
    with pytest.raises(ValueError, match=r"column 'y' has infinite values at rows \[2\]"):
        d.mean("y")
    with pytest.raises(ValueError, match="infinite"):
        d.assign(z=[1.0, -np.inf, 0.0, 1.0]).total("z")


@pytest.mark.parametrize("opt", LONELY)
def test_lonely_psu_options_one_stage(opt: str) -> None:
    d = SurveyDesign(data("corner"), ids="psu", strata="stratum", weights="w", lonely_psu=opt)
    check_stat(d.mean("y", na_rm=True), f"corner.{opt}.mean.y", deff=True)
    check_stat(d.total("x"), f"corner.{opt}.total.x")
    b = d.by("x", "sex")
    r = ref(f"corner.{opt}.by.x.sex")
    close(b.estimate, r["estimate"], EST_RTOL)
    close(b.se, r["se"], SE_RTOL)
    sub = d.subset(d.data["stratum"] == "S6").mean("x")
    r = ref(f"corner.{opt}.subset.S6.mean.x")
    close(sub.estimate, r["estimate"], EST_RTOL)
    close(sub.se, r["se"], SE_RTOL)  # NaN for "average", as R's NA


@pytest.mark.parametrize("opt", LONELY)
def test_lonely_psu_options_two_stage_fpc(opt: str) -> None:
    d = SurveyDesign(
        data("corner"), ids=["psu", "ssu"], strata="stratum", fpc=["fpc1", "fpc2"], lonely_psu=opt
    )
    check_stat(d.mean("x"), f"corner2.{opt}.mean.x")
    check_stat(d.total("y", na_rm=True), f"corner2.{opt}.total.y")


def test_corner_missing_zero_weights_domains() -> None:
    d = corner_fpc_design()
    assert d.degf() == ref("corner.fpc.degf")["value"]
    check_stat(d.mean("y", na_rm=True), "corner.fpc.mean.y", deff=True)
    check_stat(d.mean("top2"), "corner.fpc.mean.top2", deff=True)
    check_stat(d.mean("sat"), "corner.fpc.mean.sat", deff=True)
    props = d.proportion("age")
    r = ref("corner.fpc.prop.age")
    close(props.estimate, r["estimate"], EST_RTOL)
    close(props.se, r["se"], SE_RTOL)
    close([props[k].deff for k in props], r["deff"], SE_RTOL)
    check_stat(d.subset(d.data["sex"] == "F").mean("y", na_rm=True), "corner.fpc.subset.F.y")
    est = d.difference("sat", "wave", ["2023", "2024"])
    r = ref("corner.fpc.difference.wave")
    close(est.estimate, r["estimate"], EST_RTOL)
    close(est.se, r["se"], SE_RTOL)
    assert est.df == r["df"]


def test_by_joint_vcov_gives_difference() -> None:
    d = corner_fpc_design()
    b = d.by("sat", "wave")
    diff = b.contrast({"2023": -1, "2024": 1})
    direct = d.difference("sat", "wave", ["2023", "2024"])
    assert diff.estimate == pytest.approx(direct.estimate)
    assert diff.se == pytest.approx(direct.se, rel=1e-10)


# ------------------------------------------------------------------ errors
def _small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "h": ["a", "a", "b", "b", "c"],
            "psu": [1, 2, 3, 4, 5],
            "w": [1.0, 2.0, 3.0, 4.0, 5.0],
            "y": [1.0, 2.0, np.nan, 4.0, 5.0],
            "N": [10, 10, 10, 10, 1],
        }
    )


def test_errors_say_what_and_where() -> None:
    df = _small()
    with pytest.raises(ValueError, match="strata column 'nope'"):
        SurveyDesign(df, strata="nope")
    with pytest.raises(ValueError, match=r"stratum 'c' has only one PSU at stage 1"):
        SurveyDesign(df, ids="psu", strata="h", weights="w")
    d = SurveyDesign(df, ids="psu", strata="h", weights="w", lonely_psu="certainty")
    with pytest.raises(ValueError, match="unknown column 'zz'"):
        d.mean("zz")
    with pytest.raises(ValueError, match=r"'y' has 1 missing values.*\[2\].*na_rm=True"):
        d.mean("y")
    bad = df.assign(w=[1.0, -1.0, 3.0, 4.0, 5.0])
    with pytest.raises(ValueError, match=r"weights column 'w' has negative values at rows \[1\]"):
        SurveyDesign(bad, ids="psu", weights="w")
    bad = df.assign(w=[1.0, np.nan, 3.0, 4.0, 5.0])
    with pytest.raises(ValueError, match=r"weights column 'w' has missing.*\[1\]"):
        SurveyDesign(bad, ids="psu", weights="w")
    with pytest.raises(ValueError, match="fpc smaller than the sample"):
        SurveyDesign(df.assign(N=[1, 1, 10, 10, 10]), ids="psu", strata="h", fpc="N")
    with pytest.raises(ValueError, match="only one primary sampling unit"):
        SurveyDesign(df.assign(psu=1), ids="psu")
    with pytest.raises(ValueError, match="not nested in strata"):
        SurveyDesign(df.assign(psu=[1, 2, 1, 2, 3]), ids="psu", strata="h", lonely_psu="remove")
    with pytest.raises(ValueError, match="one column per sampling stage"):
        SurveyDesign(df, ids=["h", "psu"], fpc="N")
    with pytest.raises(ValueError, match="lonely_psu must be one of"):
        SurveyDesign(df, lonely_psu="ignore")
    with pytest.raises(ValueError, match="domain is empty"):
        d.subset(np.zeros(5, dtype=bool)).mean("w")
    with pytest.raises(ValueError, match="not a mixture"):
        SurveyDesign(df.assign(N=[0.5, 0.5, 2, 2, 2]), ids="psu", fpc="N")


def test_nest_and_fractions() -> None:
    df = _small().assign(psu=[1, 2, 1, 2, 1], N=[10, 10, 10, 10, 5])
    d = SurveyDesign(df, ids="psu", strata="h", fpc="N", nest=True, lonely_psu="remove")
    assert d.degf() == 2
    # fpc as sampling fractions gives the same design as population counts
    frac = df.assign(N=[0.2, 0.2, 0.2, 0.2, 0.2])
    d1 = SurveyDesign(frac, ids="psu", strata="h", fpc="N", nest=True, lonely_psu="remove")
    d2 = SurveyDesign(
        df.assign(N=[10, 10, 10, 10, 5]),
        ids="psu",
        strata="h",
        fpc="N",
        nest=True,
        lonely_psu="remove",
    )
    assert d1.total("w").estimate == pytest.approx(d2.total("w").estimate)
    assert d1.mean("w").se == pytest.approx(d2.mean("w").se)
    assert math.isfinite(d1.mean("w").se)
    assert "3 strata" in repr(d1)


def test_mask_series_and_na_in_mask() -> None:
    d = api_design("clus1")
    mask = (d.data["stype"] == "E").astype(object)
    mask.iloc[0] = None
    sub = d.subset(mask)
    assert sub.is_domain
    assert sub.weights.iloc[0] == 0
    np.testing.assert_array_equal(vec(sub.degf()), vec(d.subset(d.data["stype"] == "E").degf()))


# ------------------------------------------------------------------ by() for other statistics
BY_DESIGNS = ("strat", "clus1", "clus2", "rake_clus1")


def _by_design(name: str) -> SurveyDesign:
    return calibrated(name) if name == "rake_clus1" else api_design(name)


@pytest.mark.parametrize("name", BY_DESIGNS)
def test_by_proportion_and_ciprop(name: str) -> None:
    d = _by_design(name)
    b = d.by("yes", "stype", stat="proportion")
    r = ref(f"by_prop.{name}")
    close(b.estimate, r["estimate"], EST_RTOL)
    close(b.se, r["se"], SE_RTOL)
    if r["vcov"] is not None:  # R's covmat=TRUE fails on the raked design
        close(b.vcov.to_numpy().ravel(order="F"), r["vcov"], SE_RTOL)
    by_level = d.by("sch.wide", "stype", stat="proportion", level="Yes")
    close(by_level.estimate, r["estimate"], EST_RTOL)
    for m in ("logit", "beta", "likelihood"):
        c = d.by("yes", "stype", stat="ciprop", method=m)
        r = ref(f"by_ciprop.{name}.{m}")
        close(c.estimate, r["estimate"], EST_RTOL)
        cis = np.array([c[k].ci() for k in c])
        close(cis[:, 0], r["ci_l"], EST_RTOL)
        close(cis[:, 1], r["ci_u"], EST_RTOL)


@pytest.mark.parametrize("name", BY_DESIGNS)
def test_by_ratio(name: str) -> None:
    b = _by_design(name).by("api00", "stype", stat="ratio", den="api99")
    r = ref(f"by_ratio.{name}")
    close(b.estimate, r["estimate"], EST_RTOL)
    close(b.se, r["se"], SE_RTOL)
    if r["vcov"] is not None:
        close(b.vcov.to_numpy().ravel(order="F"), r["vcov"], SE_RTOL)
    close(np.sqrt(np.diag(b.vcov.to_numpy())), r["se"], SE_RTOL)


@pytest.mark.parametrize("name", BY_DESIGNS)
def test_by_quantile(name: str) -> None:
    b = _by_design(name).by("api00", "stype", stat="quantile", q=0.5)
    r = ref(f"by_quantile.{name}")
    close(b.estimate, r["estimate"], EST_RTOL)
    close(b.se, r["se"], SE_RTOL)
    cis = np.array([b[k].ci() for k in b])
    close(cis[:, 0], r["ci_l"], EST_RTOL)
    close(cis[:, 1], r["ci_u"], EST_RTOL)
    v = b.vcov.to_numpy()
    close(np.sqrt(np.diag(v)), r["se"], SE_RTOL)  # NA where R's Woodruff interval is open
    ok = ~np.isnan(np.diag(v))
    assert np.all(np.linalg.eigvalsh(v[np.ix_(ok, ok)]) > -1e-9)


def test_by_argument_errors() -> None:
    d = api_design("clus1")
    with pytest.raises(ValueError, match="needs den="):
        d.by("api.stu", "stype", stat="ratio")
    with pytest.raises(ValueError, match="needs q="):
        d.by("api00", "stype", stat="quantile")
    with pytest.raises(ValueError, match="stat must be one of"):
        d.by("api00", "stype", stat="median")
    with pytest.raises(ValueError, match="outside"):
        d.by("api00", "stype", stat="proportion")
    with pytest.raises(ValueError, match="does not occur"):
        d.by("sch.wide", "stype", stat="proportion", level="Maybe")


def test_average_lonely_in_a_calibrated_design_keeps_every_stratum() -> None:
    df = data("corner")
    d = SurveyDesign(df, ids="psu", strata="stratum", weights="w", lonely_psu="average")
    d = poststratify(d, "sex", {"F": 1500, "M": 1400})
    check_stat(d.subset(df["stratum"] == "S6").mean("x"), "average.poststrat.subset.S6.mean.x")
    b = d.by("x", "stratum")
    r = ref("average.poststrat.by.x.stratum")
    close(b.estimate, r["estimate"], EST_RTOL)
    close(b.se, r["se"], SE_RTOL)
