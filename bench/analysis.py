"""Benchmark: the survey estimators on a 1,000,000-row two-stage design, against R.

The design has 40 strata, 30 PSUs per stratum (1,200 PSUs), 10 SSUs per PSU, finite
population corrections at both stages and 8 analysis groups. Three parts are timed:

* ``linearisation``: design construction + mean + by (R ``svydesign`` + ``svymean`` + ``svyby``);
* ``replicate``: 50 bootstrap replicate weights per PSU + mean + total + by on the replicate
  design (R ``svrepdesign`` with the same replicate weights, ``combined.weights=FALSE``, then
  ``svymean`` + ``svytotal`` + ``svyby``; R is handed the weights, we build ours in the time);
* ``calibration``: GREG calibration to the 8 group totals + mean + by (R ``calibrate`` +
  ``svymean`` + ``svyby``).

Where ``Rscript`` with the ``survey`` package is installed, the same data are timed in R in
the same run and the numbers are compared. Prints one JSON object.

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
from analysis.replicates import ReplicateWeights
from analysis.weighting import calibrate

REPLICATES = 50
MAX_TIME_RATIO = 0.1  # ours at most a tenth of R's time (issue 17)
EQUAL_RTOL = 1e-9  # "equal numbers": estimates and SEs to 1e-9 relative

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1])
boot <- read.csv(args[2])
totals <- read.csv(args[3])
num <- function(x) paste(sprintf("%.17g", x), collapse = ",")
part <- function(name, t, m, b, extra = "") {
  sprintf('"%s": {"seconds": %.6f, "mean": %.17g, "mean_se": %.17g, "by": [%s], "by_se": [%s]%s}',
          name, t, coef(m), SE(m), num(coef(b)), num(SE(b)), extra)
}
t0 <- proc.time()[["elapsed"]]
d <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~N1 + N2, data = df)
m <- svymean(~y, d)
b <- svyby(~y, ~group, d, svymean)
t1 <- proc.time()[["elapsed"]]
lin <- part("linearisation", t1 - t0, m, b)

rw <- as.matrix(boot[match(df$psu, boot$psu), -1])
t0 <- proc.time()[["elapsed"]]
r <- svrepdesign(data = df, repweights = rw, weights = weights(d), type = "bootstrap",
                 combined.weights = FALSE, scale = boot_scale <- as.numeric(readLines(args[4])))
m <- svymean(~y, r)
tt <- svytotal(~y, r)
b <- svyby(~y, ~group, r, svymean)
t1 <- proc.time()[["elapsed"]]
rep <- part("replicate", t1 - t0, m, b,
            sprintf(', "total": %.17g, "total_se": %.17g', coef(tt), SE(tt)))

df$grp <- paste0("g", df$group)
d <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~N1 + N2, data = df)
pop <- setNames(totals$total, totals$name)
t0 <- proc.time()[["elapsed"]]
cd <- calibrate(d, ~grp, pop)
m <- svymean(~y, cd)
b <- svyby(~y, ~group, cd, svymean)
t1 <- proc.time()[["elapsed"]]
cal <- part("calibration", t1 - t0, m, b)
cat(sprintf("{%s, %s, %s}\n", lin, rep, cal))
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


def population_totals(df: pd.DataFrame) -> dict[str, float]:
    """Totals to calibrate to: the estimated group sizes, moved by up to 5% (R's names)."""
    d = SurveyDesign(df, ids=["psu", "ssu"], strata="stratum", fpc=["N1", "N2"])
    sizes = d.weights.groupby(df["group"]).sum()
    shift = 1 + 0.05 * np.sin(np.arange(len(sizes)))
    pop = {f"grpg{g}": float(v * k) for g, v, k in zip(sizes.index, sizes, shift, strict=True)}
    pop["(Intercept)"] = float(sum(pop.values()))
    del pop["grpg1"]
    return pop


def run_python(
    df: pd.DataFrame, pop: dict[str, float]
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, object]], ReplicateWeights]:
    times: dict[str, dict[str, float]] = {}
    res: dict[str, dict[str, object]] = {}
    t0 = time.perf_counter()
    d = SurveyDesign(df, ids=["psu", "ssu"], strata="stratum", fpc=["N1", "N2"])
    t1 = time.perf_counter()
    m = d.mean("y")
    t2 = time.perf_counter()
    b = d.by("y", "group")
    t3 = time.perf_counter()
    times["linearisation"] = {"design": t1 - t0, "mean": t2 - t1, "by": t3 - t2, "total": t3 - t0}
    res["linearisation"] = {
        "mean": m.estimate,
        "mean_se": m.se,
        "by": b.estimate.tolist(),
        "by_se": b.se.tolist(),
    }

    t0 = time.perf_counter()
    r = d.replicate("bootstrap", replicates=REPLICATES, seed=1)
    t1 = time.perf_counter()
    m = r.mean("y")
    tt = r.total("y")
    b = r.by("y", "group")
    t2 = time.perf_counter()
    times["replicate"] = {"weights": t1 - t0, "estimates": t2 - t1, "total": t2 - t0}
    res["replicate"] = {
        "mean": m.estimate,
        "mean_se": m.se,
        "total": tt.estimate,
        "total_se": tt.se,
        "by": b.estimate.tolist(),
        "by_se": b.se.tolist(),
    }

    dg = d.assign(grp="g" + df["group"].astype(str))
    t0 = time.perf_counter()
    c = calibrate(dg, "~grp", pop)
    t1 = time.perf_counter()
    m = c.mean("y")
    b = c.by("y", "group")
    t2 = time.perf_counter()
    times["calibration"] = {"calibrate": t1 - t0, "estimates": t2 - t1, "total": t2 - t0}
    res["calibration"] = {
        "mean": m.estimate,
        "mean_se": m.se,
        "by": b.estimate.tolist(),
        "by_se": b.se.tolist(),
    }
    return times, res, r.weights_table


