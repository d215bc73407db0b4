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

With ``--schema``, it also makes a scratch database (``collector_costs``, dropped
and made again), migrates it, and times the writer's real PostgreSQL batch
statement for batches of 1, 4 and 16 complete citizen-satisfaction responses (18
answers each, kept in the response's row as one JSON document), and the same
batches with an empty document: PostgreSQL's backend CPU and the client's, per
response. It shows what storing the answers costs the database.

These are why the submission path avoids thread hand-overs and shares commits
(bench/README.md); on a virtual machine they cost several times what they cost on
bare metal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
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


def schema(admin: str, n: int = 2000) -> dict[str, Any]:
    """Server and client CPU per response of the writer's batch statement."""
    import importlib.util
    import secrets

    import psycopg

    from collector import create_app
    from collector.answers import writer as writer_module
    from collector.answers.records import Submission
    from collector.answers.submission import prepare
    from collector.core.db import get_engine
    from collector.core.db import session_scope
    from collector.core.models import Agency
    from collector.core.models import Unit
    from collector.core.plugins import get_plugins
    from collector.core.questionnaires import current_version
    from collector.core.questionnaires import definition_of

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS collector_costs WITH (FORCE)")
        conn.execute("CREATE DATABASE collector_costs")
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app({"DATABASE_URL": f"{base}/collector_costs", "SECRET_KEY": "costs"})
    spec = importlib.util.spec_from_file_location("submit", Path(__file__).with_name("submit.py"))
    assert spec is not None and spec.loader is not None
    submit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(submit)
    with session_scope(app) as session:
        agency = Agency(code="costs", name_zh="測試", name_en="Costs")
        session.add(agency)
        session.flush()
        unit = Unit(agency_id=agency.id, code="counter", name_zh="櫃台", name_en="Counter")
        session.add(unit)
        session.flush()
        version = current_version(app, session, "citizen-satisfaction")
        session.expunge_all()
    questionnaire = definition_of(version)

    def response() -> Any:
        submission = Submission(
            questionnaire=version,
            agency=agency,
            unit=unit,
            channel="qr",
            language="zh-Hant-TW",
            answers=dict(submit.ANSWERS),
            idempotency_key=secrets.token_hex(8),
        )
        return prepare(get_plugins(app), questionnaire, submission)

    engine = get_engine(app)
    results: dict[str, Any] = {}
    for label, keep_answers in (("with_answers", True), ("without_answers", False)):
        for size in (1, 4, 16):
            batches = [[response() for _ in range(size)] for _ in range(n // size)]
            if not keep_answers:
                for batch in batches:
                    for prepared in batch:
                        prepared.stored = {}
            with engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                pid = conn.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
                for batch in batches[:20]:
                    writer_module.store(conn, batch)
                server0, cpu0 = backend_cpu(pid), time.process_time()
                for batch in batches[20:]:
                    writer_module.store(conn, batch)
                done = (len(batches) - 20) * size
                results[f"{label}_batch_{size}"] = {
                    "server_cpu_us_per_response": round((backend_cpu(pid) - server0) / done * 1e6),
                    "client_cpu_us_per_response": round((time.process_time() - cpu0) / done * 1e6),
                }
    engine.dispose()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS collector_costs WITH (FORCE)")
    return results


HERE = Path(__file__).resolve().parent


def main() -> None:
    # bench/analysis.py must not stand in for the analysis package.
    sys.path[:] = [str(HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL database where two scratch tables may be made and dropped",
    )
    parser.add_argument(
        "--schema",
        action="store_true",
        help="also time the writer's batch statement with and without its answers",
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
    if args.schema:
        result["writer_statement"] = schema(args.pg)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
