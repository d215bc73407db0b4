"""How long the award evidence pack takes, per stage, on SQLite and PostgreSQL.

Usage::

    python bench/evidence.py [--responses 200000] [--complaints 20000]
                             [--database sqlite|postgresql|both]
                             [--pg-admin postgresql://postgres@127.0.0.1:5432/postgres]
                             [--pg-database NAME] [--keep FOLDER] [--reuse]
                             [--clear-kept]

Seeds with ``bench/results.py``'s bulk seeding (a ministry and two agencies; the first
with 20 service units, ``--responses`` citizen-satisfaction responses over 2023-2025 and
``--complaints`` complaint cases over the same years), then makes the first agency's
2025 pack in a fresh process (``collector.evidence.build.make_pack``, both editions,
every format) and reports the wall time of each stage (``sections_zh-Hant-TW`` and
``sections_en``: reading and building each edition; ``charts``, ``pdf``, ``docx``,
``xlsx``, ``opendata``, ``zip``), the whole (``total_s``), the CPU time, the zip's
size and the process's peak resident memory. Prints one JSON document.

``--keep FOLDER`` keeps the SQLite database there (PostgreSQL's stays anyway) and
``--reuse`` measures the databases an earlier run seeded, without seeding again. The
per-stratum sums (``results_sums``) and drawn charts (``charts-evidence-<database>`` in
the folder, as ``RESULTS_CHARTS_DIR``) that earlier processes kept are reused, as a
deployment's are: ``kept_sums_before`` and ``kept_charts_before`` say how many. After a
new seed there are none (the pack then sums every wave it reads: "cold");
``--clear-kept`` empties both before measuring.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if sys.path and Path(sys.path[0]).resolve() == HERE:
    sys.path[0] = str(ROOT)  # bench/analysis.py would shadow the analysis package

AGENCY = "bench-1"
PERIOD = "2025"


def results_bench() -> Any:
    """bench/results.py, whose seeding this benchmark shares."""
    spec = importlib.util.spec_from_file_location("results_bench", HERE / "results.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(url: str, out: Path, charts: str) -> dict[str, Any]:
    from sqlalchemy import text

    from collector import create_app
    from collector.core.db import get_engine
    from collector.evidence.build import make_pack

    warnings.simplefilter("ignore")  # small-domain warnings of the breakdowns' tests
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "AUTO_MIGRATE": False,
            "RESULTS_CHARTS_DIR": charts,
        }
    )
    bench = results_bench()
    with get_engine(app).connect() as connection:
        responses = connection.execute(text("SELECT count(*) FROM response")).scalar_one()
    kept = {
        "kept_sums_before": bench.kept_sums(app),
        "kept_charts_before": bench.kept_charts(charts),
    }
    load_before = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    with app.app_context():
        built = make_pack(app, agency_code=AGENCY, period=PERIOD, out_dir=out)
    return {
        "total_s": round(time.perf_counter() - started, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "stages_s": built.timings,
        "charts_drawn": built.chart_draws,
        "zip_bytes": built.zip_path.stat().st_size,
        "files": sum(1 for p in built.folder.rglob("*") if p.is_file()),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "responses_in_database": responses,
        "load_average_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        **kept,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    bench = results_bench()
    bench.add_seeding_arguments(parser, responses=200_000)
    parser.add_argument(
        "--pg-database",
        default="collector_test_evidence_bench",
        help="the PostgreSQL database to seed and measure (dropped and created unless --reuse)",
    )
    parser.add_argument(
        "--clear-kept",
        action="store_true",
        help="empty results_sums and the kept charts before measuring (a cold pack)",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: this process
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--charts", help=argparse.SUPPRESS)  # internal: RESULTS_CHARTS_DIR
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, Path(args.out), args.charts)))
        return
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    runs: list[dict[str, Any]] = []
    if args.reuse and not args.keep and "sqlite" in kinds:
        parser.error("--reuse with SQLite needs --keep FOLDER")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            url = bench.fresh_database(
                kind, args.pg_admin, folder, reuse=args.reuse, pg_database=args.pg_database
            )
            charts = folder / f"charts-evidence-{kind}"
            if not args.reuse or args.clear_kept:
                shutil.rmtree(charts, ignore_errors=True)
            if args.reuse and args.clear_kept:
                bench.clear_kept(url)
            if args.reuse:
                seeded = {"responses": None, "seed_s": None}
            else:
                seeded = bench.seed(url, args.responses, args.complaints)
                print(f"{kind}: seeded {seeded}", file=sys.stderr)
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--measure",
                    url,
                    "--out",
                    str(Path(tmp) / kind),
                    "--charts",
                    str(charts),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                result: dict[str, Any] = {"error": done.stderr.strip().splitlines()[-3:]}
            else:
                result = json.loads(done.stdout.strip().splitlines()[-1])
            result.update(database=kind, complaints=args.complaints, seed_s=seeded["seed_s"])
            print(json.dumps(result), file=sys.stderr)
            runs.append(result)
    load = os.getloadavg()[0]
    print(
        json.dumps(
            {"runs": runs, "load_average_1m": round(load, 1), "date": date.today().isoformat()},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