def run_r(
    df: pd.DataFrame, table: pd.DataFrame, scale: float, pop: dict[str, float]
) -> dict[str, object] | None:
    if shutil.which("Rscript") is None:
        return None
    ok = subprocess.run(
        ["Rscript", "-e", "library(survey)"], capture_output=True, text=True, check=False
    )
    if ok.returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        files = [Path(tmp) / n for n in ("bench.csv", "boot.csv", "totals.csv", "scale.txt")]
        script = Path(tmp) / "bench.R"
        df.to_csv(files[0], index=False)
        table.to_csv(files[1], index=False)
        pd.DataFrame({"name": list(pop), "total": list(pop.values())}).to_csv(files[2], index=False)
        files[3].write_text(f"{scale!r}\n")
        script.write_text(R_SCRIPT)
        out = subprocess.run(
            ["Rscript", str(script), *map(str, files)], capture_output=True, text=True, check=False
        )
    if out.returncode != 0:
        return {"error": out.stderr[-2000:]}
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


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
    pop = population_totals(df)
    runs = [run_python(df, pop) for _ in range(args.repeat)]
    parts = ("linearisation", "replicate", "calibration")
    # best of the repeats per part; the results are identical across repeats
    times = {p: min((run[0][p] for run in runs), key=lambda t: t["total"]) for p in parts}
    res = runs[0][1]
    rw = runs[0][2]
    report: dict[str, object] = {
        "rows": len(df),
        "strata": int(df["stratum"].nunique()),
        "psus": int(df["psu"].nunique()),
        "ssus": int(df.groupby(["psu", "ssu"]).ngroups),
        "groups": int(df["group"].nunique()),
        "replicates": REPLICATES,
        "python_repeats": args.repeat,
        "python_seconds": {p: {k: round(v, 4) for k, v in times[p].items()} for p in parts},
    }
    r = None
    if not args.no_r:
        table = pd.DataFrame(
            rw.table,
            columns=[f"b{i + 1}" for i in range(rw.table.shape[1])],
        )
        table.insert(0, "psu", np.sort(df["psu"].unique()))
        r = run_r(df, table, rw.scale, pop)
    if r is None:
        report["r"] = "not run (Rscript with survey not available or --no-r)"
        report["python_result"] = res
    elif "error" in r:
        report["r"] = r
    else:
        comparison: dict[str, object] = {}
        for p in parts:
            rp = r[p]
            assert isinstance(rp, dict)
            ours = res[p]
            est_keys = [k for k in ours if not k.endswith("_se")]
            ratio = times[p]["total"] / float(rp["seconds"])
            diff_est = max(max_rel(ours[k], rp[k]) for k in est_keys)  # type: ignore[arg-type]
            diff_se = max(max_rel(ours[f"{k}_se"], rp[f"{k}_se"]) for k in est_keys)  # type: ignore[arg-type]
            comparison[p] = {
                "python_seconds": round(times[p]["total"], 4),
                "r_seconds": round(float(rp["seconds"]), 4),
                "python_over_r_time": round(ratio, 4),
                "max_rel_diff_estimate": diff_est,
                "max_rel_diff_se": diff_se,
                # the target: at most a tenth of R's time, the same numbers
                "meets_target": ratio <= MAX_TIME_RATIO and max(diff_est, diff_se) <= EQUAL_RTOL,
            }
        report["comparison"] = comparison
        report["all_meet_target"] = all(c["meets_target"] for c in comparison.values())  # type: ignore[index]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
