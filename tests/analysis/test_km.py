"""Design-weighted Kaplan-Meier (svykm) against R survey 4.1."""

from __future__ import annotations

import math

import pytest

from analysis.design import SurveyDesign
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import close
from tests.helpers.r_reference import data
from tests.helpers.r_reference import ref


def km_design() -> SurveyDesign:
    return SurveyDesign(data("km"), ids="psu", strata="unit", weights="w")


def test_curve_with_se() -> None:
    c = km_design().km("days", "closed")
    r = ref("km.all")
    close(c.time, r["time"], EST_RTOL)
    close(c.surv, r["surv"], EST_RTOL)
    close(c.varlog, r["varlog"], SE_RTOL)


def test_product_limit_without_se() -> None:
    c = km_design().km("days", "closed", se=False)
    r = ref("km.all_nose")
    close(c.time, r["time"], EST_RTOL)
    close(c.surv, r["surv"], EST_RTOL)
    assert c.varlog is None
    with pytest.raises(ValueError, match="se=True"):
        c.ci(10)


def test_domain() -> None:
    d = km_design()
    c = d.subset(d.data["channel"] == "web").km("days", "closed")
    r = ref("km.web")
    close(c.time, r["time"], EST_RTOL)
    close(c.surv, r["surv"], EST_RTOL)
    close(c.varlog, r["varlog"], SE_RTOL)


def test_ci_and_quantile() -> None:
    c = km_design().km("days", "closed")
    lo, hi = c.ci(14)
    s = c.at(14)
    assert lo < s < hi <= 1
    i = max(k for k, t in enumerate(c.time) if t <= 14)
    assert math.log(hi) - math.log(s) == pytest.approx(1.959963984540054 * math.sqrt(c.varlog[i]))
    first = next(k for k, v in enumerate(c.surv) if v <= 0.5)
    assert c.quantile(0.5) == c.time[first]
    assert c.surv[first - 1] > 0.5
    assert c.quantile(0.0) == math.inf


def test_bad_event_codes() -> None:
    d = km_design().assign(closed=2)
    with pytest.raises(ValueError, match="must be 0"):
        d.km("days", "closed")
