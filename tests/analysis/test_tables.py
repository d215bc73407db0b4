"""svytable, svychisq's statistics and svyvar against R survey 4.1."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.tables import CHISQ_STATISTICS
from analysis.tables import second_order
from tests.helpers.r_reference import EST_RTOL
from tests.helpers.r_reference import SE_RTOL
from tests.helpers.r_reference import api_design
from tests.helpers.r_reference import close
from tests.helpers.r_reference import ref
from tests.helpers.r_reference import vec

DESIGNS = ("strat", "clus1", "clus2")


@pytest.mark.parametrize("name", DESIGNS)
def test_table(name: str) -> None:
    t = api_design(name).table("~stype + sch.wide")
    close(t.to_numpy().ravel(order="F"), ref(f"table.{name}")["values"], EST_RTOL)
    one = api_design(name).table("~stype")
    close(one.to_numpy(), t.sum(axis=1).to_numpy(), 1e-12)


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("statistic", CHISQ_STATISTICS)
def test_chisq(name: str, statistic: str) -> None:
    t = api_design(name).chisq("~stype + sch.wide", statistic=statistic)
    r = ref(f"chisq.{name}.{statistic}")
    close(t.statistic, r["statistic"], EST_RTOL)
    close(t.p_value, r["p"], SE_RTOL)
    if r["parameter"] is not None:
        params = vec(r["parameter"])
        close(t.ndf, params[0], SE_RTOL)
        if len(params) > 1:
            close(t.ddf, params[1], SE_RTOL)
        else:
            assert math.isinf(t.ddf)


@pytest.mark.parametrize("name", DESIGNS)
def test_var(name: str) -> None:
    d = api_design(name)
    r = ref(f"var.{name}")
    e = d.var("api00")
    close(e.estimate, r["estimate"], EST_RTOL)
    close(e.se, r["se"], SE_RTOL)
    r = ref(f"var_domain.{name}")
    e = d.subset(d.data["stype"] == "E").var("enroll", na_rm=True)
    close(e.estimate, r["estimate"], EST_RTOL)
    close(e.se, r["se"], SE_RTOL)


def test_misuse() -> None:
    d = api_design("srs")
    with pytest.raises(ValueError, match="statistic must be one of"):
        d.chisq("~stype + sch.wide", statistic="G")
    with pytest.raises(ValueError, match="two variables"):
        d.chisq("~stype")
    with pytest.raises(ValueError, match="formula must look like"):
        d.table("stype + sch.wide")


def test_second_order_without_sampling_variance_is_certain() -> None:
    """A table known exactly (no design variance: every stratum's answers are equal)
    shows an association for certain (p 0), or none (p 1), instead of 0/0."""
    separated = np.array([0.5, 0.0, 0.0, 0.5])  # rows: top-box no/yes; columns: unit 1, 2
    test = second_order(separated, np.zeros((4, 4)), 40, 38, 2, 2)
    assert test.p_value == 0.0 and math.isinf(test.statistic) and test.pearson > 0
    independent = np.array([0.25, 0.25, 0.25, 0.25])
    assert second_order(independent, np.zeros((4, 4)), 40, 38, 2, 2).p_value == 1.0


def test_second_order_leaves_out_a_level_nobody_answered() -> None:
    """A group listed with no answer (an empty column) does not turn X² into 0/0: the
    test is the one on the table without it."""
    est = np.array([0.3, 0.2, 0.1, 0.4])
    rng = np.random.default_rng(7)
    a = rng.normal(size=(4, 4)) / 100
    v = a @ a.T
    full = second_order(est, v, 50, 40, 2, 2)
    padded_est = np.concatenate([est, [0.0, 0.0]])  # a third column, empty
    padded_v = np.zeros((6, 6))
    padded_v[:4, :4] = v
    padded = second_order(padded_est, padded_v, 50, 40, 2, 3)
    assert padded.p_value == pytest.approx(full.p_value, rel=1e-12)
    assert padded.pearson == pytest.approx(full.pearson, rel=1e-12)
    one_column = second_order(np.array([0.6, 0.4, 0.0, 0.0]), np.eye(4) / 1e4, 50, 40, 2, 2)
    assert math.isnan(one_column.p_value)
