"""What one rate-limit count costs in each store (``collector.access.ratelimit``).

Usage::

    python bench/ratelimit_store.py [--hits 2000] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Prints one JSON document: milliseconds of wall time per ``hit`` of the ``limits``
sliding-window counter (``600 per minute``, 200 client addresses in turn, one
thread) in memory (per process), in the database store on a fresh SQLite file and
on a scratch PostgreSQL database (``collector_bench_limits``, dropped and made
again). Each database count is one write transaction (an upsert and a read).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from limits import parse
from limits.storage import MemoryStorage
from limits.storage import Storage
from limits.strategies import SlidingWindowCounterRateLimiter
from sqlalchemy import create_engine
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collector import create_app
from collector.access.limitstore import DatabaseStorage
from collector.core.db import get_engine


def per_hit(storage: Storage, hits: int) -> float:
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = parse("600 per minute")
    for i in range(50):
        limiter.hit(item, "warm-up", str(i))
    start = time.perf_counter()
    for i in range(hits):
        limiter.hit(item, "RATELIMIT_PUBLIC", f"addr:198.51.100.{i % 200}")
    return round((time.perf_counter() - start) / hits * 1000, 3)


def database_store(url: str) -> DatabaseStorage:
    settings = {"SECRET_KEY": "bench", "DATABASE_URL": url, "PLUGINS_LOAD_ENTRY_POINTS": False}
    return DatabaseStorage(get_engine(create_app(settings)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hits", type=int, default=2000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    result: dict[str, Any] = {"hits": args.hits, "ms_per_hit": {}}
    timings = result["ms_per_hit"]
    timings["memory"] = per_hit(MemoryStorage(), args.hits)
    with tempfile.TemporaryDirectory() as folder:
        timings["sqlite"] = per_hit(database_store(f"sqlite:///{folder}/bench.sqlite"), args.hits)
    admin = create_engine(args.pg.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP DATABASE IF EXISTS collector_bench_limits"))
        conn.execute(text("CREATE DATABASE collector_bench_limits"))
    admin.dispose()
    url = args.pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    store = database_store(f"{url}/collector_bench_limits")
    timings["postgresql"] = per_hit(store, args.hits)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
