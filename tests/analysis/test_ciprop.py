"""svyciprop methods against R survey 4.1; Wilson against its closed form."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.design import SurveyDesign
from tests.helpers.r_reference import API_DESIGNS
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import close
from tests.helpers.r_reference import ref


@pytest.mark.parametrize("name", API_DESIGNS)
@pytest.mark.parametrize("method", ["logit", "beta", "mean", "asin", "xlogit"])
def test_ciprop_matches_r(name: str, method: str) -> None:
    est = api_design(name).ciprop("yes", method=method)
    r = ref(f"{name}.ciprop.{method}")
    close(est.estimate, r["estimate"], EST_RTOL)
    close(est.se, r["se"], SE_RTOL)
    # R's logit interval comes from an IRLS fit converged to ~1e-10; ours is exact
    close(est.ci(), r["ci"], 1e-8 if method == "logit" else EST_RTOL)


def test_wilson_equals_textbook_for_srs() -> None:
    # SRS with replacement: var = p(1-p)/(n-1), so the effective n is n - 1
    y = np.r_[np.ones(30), np.zeros(70)]
    d = SurveyDesign(pd.DataFrame({"y": y}))
    est = d.ciprop("y", method="wilson")
    n = 99.0
    z = stats.t.ppf(0.975, d.degf())
    p = 0.3
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    assert est.ci() == pytest.approx((centre - half, centre + half))


def test_ciprop_edges_and_errors() -> None:
    d = SurveyDesign(pd.DataFrame({"y": np.ones(10), "z": np.arange(10.0)}))
    assert d.ciprop("y").ci() == (1.0, 1.0)
    with pytest.raises(ValueError, match="outside"):
        d.ciprop("z")
    with pytest.raises(ValueError, match="method must be one of"):
        d.ciprop("y", method="exact")
