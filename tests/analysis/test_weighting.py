"""postStratify, rake, trimWeights, svygofchisq against R; Kish formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import weighting
from analysis.design import SurveyDesign
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import check_stat
from tests.helpers.r_reference import close
from tests.helpers.r_reference import corner_fpc_design
from tests.helpers.r_reference import data
from tests.helpers.r_reference import ref

STYPE = {"E": 4421, "H": 755, "M": 1018}
SCHWIDE = {"No": 1460, "Yes": 4734}


def calibrated(name: str) -> SurveyDesign:
    if name == "ps_clus1":
        return weighting.poststratify(api_design("clus1"), "stype", STYPE)
    if name == "ps_clus2":
        return weighting.poststratify(api_design("clus2"), "stype", STYPE)
    if name == "rake_clus1":
        return weighting.rake(api_design("clus1"), {"stype": STYPE, "sch.wide": SCHWIDE})
    return weighting.rake(
        api_design("strat"), {"sch.wide": SCHWIDE, "awards": {"No": 2236, "Yes": 3958}}
    )


@pytest.mark.parametrize("name", ["ps_clus1", "ps_clus2", "rake_clus1", "rake_strat"])
def test_calibrated_designs_match_r(name: str) -> None:
    d = calibrated(name)
    close(d.weights, ref(f"{name}.weights")["values"], EST_RTOL)
    check_stat(d.mean("api00"), f"{name}.mean.api00", deff=True)
    check_stat(d.total("enroll", na_rm=True), f"{name}.total.enroll")
    props = d.proportion("stype")
    r = ref(f"{name}.prop.stype")
    close(props.estimate, r["estimate"], EST_RTOL)
    close(props.se, r["se"], SE_RTOL, atol=1e-9)  # zero when calibrated on stype
    b = d.by("api00", "stype")
    r = ref(f"{name}.by.api00.stype")
    close(b.estimate, r["estimate"], EST_RTOL)
    close(b.se, r["se"], SE_RTOL)
    check_stat(d.subset(d.data["stype"] == "E").mean("api00"), f"{name}.subset.E.mean.api00")
    assert d.is_calibrated


def test_rake_with_zero_weights_and_missing() -> None:
    d = weighting.rake(
        corner_fpc_design(),
        {"sex": {"F": 1500, "M": 1400}, "age": {"18-34": 900, "35-54": 1100, "55+": 900}},
    )
    close(d.weights, ref("corner.rake.weights")["values"], 1e-9)
    # R's rake variance divides by the zero weights (NaN); ours equals R without those rows
    check_stat(d.mean("top2"), "corner.rakez.mean.top2", deff=True)
    check_stat(d.mean("y", na_rm=True), "corner.rakez.mean.y")
    b = d.by("top2", "wave")
    r = ref("corner.rake.by.top2.wave")
    close(b.estimate, r["estimate"], EST_RTOL)
    close(b.se, r["se"], SE_RTOL)


def test_trim_weights() -> None:
    d = weighting.trim_weights(api_design("clus1"), upper=40, lower=30)
    close(d.weights, ref("trim_clus1.weights")["values"], EST_RTOL)
    check_stat(d.mean("api00"), "trim_clus1.mean.api00")
    with pytest.raises(ValueError, match="lower"):
        weighting.trim_weights(api_design("clus1"), upper=1, lower=2)


@pytest.mark.parametrize("name", ["strat", "clus1", "clus2", "srs"])
def test_design_based_goodness_of_fit(name: str) -> None:
    res = weighting.representativeness_test(
        api_design(name), "stype", {"E": 0.7, "H": 0.12, "M": 0.18}
    )
    r = ref(f"{name}.gof.stype")
    close(res["after"].statistic, r["statistic"], EST_RTOL)
    close(res["after"].scale, r["scale"], SE_RTOL)
    close(res["after"].df, r["df"], SE_RTOL)
    close(res["after"].p_value, r["p"], SE_RTOL)
    assert res["before"].df == 2


def test_representativeness_before_and_after_raking() -> None:
    d = corner_fpc_design()
    pop = {"F": 1500, "M": 1400}
    before = weighting.representativeness_test(d, "sex", pop)
    raked = weighting.rake(d, {"sex": pop})
    after = weighting.representativeness_test(raked, "sex", pop)["after"]
    assert after.statistic == pytest.approx(0.0, abs=1e-9)
    assert after.p_value == pytest.approx(1.0)
    assert before["before"].statistic > 0


def test_kish() -> None:
    w = np.array([1.0, 1.0, 2.0, 4.0])
    assert weighting.kish_deff(w) == pytest.approx(4 * 22 / 64)
    assert weighting.effective_n(w) == pytest.approx(64 / 22)
    assert weighting.kish_deff(np.ones(7)) == pytest.approx(1.0)
    d = api_design("clus1")
    assert weighting.effective_n(d) == pytest.approx(len(d.data))  # equal weights
    with pytest.raises(ValueError):
        weighting.kish_deff([1.0, -1.0])


def test_weighting_errors() -> None:
    d = api_design("clus1")
    with pytest.raises(ValueError, match="no population count"):
        weighting.poststratify(d, "stype", {"E": 1, "H": 2})
    with pytest.raises(ValueError, match="absent from the sample"):
        weighting.poststratify(d, "stype", {**STYPE, "X": 5})
    partial = weighting.poststratify(d, "stype", {**STYPE, "X": 5}, partial=True)
    assert partial.weights.sum() == pytest.approx(sum(STYPE.values()))
    with pytest.raises(ValueError, match="unknown column"):
        weighting.rake(d, {"nope": {"a": 1}})
    with pytest.raises(ValueError, match="full design"):
        weighting.poststratify(d.subset(d.data["stype"] == "E"), "stype", STYPE)
    with pytest.warns(UserWarning, match="did not converge"):
        weighting.rake(d, {"stype": STYPE, "sch.wide": SCHWIDE}, maxit=1, epsilon=1e-12)
    df = pd.DataFrame({"g": ["a", None, "b"], "w": [1.0, 1.0, 1.0]})
    with pytest.raises(ValueError, match="missing values"):
        weighting.poststratify(SurveyDesign(df, weights="w"), "g", {"a": 1, "b": 2})
    assert len(data("corner")) > 0


def test_infeasible_trimming_bound_raises() -> None:
    d = api_design("clus1")
    mean_w = float(d.weights.mean())
    with pytest.raises(ValueError, match=r"can't be trimmed.*mean weight"):
        weighting.trim_weights(d, upper=mean_w / 2, strict=True)
    with pytest.raises(ValueError, match="can't be trimmed"):
        weighting.trim_weights(d, lower=mean_w * 2, strict=True)
    # a feasible strict trim ends with every weight inside, the total kept
    t = weighting.trim_weights(d, upper=mean_w * 1.0001, strict=True)
    assert t.weights.max() <= mean_w * 1.0001 + 1e-9
    assert t.weights.sum() == pytest.approx(d.weights.sum())


def test_rake_names_the_margin_level_missing_from_the_sample() -> None:
    d = api_design("clus1")
    with pytest.raises(ValueError, match=r"margin 'stype': population levels \['X'\]") as err:
        weighting.rake(d, {"stype": {**STYPE, "X": 10}, "sch.wide": SCHWIDE})
    assert "partial" not in str(err.value)


# ------------------------------------------------------------------ calibrate
POP_TOTALS = {"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "api99": 3914069}
CALIBRATIONS = {
    "linear": ("clus1", "~stype + api99", POP_TOTALS, {}),
    "linear_bounded": ("clus1", "~stype + api99", POP_TOTALS, {"bounds": (0.6, 1.6)}),
    "raking": ("clus1", "~stype + api99", POP_TOTALS, {"calfun": "raking"}),
    "logit": ("clus1", "~stype + api99", POP_TOTALS, {"calfun": "logit", "bounds": (0.5, 2.5)}),
    "clus2_linear": (
        "clus2",
        "~stype + sch.wide",
        {"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "sch.wideYes": 4734},
        {},
    ),
    "strat_raking": (
        "strat",
        "~sch.wide + awards",
        {"(Intercept)": 6194, "sch.wideYes": 4734, "awardsYes": 3958},
        {"calfun": "raking"},
    ),
}


@pytest.mark.parametrize("name", list(CALIBRATIONS))
def test_calibrate_matches_r(name: str) -> None:
    design, formula, totals, kwargs = CALIBRATIONS[name]
    d = weighting.calibrate(api_design(design), formula, totals, **kwargs)
    close(d.weights, ref(f"calibrate.{name}.weights")["values"], EST_RTOL)
    check_stat(d.mean("api00"), f"calibrate.{name}.mean.api00")
    check_stat(d.total("enroll", na_rm=True), f"calibrate.{name}.total.enroll")
    b = d.by("api00", "stype")
    r = ref(f"calibrate.{name}.by.api00.stype")
    close(b.estimate, r["estimate"], EST_RTOL)
    close(b.se, r["se"], SE_RTOL)
    sub = d.subset(d.data["stype"] == "E").mean("api00")
    check_stat(sub, f"calibrate.{name}.subset.E.mean.api00")
    mm = weighting.model_matrix(d.data, formula)
    close((mm.to_numpy() * d.weights.to_numpy()[:, None]).sum(axis=0), list(totals.values()), 1e-6)
    if "bounds" in kwargs:
        g = d.weights.to_numpy() / api_design(design).weights.to_numpy()
        lo, hi = kwargs["bounds"]
        assert g.min() >= lo - 1e-9 and g.max() <= hi + 1e-9


def test_model_matrix_names_as_r() -> None:
    df = pd.DataFrame(
        {
            "gender": ["F", "M", "M"],
            "agegrp": ["18-39", "40-64", "65+"],
            "x": [1.0, 2, 3],
            "b": [True, False, True],
        }
    )
    mm = weighting.model_matrix(df, "~gender + agegrp + x + b")
    assert list(mm.columns) == ["(Intercept)", "genderM", "agegrp40-64", "agegrp65+", "x", "bTRUE"]
    assert list(weighting.model_matrix(df, "~gender - 1").columns) == ["genderF", "genderM"]


def test_calibrate_errors() -> None:
    d = api_design("clus1")
    with pytest.raises(ValueError, match=r"missing \['api99'\]"):
        weighting.calibrate(
            d, "~stype + api99", {k: v for k, v in POP_TOTALS.items() if k != "api99"}
        )
    with pytest.raises(ValueError, match=r"unknown \['stype_H'\]"):
        weighting.calibrate(
            d, "~stype", {"(Intercept)": 6194, "stype_H": 755, "stypeM": 1018, "stypeH": 1}
        )
    with pytest.raises(ValueError, match="calfun must be one of"):
        weighting.calibrate(d, "~stype + api99", POP_TOTALS, calfun="probit")
    with pytest.raises(ValueError, match="finite bounds"):
        weighting.calibrate(d, "~stype + api99", POP_TOTALS, calfun="logit")
    with pytest.raises(ValueError, match="main effects only"):
        weighting.calibrate(d, "~stype * api99", POP_TOTALS)
    with pytest.raises(ValueError, match="failed to reach the totals"):
        weighting.calibrate(d, "~stype + api99", POP_TOTALS, bounds=(0.99, 1.01))
    with pytest.warns(UserWarning, match="did not converge"):
        weighting.calibrate(d, "~stype + api99", POP_TOTALS, bounds=(0.99, 1.01), force=True)
    with pytest.raises(ValueError, match="full design"):
        weighting.calibrate(
            d.subset(d.data["stype"] == "E"), "~api99", {"(Intercept)": 1, "api99": 1}
        )
