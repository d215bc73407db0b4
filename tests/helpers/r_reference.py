"""Shared loaders for the R reference values and data sets (see reference/make_reference.R)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.design import SurveyDesign

REF_DIR = Path(__file__).parents[1] / "analysis" / "reference"
EST_RTOL = 1e-6
SE_RTOL = 1e-4


@cache
def reference() -> dict[str, Any]:
    """The JSON printed by make_reference.R and make_reference_estimators.R."""
    out: dict[str, Any] = json.loads((REF_DIR / "r_reference.json").read_text())
    out.update(json.loads((REF_DIR / "r_reference_estimators.json").read_text()))
    return out


def ref(key: str) -> dict[str, Any]:
    return reference()[key]


def vec(value: Any) -> np.ndarray:
    """R scalars are unboxed in the JSON; NA is null."""
    return np.atleast_1d(np.array(value, dtype=float))


@cache
def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(REF_DIR / f"{name}.csv", dtype={"wave": str})


def data(name: str) -> pd.DataFrame:
    df = _csv(name).copy()
    if "sch.wide" in df.columns:
        df["yes"] = (df["sch.wide"] == "Yes").astype(float)
    return df


API_DESIGNS = ("strat", "clus1", "clus1nofpc", "clus2", "clus2nofpc", "srs")


def api_design(name: str) -> SurveyDesign:
    """The Python twin of each R design in make_reference.R."""
    if name == "strat":
        return SurveyDesign(data("apistrat"), strata="stype", fpc="fpc")
    if name == "clus1":
        return SurveyDesign(data("apiclus1"), ids="dnum", weights="pw", fpc="fpc")
    if name == "clus1nofpc":
        return SurveyDesign(data("apiclus1"), ids="dnum", weights="pw")
    if name == "clus2":
        return SurveyDesign(data("apiclus2"), ids=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    if name == "clus2nofpc":
        return SurveyDesign(data("apiclus2"), ids=["dnum", "snum"], weights="pw")
    if name == "srs":
        return SurveyDesign(data("apisrs"), fpc="fpc")
    raise KeyError(name)


def corner_fpc_design() -> SurveyDesign:
    """corner.csv without the single-PSU stratum, with a first-stage fpc."""
    df = data("corner")
    df = df[df["stratum"] != "S6"].reset_index(drop=True)
    return SurveyDesign(df, ids="psu", strata="stratum", weights="w", fpc="fpc1")


def close(actual: Any, expected: Any, rtol: float, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), vec(expected), rtol=rtol, atol=atol, equal_nan=True
    )


def check_stat(est: Any, key: str, i: int = 0, deff: bool = False) -> None:
    """Compare an Estimate with an R svystat entry."""
    r = ref(key)
    close(est.estimate, vec(r["estimate"])[i], EST_RTOL)
    close(est.se, vec(r["se"])[i], SE_RTOL)
    if deff:
        close(est.deff, vec(r["deff"])[i], SE_RTOL)


# R's coefficient names -> patsy's
R_TERMS = {
    "(Intercept)": "Intercept",
    "stypeH": "stype[T.H]",
    "stypeM": "stype[T.M]",
    "sexM": "sex[T.M]",
}
