"""What this machine charges for the primitives a submission is made of.

Usage::

    python bench/costs.py [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Prints one JSON document, in microseconds of CPU (and of wall time) each:

- ``thread_handover``: one thread wakes another through a lock and is woken back
  (a round trip), across CPUs as the scheduler places them, and with both threads
  pinned to one CPU;
- ``psycopg_round_trip``: ``SELECT 1`` on an autocommit psycopg connection, the
  client's CPU and PostgreSQL's backend CPU;
- ``durable_commit``: a one-row ``INSERT`` on an autocommit connection (its own
  transaction, flushed to disk before it returns) against the same insert into an
  unlogged table, in PostgreSQL's backend CPU: the difference is what a commit's
  WAL flush costs the server.

These are why the submission path avoids thread hand-overs and shares commits
(bench/README.md); on a virtual machine they cost several times what they cost on
bare metal.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

N = 20000


def handover(n: int = N) -> dict[str, float]:
    a, b = threading.Lock(), threading.Lock()
    a.acquire()
    b.acquire()

    def other() -> None:
        for _ in range(n):
            a.acquire()
            b.release()

    thread = threading.Thread(target=other)
    thread.start()
    cpu0, t0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        a.release()
        b.acquire()
    thread.join()
    return {
        "cpu_us": round((time.process_time() - cpu0) / n * 1e6, 1),
        "wall_us": round((time.perf_counter() - t0) / n * 1e6, 1),
    }


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(conn: Any, sql: str, n: int) -> dict[str, float]:
    pid = conn.info.backend_pid
    for _ in range(100):
        conn.execute(sql, prepare=True)
    server0, cpu0, t0 = backend_cpu(pid), time.process_time(), time.perf_counter()
    for _ in range(n):
        conn.execute(sql, prepare=True)
    return {
        "client_cpu_us": round((time.process_time() - cpu0) / n * 1e6, 1),
        "server_cpu_us": round((backend_cpu(pid) - server0) / n * 1e6, 1),
        "wall_us": round((time.perf_counter() - t0) / n * 1e6, 1),
    }


def postgres(dsn: str, n: int = 5000) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_costs_logged (v text)")
        conn.execute("CREATE UNLOGGED TABLE IF NOT EXISTS bench_costs_unlogged (v text)")
        try:
            settings = {
                name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
                for name in ("synchronous_commit", "fsync", "wal_sync_method")
            }
            logged = timed(conn, "INSERT INTO bench_costs_logged VALUES ('x')", n)
            unlogged = timed(conn, "INSERT INTO bench_costs_unlogged VALUES ('x')", n)
            return {
                "settings": settings,
                "psycopg_round_trip": timed(conn, "SELECT 1", n),
                "insert_durable_commit": logged,
                "insert_unlogged": unlogged,
                "durable_commit_server_cpu_us": round(
                    logged["server_cpu_us"] - unlogged["server_cpu_us"], 1
                ),
            }
        finally:
            conn.execute("DROP TABLE IF EXISTS bench_costs_logged, bench_costs_unlogged")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL database where two scratch tables may be made and dropped",
    )
    args = parser.parse_args()
    result: dict[str, Any] = {"cores": os.cpu_count(), "thread_handover": handover()}
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(pinned)})
    try:
        result["thread_handover_one_cpu"] = handover()
    finally:
        os.sched_setaffinity(0, pinned)
    result["postgresql"] = postgres(args.pg)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
