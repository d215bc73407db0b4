"""svyquantile (qrule='math', Woodruff 'mean' interval) against R survey 4.1."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.quantile import qrule_math
from tests.helpers.r_reference import API_DESIGNS
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import close
from tests.helpers.r_reference import corner_fpc_design
from tests.helpers.r_reference import ref


@pytest.mark.parametrize("name", API_DESIGNS)
def test_quantiles_match_r(name: str) -> None:
    d = api_design(name)
    r = ref(f"{name}.quantile.api00")
    for i, q in enumerate(r["q"]):
        est = d.quantile("api00", q)
        close(est.estimate, r["estimate"][i], EST_RTOL)
        close(est.ci(), [r["ci_low"][i], r["ci_high"][i]], EST_RTOL)
        close(est.se, r["se"][i], SE_RTOL)


def test_quantile_missing_values_domain() -> None:
    d = corner_fpc_design()
    r = ref("corner.fpc.quantile.y")
    for i, q in enumerate(r["q"]):
        est = d.quantile("y", q, na_rm=True)
        close(est.estimate, r["estimate"][i], EST_RTOL)
        close(est.ci(), [r["ci_low"][i], r["ci_high"][i]], EST_RTOL)
        close(est.se, r["se"][i], SE_RTOL)


def test_qrule_math_rules() -> None:
    x = np.array([3.0, 1.0, 2.0, 4.0])
    w = np.ones(4)
    assert qrule_math(x, w, 0.5) == 2.0  # CDF reaches 0.5 exactly at 2
    assert qrule_math(x, w, 0.6) == 3.0
    assert qrule_math(x, np.array([0.0, 1.0, 1.0, 1.0]), 0.7) == 4.0  # the 3 is dropped
    assert qrule_math(x, w, 1.0) == 4.0


def test_quantile_bad_q() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        api_design("srs").quantile("api00", 1.5)
