"""Top-two-box, 0-100 score, item means and importance-performance analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.design import SurveyDesign
from analysis.satisfaction import QUADRANTS
from analysis.satisfaction import derived_importance
from analysis.satisfaction import importance_performance
from analysis.satisfaction import item_means
from analysis.satisfaction import quadrants
from analysis.satisfaction import score_0_100
from analysis.satisfaction import top_two_box
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import check_stat
from tests.helpers.r_reference import close
from tests.helpers.r_reference import corner_fpc_design
from tests.helpers.r_reference import ref


def test_top_two_box_matches_r_mean() -> None:
    d = corner_fpc_design()
    est = top_two_box(d, "sat")
    check_stat(est, "corner.fpc.mean.top2", deff=True)
    lo, hi = est.ci()
    assert 0 < lo < est.estimate < hi < 1


def test_score_0_100() -> None:
    d = corner_fpc_design()
    est = score_0_100(d, "sat")
    r = ref("corner.fpc.mean.sat")
    close(est.estimate, (r["estimate"] - 1) / 4 * 100, 1e-6)
    close(est.se, r["se"] * 25, SE_RTOL)


def test_item_means_and_ipa() -> None:
    d = corner_fpc_design()
    d = d.assign(q1=d.data["sat"], q2=(d.data["x"] / 2).round().clip(1, 5), overall=d.data["sat"])
    means = item_means(d, ["q1", "q2"])
    assert means["q1"].estimate == pytest.approx(d.mean("sat").estimate)
    grid = importance_performance(d, ["q1", "q2"], "overall")
    assert grid.loc["q1", "importance"] == pytest.approx(1.0)
    assert set(grid["quadrant"]) <= {
        "concentrate here",
        "keep up the good work",
        "low priority",
        "possible overkill",
    }
    reg = importance_performance(d, ["q1", "q2"], "overall", method="regression")
    assert reg.loc["q1", "importance"] == pytest.approx(1.0)


def test_bad_scale() -> None:
    d = corner_fpc_design()
    with pytest.raises(ValueError, match="outside the scale"):
        top_two_box(d, "sat", scale=(1, 4))


def test_score_interval_is_t_on_the_design_df() -> None:
    d = api_design("clus1").assign(sat=lambda f: 1 + 4 * (f["api00"] - 400) / 600)
    est = score_0_100(d, "sat", scale=(1, 5))
    r = ref("clus1.confint.t.api00")
    # score = (api00 - 400)/600 * 100, so R's t interval maps through the same line
    close(est.ci(), [(v - 400) / 6 for v in r["ci"]], EST_RTOL)
    normal = score_0_100(d, "sat", interval="normal")
    assert normal.ci()[0] > est.ci()[0]
    assert (
        item_means(d, ["sat"])["sat"].ci() != item_means(d, ["sat"], interval="normal")["sat"].ci()
    )
    with pytest.raises(ValueError, match="interval must be one of"):
        score_0_100(d, "sat", interval="z")


def test_values_outside_the_scale_raise() -> None:
    d = corner_fpc_design()
    wrong = d.assign(q=d.data["sat"].replace({5: 9}))
    with pytest.raises(ValueError, match=r"outside the scale \(1, 5\) \(e\.g\. \[9\.0\]\)"):
        score_0_100(wrong, "q")
    with pytest.raises(ValueError, match="outside the scale"):
        top_two_box(wrong, "q")
    # answers outside the domain do not count
    assert score_0_100(wrong.subset(wrong.data["q"] != 9), "q").estimate <= 100


def test_everybody_satisfied_is_not_certain() -> None:
    """Default: the one-sided 95% Korn-Graubard bound (R's 90% equal-tailed lower end)."""
    d = corner_fpc_design()
    d = d.assign(all5=5.0, none=1.0)
    est = top_two_box(d, "all5")
    lo, hi = est.ci()
    assert est.estimate == 1.0 and hi == 1.0
    close(lo, ref("boundary.kg.0.9")["p1"][0], EST_RTOL)
    lo0, hi0 = top_two_box(d, "none").ci()
    assert lo0 == 0.0
    close(hi0, ref("boundary.kg.0.9")["p0"][1], EST_RTOL)
    lo, hi = top_two_box(d, "all5", boundary="equal-tailed").ci()
    close(lo, ref("boundary.kg.0.95")["p1"][0], EST_RTOL)
    with pytest.raises(ValueError, match="boundary"):
        top_two_box(d, "all5", boundary="two-sided")


def test_one_sided_only_where_the_other_side_cannot_miss() -> None:
    """Away from 0 and 1 the default is R's svyciprop interval; near 1 only the upper end
    changes, to the method's one-sided bound (the equal-tailed 90% interval's upper end)."""
    d = api_design("strat")
    mid = d.assign(q=np.where(d.data["api00"] > d.data["api00"].median(), 5.0, 2.0))
    np.testing.assert_allclose(
        top_two_box(mid, "q").ci(), top_two_box(mid, "q", boundary="equal-tailed").ci()
    )
    high = d.assign(q=np.where(d.data["api00"] > d.data["api00"].quantile(0.03), 5.0, 2.0))
    r = top_two_box(high, "q", boundary="equal-tailed")
    est = top_two_box(high, "q")
    assert 0.95 < est.estimate < 1
    assert est.ci()[0] == r.ci()[0]
    assert est.ci()[1] == r.ci(0.90)[1] < r.ci()[1]


def _likert_frame(n: int = 300, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 1, n)
    frame = pd.DataFrame(
        {
            "a": np.clip(np.round(3 + base + rng.normal(0, 0.5, n)), 1, 5),
            "b": np.clip(np.round(3 + 0.3 * base + rng.normal(0, 1, n)), 1, 5),
            "c": np.clip(np.round(3.5 + 0.6 * base + rng.normal(0, 0.8, n)), 1, 5),
        }
    )
    frame["overall"] = np.clip(np.round(3 + base + rng.normal(0, 0.4, n)), 1, 5)
    return frame


def test_derived_importance_correlation_is_pearson() -> None:
    frame = _likert_frame()
    frame.loc[0, "a"] = np.nan  # a missing answer drops out of that item's pair only
    got = derived_importance(SurveyDesign(frame), ["a", "b", "c"], "overall")
    for item in "abc":
        both = frame[[item, "overall"]].dropna()
        assert got.loc[item, "importance"] == pytest.approx(both.corr().iloc[0, 1])
        assert got.loc[item, "n"] == len(both)
    assert got.loc["a", "importance"] > got.loc["b", "importance"]


def test_derived_importance_of_an_item_nobody_answered_is_nan() -> None:
    frame = _likert_frame()
    frame["b"] = np.nan  # e.g. every respondent chose "not applicable"
    got = derived_importance(SurveyDesign(frame), ["a", "b", "c"], "overall")
    assert np.isnan(got.loc["b", "importance"]) and got.loc["b", "n"] == 0
    assert got.loc["a", "importance"] > 0


def test_derived_importance_standardized_is_ols_on_z_scores() -> None:
    frame = _likert_frame()
    z = (frame - frame.mean()) / frame.std(ddof=0)
    ols = sm.OLS(z["overall"], sm.add_constant(z[["a", "b", "c"]])).fit()
    got = derived_importance(SurveyDesign(frame), ["a", "b", "c"], "overall", "standardized")
    raw = derived_importance(SurveyDesign(frame), ["a", "b", "c"], "overall", "regression")
    for item in "abc":
        assert got.loc[item, "importance"] == pytest.approx(ols.params[item])
        ratio = frame[item].std(ddof=0) / frame["overall"].std(ddof=0)
        assert got.loc[item, "importance_se"] == pytest.approx(
            raw.loc[item, "importance_se"] * ratio
        )


def test_derived_importance_bad_input() -> None:
    design = SurveyDesign(_likert_frame())
    with pytest.raises(ValueError, match="method must be one of"):
        derived_importance(design, ["a", "b"], "overall", "beta")
    with pytest.raises(ValueError, match="at least two items"):
        derived_importance(design, ["a"], "overall")


def test_quadrants_split_at_the_means() -> None:
    importance = pd.Series({"w": 0.9, "x": 0.8, "y": 0.1, "z": 0.2, "gap": np.nan})
    performance = pd.Series({"w": 50.0, "x": 90.0, "y": 40.0, "z": 95.0, "gap": 60.0})
    got = quadrants(importance, performance)
    assert got["w"] == QUADRANTS[0] == "concentrate here"
    assert got["x"] == "keep up the good work"
    assert got["y"] == "low priority"
    assert got["z"] == "possible overkill"
    assert pd.isna(got["gap"])  # no importance: no quadrant, and not in the means
    assert quadrants(pd.Series({"a": np.nan}), pd.Series({"a": 1.0})).isna().all()
