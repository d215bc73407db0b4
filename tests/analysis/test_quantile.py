"""svyquantile (every qrule, Woodruff and the other intervals, by domain) against R survey 4.1."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.quantile import QRULES
from analysis.quantile import qrule_math
from tests.helpers.r_reference import API_DESIGNS
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import close
from tests.helpers.r_reference import corner_fpc_design
from tests.helpers.r_reference import ref
from tests.helpers.r_reference import vec


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


QRULE_DESIGNS = ("strat", "clus1")


@pytest.mark.parametrize("name", QRULE_DESIGNS)
@pytest.mark.parametrize("rule", QRULES)
def test_qrules_match_r(name: str, rule: str) -> None:
    d = api_design(name)
    r = ref(f"qrule.{name}.{rule}")
    for i, q in enumerate((0.1, 0.5, 0.9)):
        e = d.quantile("api00", q, qrule=rule)
        close(e.estimate, vec(r["estimate"])[i], EST_RTOL)
        close(e.ci(), [vec(r["ci_l"])[i], vec(r["ci_u"])[i]], EST_RTOL)
        close(e.se, vec(r["se"])[i], SE_RTOL)


@pytest.mark.parametrize("name", QRULE_DESIGNS)
@pytest.mark.parametrize("interval", ("beta", "xlogit", "asin", "score"))
def test_interval_types_match_r(name: str, interval: str) -> None:
    d = api_design(name)
    r = ref(f"qinterval.{name}.{interval}")
    for i, q in enumerate((0.25, 0.5)):
        e = d.quantile("api00", q, interval_type=interval)
        close(e.estimate, vec(r["estimate"])[i], EST_RTOL)
        close(e.ci(), [vec(r["ci_l"])[i], vec(r["ci_u"])[i]], EST_RTOL)
        close(e.se, vec(r["se"])[i], SE_RTOL)


@pytest.mark.parametrize("name", QRULE_DESIGNS)
def test_by_domain_with_other_rule_and_interval(name: str) -> None:
    b = api_design(name).by(
        "api00", "stype", stat="quantile", q=0.5, qrule="hf7", interval_type="beta"
    )
    r = ref(f"qby.{name}")
    close(b.estimate, r["estimate"], EST_RTOL)
    close(b.se, r["se"], SE_RTOL)
    close([b[k].ci()[0] for k in b], r["ci_l"], EST_RTOL)
    close([b[k].ci()[1] for k in b], r["ci_u"], EST_RTOL)


def test_unknown_rule_or_interval() -> None:
    d = api_design("srs")
    with pytest.raises(ValueError, match="qrule must be one of"):
        d.quantile("api00", 0.5, qrule="hf10")
    with pytest.raises(ValueError, match="interval_type must be one of"):
        d.quantile("api00", 0.5, interval_type="wald")
