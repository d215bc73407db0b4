"""The trend's sums statement on ``response.answers`` as ``jsonb`` and as ``json``.

Usage (after ``bench/results.py --database postgresql`` seeded its database)::

    python bench/jsonb_sums.py [--url postgresql://postgres@127.0.0.1:5432/collector_test_results_bench]

Copies the responses' columns the statement reads twice (answers as ``jsonb`` and cast
to ``json``, each with an index on ``submitted_at``), times the statement
``collector.results.sums`` runs for one half-year (2025 H1) with every scale item's
top-two-box indicator and value as measures, three times on each, prints the seconds,
and drops the copies.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)  # bench/analysis.py would shadow the analysis package


def likert_keys(definition: Any) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "likert5" and "key" in node:
                found.append(node["key"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(definition)
    return found


def main() -> None:
    import psycopg
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql

    from collector.results.sums import _statement
    from collector.results.sums import item
    from collector.results.sums import top_two

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--url", default="postgresql://postgres@127.0.0.1:5432/collector_test_results_bench"
    )
    args = parser.parse_args()
    with psycopg.connect(args.url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT definition FROM questionnaire_version "
            "WHERE slug = 'citizen-satisfaction' ORDER BY version DESC LIMIT 1"
        ).fetchone()
        assert row is not None, "seed the database with bench/results.py first"
        keys = likert_keys(json.loads(row[0]))
        measures = {f"top:{k}": top_two(k) for k in keys} | {f"item:{k}": item(k) for k in keys}
        wave = text(
            "response.submitted_at >= '2024-12-31 16:00' AND response.submitted_at < '2025-06-30 16:00'"
        )
        sql = str(
            _statement(measures, [wave], lambda s: s).compile(
                dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
            )
        )
        out: dict[str, Any] = {"items": len(keys)}
        for kind, cast in (("jsonb", "answers"), ("json", "answers::json")):
            table = f"bench_answers_{kind}"
            conn.execute(f"DROP TABLE IF EXISTS {table}")
            conn.execute(
                f"CREATE TABLE {table} AS SELECT id, agency_id, unit_id, submitted_at, "
                f"voided_at, {cast} AS answers FROM response"
            )
            conn.execute(f"CREATE INDEX ON {table} (submitted_at)")
            conn.execute(f"ANALYZE {table}")
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                conn.execute(sql.replace("FROM response", f"FROM {table} AS response")).fetchall()
                timings.append(round(time.perf_counter() - started, 3))
            out[kind] = timings
            conn.execute(f"DROP TABLE {table}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
