"""Benchmark: design construction + mean + by on a 1,000,000-row two-stage design.

The design has 40 strata, 30 PSUs per stratum (1,200 PSUs), 10 SSUs per PSU, finite
population corrections at both stages and 8 analysis groups. Where ``Rscript`` with the
``survey`` package is installed, the same data are timed in R (``svydesign`` + ``svymean`` +
``svyby``) in the same run and the numbers are compared. Prints one JSON object.

    /work/venv/bin/python bench/analysis.py [--rows 1000000] [--repeat 3] [--no-r]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.design import SurveyDesign

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1])
t0 <- proc.time()[["elapsed"]]
d <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~N1 + N2, data = df)
m <- svymean(~y, d)
b <- svyby(~y, ~group, d, svymean)
t1 <- proc.time()[["elapsed"]]
cat(sprintf('{"seconds": %.6f, "mean": %.17g, "mean_se": %.17g, "by": [%s], "by_se": [%s]}\n',
    t1 - t0, coef(m), SE(m), paste(sprintf("%.17g", b$y), collapse = ","),
    paste(sprintf("%.17g", SE(b)), collapse = ",")))
"""


def make_data(rows: int, seed: int = 1) -> pd.DataFrame:
    """Stratified two-stage sample: 40 strata x 30 PSUs x 10 SSUs, people within SSUs."""
    rng = np.random.default_rng(seed)
    n_strata, psu_per, ssu_per = 40, 30, 10
    n_ssu = n_strata * psu_per * ssu_per
    ssu_of_row = np.sort(rng.integers(0, n_ssu, rows))
    psu = ssu_of_row // ssu_per
    stratum = psu // psu_per
    psu_effect = rng.normal(0, 0.5, n_strata * psu_per)
    y = 3.5 + 0.02 * stratum + psu_effect[psu] + rng.normal(0, 1, rows)
    return pd.DataFrame(
        {
            "stratum": stratum + 1,
            "psu": psu + 1,
            "ssu": ssu_of_row % ssu_per + 1,
            "N1": 100,  # PSUs in the stratum population
            "N2": 50,  # SSUs in each PSU
            "group": rng.integers(1, 9, rows),
            "y": np.round(y, 3),
        }
    )


def run_python(df: pd.DataFrame) -> tuple[dict[str, float], dict[str, object]]:
    t0 = time.perf_counter()
    d = SurveyDesign(df, ids=["psu", "ssu"], strata="stratum", fpc=["N1", "N2"])
    t1 = time.perf_counter()
    m = d.mean("y")
    t2 = time.perf_counter()
    b = d.by("y", "group")
    t3 = time.perf_counter()
    times = {"design": t1 - t0, "mean": t2 - t1, "by": t3 - t2, "total": t3 - t0}
    res = {
        "mean": m.estimate,
        "mean_se": m.se,
        "by": b.estimate.tolist(),
        "by_se": b.se.tolist(),
    }
    return times, res


def run_r(df: pd.DataFrame) -> dict[str, object] | None:
    if shutil.which("Rscript") is None:
        return None
    ok = subprocess.run(
        ["Rscript", "-e", "library(survey)"], capture_output=True, text=True, check=False
    )
    if ok.returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "bench.csv"
        script = Path(tmp) / "bench.R"
        df.to_csv(csv, index=False)
        script.write_text(R_SCRIPT)
        out = subprocess.run(
            ["Rscript", str(script), str(csv)], capture_output=True, text=True, check=False
        )
    if out.returncode != 0:
        return {"error": out.stderr[-2000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def max_rel(a: list[float] | float, b: list[float] | float) -> float:
    x = np.atleast_1d(np.asarray(a, dtype=float))
    y = np.atleast_1d(np.asarray(b, dtype=float))
    return float(np.max(np.abs(x - y) / np.abs(y)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    args = parser.parse_args()
    df = make_data(args.rows)
    runs = [run_python(df) for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r[0]["total"])
    times, res = best
    report: dict[str, object] = {
        "rows": len(df),
        "strata": int(df["stratum"].nunique()),
        "psus": int(df["psu"].nunique()),
        "ssus": int(df.groupby(["psu", "ssu"]).ngroups),
        "groups": int(df["group"].nunique()),
        "python_seconds": {k: round(v, 4) for k, v in times.items()},
        "python_repeats": args.repeat,
        "python_result": res,
    }
    r = None if args.no_r else run_r(df)
    if r is None:
        report["r"] = "not run (Rscript with survey not available or --no-r)"
    elif "error" in r:
        report["r"] = r
    else:
        report["r_seconds"] = round(float(r["seconds"]), 4)
        report["speedup_vs_r"] = round(float(r["seconds"]) / times["total"], 1)
        report["python_over_r_time"] = round(times["total"] / float(r["seconds"]), 4)
        report["max_rel_diff_estimate"] = max(
            max_rel(res["mean"], r["mean"]), max_rel(res["by"], r["by"])
        )
        report["max_rel_diff_se"] = max(
            max_rel(res["mean_se"], r["mean_se"]), max_rel(res["by_se"], r["by_se"])
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
