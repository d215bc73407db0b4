"""Wave-over-wave change and precision-weighted linear trend, against R's lm and GLS algebra."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from analysis.checks import SmallDomainWarning
from analysis.estimate import Estimate
from analysis.trend import design_change
from analysis.trend import design_trend
from analysis.trend import linear_trend
from analysis.trend import wave_change
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import close
from tests.helpers.r_reference import corner_fpc_design
from tests.helpers.r_reference import ref


def test_wave_change() -> None:
    a = Estimate(0.70, 0.02, 50, name="2023")
    b = Estimate(0.75, 0.015, 60, name="2024")
    ch = wave_change(b, a)
    assert ch.estimate == pytest.approx(0.05)
    assert ch.se == pytest.approx(0.025)
    t, p = ch.t_test()
    assert t == pytest.approx(2.0) and p == pytest.approx(0.0455, abs=1e-4)


def test_linear_trend_equals_wls_with_known_variance() -> None:
    x = [2020, 2021, 2022, 2023, 2024]
    y = [0.70, 0.72, 0.71, 0.75, 0.78]
    se = [0.02, 0.015, 0.02, 0.01, 0.012]
    tr = linear_trend(x, y, se)
    w = 1 / np.square(se)
    fit = sm.WLS(y, sm.add_constant(np.asarray(x, float)), weights=w).fit()
    assert tr.slope == pytest.approx(fit.params[1])
    assert tr.slope_se == pytest.approx(fit.bse[1] / np.sqrt(fit.scale))
    assert tr.heterogeneity_df == 3
    lo, hi = tr.ci()
    assert lo < tr.slope < hi


def test_trend_errors() -> None:
    with pytest.raises(ValueError, match="at least three waves"):
        linear_trend([1, 2], [0.1, 0.2], [0.1, 0.1])
    with pytest.raises(ValueError, match="positive standard error"):
        linear_trend([1, 2, 3], [0.1, 0.2, 0.3], [0.1, 0.0, 0.1])


@pytest.mark.parametrize("name", ["calm", "scatter"])
def test_linear_trend_matches_lm_with_known_variances(name: str) -> None:
    r = ref(f"trend.{name}")
    tr = linear_trend(r["x"], r["y"], r["se"])
    close([tr.intercept, tr.slope], r["params"], EST_RTOL)
    close(tr.sampling_se, r["fixed_se"][1], EST_RTOL)
    close(tr.heterogeneity_chi2, r["chi2"], EST_RTOL)
    assert tr.heterogeneity_df == r["df"]
    if name == "calm":  # waves agree with a line: sampling error only, normal reference
        assert not tr.inflated and tr.slope_se == tr.sampling_se
    else:  # they scatter: R's lm SE (sigma > 1) and its t test on waves - 2 df
        assert tr.inflated
        close(tr.slope_se, r["lm_se"][1], EST_RTOL)
        close(tr.p_value, r["lm_p"], EST_RTOL)
        assert tr.sampling_p_value < 0.001 < 0.1 < tr.p_value
        lo, hi = tr.ci()
        assert lo < 0 < hi
        assert tr.ci(sampling_only=True)[0] > 0


def test_gls_trend_with_the_waves_joint_covariance() -> None:
    d = api_design("clus1")
    tr, waves = design_trend(d, "api00", "stype", x={"E": 1, "H": 3, "M": 2})
    r = ref("trend.gls.clus1.stype")
    assert list(waves) == r["levels"]
    assert tr.method == "GLS"
    close([tr.intercept, tr.slope], r["params"], EST_RTOL)
    close(tr.sampling_se, r["se"][1], EST_RTOL)
    close(tr.heterogeneity_chi2, r["chi2"], EST_RTOL)
    # ignoring the covariance (independent waves) gives another answer
    naive = linear_trend([1, 3, 2], waves.estimate.to_numpy(), waves.se.to_numpy())
    assert naive.slope != pytest.approx(tr.slope, rel=1e-3)


def test_change_between_overlapping_waves() -> None:
    d = corner_fpc_design()
    with pytest.warns(SmallDomainWarning):
        ch = design_change(d, "sat", "wave", "2023", "2024")
    r = ref("corner.fpc.difference.wave")
    close(ch.estimate, r["estimate"], EST_RTOL)
    close(ch.se, r["se"], SE_RTOL)
    b = d.by("sat", "wave")
    cov = float(b.vcov.loc["2023", "2024"])
    joint = wave_change(b["2024"], b["2023"], covariance=cov)
    assert joint.se == pytest.approx(ch.se, rel=1e-9)
    with pytest.raises(ValueError, match="covariance"):
        wave_change(b["2024"], b["2023"], covariance=1.0)
