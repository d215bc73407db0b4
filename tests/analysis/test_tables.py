"""svytable, svychisq's statistics and svyvar against R survey 4.1."""

from __future__ import annotations

import math

import pytest

from analysis.tables import CHISQ_STATISTICS
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
