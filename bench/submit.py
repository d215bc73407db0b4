"""Submission throughput: collector under gunicorn on SQLite and PostgreSQL vs a bare Flask app.

Usage::

    python bench/submit.py [--seconds 20] [--warmup 5] [--clients 16]
                           [--databases sqlite,postgresql]

For each database it makes a fresh database (a temporary SQLite file; the
PostgreSQL database ``collector_bench``, dropped and created again), migrates it
and seeds one agency with one unit, starts gunicorn with the project's
recommended settings (``gunicorn.conf.py`` = ``collector.serving.SETTINGS``) on a
free loopback port, and drives ``POST /api/v1/responses`` from a separate
load-generator process: ``--clients`` keep-alive HTTP/1.1 connections, each
sending its next request as soon as the previous answer arrived (closed loop),
every request with its own ``Idempotency-Key`` and a complete citizen-satisfaction
body. After the warm-up, completions are counted for ``--seconds``; then the
clients stop sending, wait for the answers still in flight, and the database is
checked: every acknowledged (201) response stored exactly once, with the receipt
the client was given and all its answers, and nothing stored that was not
acknowledged.

In the same run a bare Flask endpoint (parse the JSON body, answer a small JSON
with 201) is served by gunicorn with the same settings (those collector.serving
recommends for that database: one worker on SQLite, two on PostgreSQL), driven
by the same load generator with the same requests, right before each database,
and each database's throughput is given as a ratio of the bare endpoint's.
Everything is printed as one JSON document.

The load generator is one Python process on asyncio protocols (no HTTP library):
it needs a few tens of microseconds of CPU per request, and its own CPU use is
reported (``loadgen_cpu``, in cores) next to the whole machine's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from surveys.examples import CITIZEN_ANSWERS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PG_DATABASE = "collector_bench"
AGENCY, UNIT = "bench", "counter"

ANSWERS = CITIZEN_ANSWERS


def request_body() -> bytes:
    body = {
        "questionnaire": "citizen-satisfaction",
        "agency": AGENCY,
        "unit": UNIT,
        "channel": "qr",
        "language": "zh-Hant-TW",
        "answers": ANSWERS,
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------------------
# The bare endpoint: what Flask + gunicorn cost with no application work at all.


def bare_app() -> Any:
    """``gunicorn 'submit:bare_app()'``: read the JSON body, answer a small JSON."""
    from flask import Flask
    from flask import jsonify
    from flask import request

    app = Flask("bare")

    @app.post("/api/v1/responses")
    def create() -> Any:
        body = request.get_json(silent=True)
        return jsonify({"receipt": "00000-00000", "ok": isinstance(body, dict)}), 201

    @app.get("/-/health")
    def health() -> Any:
        return jsonify({"status": "ok"})

    return app


# --------------------------------------------------------------------------------------
# The load generator (runs in its own process: ``submit.py --loadgen SPEC``).


class _Client(asyncio.Protocol):
    def __init__(self, gen: _LoadGen, cid: int) -> None:
        self.gen = gen
        self.cid = cid
        self.seq = 0
        self.buf = b""
        self.need = -1
        self.status = 0
        self.t0 = 0.0
        self.key = b""
        self.in_flight = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.send()

    def send(self) -> None:
        gen = self.gen
        if gen.stopping:
            self.in_flight = False
            assert self.transport is not None
            self.transport.close()
            return
        self.seq += 1
        self.key = b"%s-%02d-%08d" % (gen.run, self.cid, self.seq)
        self.in_flight = True
        self.t0 = gen.clock()
        assert self.transport is not None
        self.transport.write(gen.prefix + self.key + gen.suffix)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            buf = self.buf
            if self.need < 0:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = buf[: end + 2].lower()
                self.status = int(head[9:12])
                at = head.find(b"content-length:")
                length = int(head[at + 15 : head.index(b"\r\n", at)]) if at >= 0 else 0
                self.buf = buf = buf[end + 4 :]
                self.need = length
            if len(buf) < self.need:
                return
            body, self.buf = buf[: self.need], buf[self.need :]
            self.need = -1
            self.in_flight = False
            self.gen.done(self, self.status, body)
            self.send()
            if not self.buf:
                return

    def connection_lost(self, exc: Exception | None) -> None:
        gen = self.gen
        if self.in_flight:
            gen.error(f"connection lost: {exc!r}")
            self.in_flight = False
        gen.closed(self)


class _LoadGen:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.clock = time.perf_counter
        self.run = spec["run"].encode()
        body = bytes.fromhex(spec["body"])
        self.prefix = (
            b"POST /api/v1/responses HTTP/1.1\r\nHost: %s\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\nIdempotency-Key: "
            % (f"127.0.0.1:{spec['port']}".encode(), len(body))
        )
        self.suffix = b"\r\n\r\n" + body
        self.stopping = False
        self.measuring = False
        self.latencies: list[float] = []
        self.completed = 0
        self.statuses: dict[str, int] = {}
        self.errors: list[str] = []
        self.acked: dict[str, str] = {}
        self.record = spec.get("record", False)
        self.open = 0
        self.all_closed: asyncio.Future[None] | None = None

    def done(self, client: _Client, status: int, body: bytes) -> None:
        if self.measuring:
            self.latencies.append(self.clock() - client.t0)
            self.completed += 1
        key = str(status)
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if status != 201:
            if len(self.errors) < 20:
                self.errors.append(f"{status}: {body[:200]!r}")
            return
        if self.record:
            at = body.find(b'"receipt":"')
            if at >= 0:
                receipt = body[at + 11 : body.index(b'"', at + 11)].decode()
            else:
                receipt = json.loads(body)["receipt"]
            self.acked[client.key.decode()] = receipt

    def error(self, message: str) -> None:
        self.statuses["connection_error"] = self.statuses.get("connection_error", 0) + 1
        if len(self.errors) < 20:
            self.errors.append(message)

    def closed(self, client: _Client) -> None:
        self.open -= 1
        if self.open == 0 and self.all_closed is not None and not self.all_closed.done():
            self.all_closed.set_result(None)

    async def main(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        self.all_closed = loop.create_future()
        port = self.spec["port"]
        for cid in range(self.spec["clients"]):
            self.open += 1
            await loop.create_connection(lambda cid=cid: _Client(self, cid), "127.0.0.1", port)
            # One at a time, the others already busy: the idlest worker tends to accept
            # the next, as with real traffic, instead of one worker taking most of them.
            await asyncio.sleep(0.02)
        await asyncio.sleep(self.spec["warmup"])
        server, dsn = self.spec.get("server_pid"), self.spec.get("pg_dsn")
        commits0 = _commits(dsn)
        split0 = _cpu_split(server)
        cpu0, stat0, t0 = _own_cpu(), _machine_cpu(), self.clock()
        self.measuring = True
        await asyncio.sleep(self.spec["seconds"])
        self.measuring = False
        t1, cpu1, stat1 = self.clock(), _own_cpu(), _machine_cpu()
        split1, completed = _cpu_split(server), self.completed
        commits1 = _commits(dsn)
        self.stopping = True
        await asyncio.wait_for(self.all_closed, 60)
        elapsed = t1 - t0
        lat = sorted(self.latencies)
        busy = _busy_fraction(stat0, stat1)
        return {
            "requests_per_s": round(self.completed / elapsed, 1),
            "completed_in_window": self.completed,
            "window_s": round(elapsed, 3),
            "p50_ms": round(_pct(lat, 0.50) * 1000, 2),
            "p99_ms": round(_pct(lat, 0.99) * 1000, 2),
            "max_ms": round(lat[-1] * 1000, 2) if lat else None,
            "statuses": self.statuses,
            "errors": sum(v for k, v in self.statuses.items() if k != "201"),
            "error_samples": self.errors,
            "loadgen_cpu_cores": round((cpu1 - cpu0) / elapsed, 3),
            "machine_cpu_busy": round(busy, 3),
            # CPU per completed request, by process: the server's (gunicorn master and
            # workers; and of that, in the kernel), PostgreSQL's (every server
            # process), the load generator's.
            "cpu_us_per_request": {
                "server": _per(split1[0] - split0[0], completed),
                "server_system": _per(split1[1] - split0[1], completed),
                "postgresql": _per(split1[2] - split0[2], completed),
                "load_generator": _per(cpu1 - cpu0, completed),
            },
            # Requests per PostgreSQL transaction committed in the window (the
            # group commit's batch size, give or take a cache-miss read).
            "requests_per_commit": (
                round(completed / (commits1 - commits0), 2)
                if commits0 is not None and commits1 is not None and commits1 > commits0
                else None
            ),
            "acked": self.acked if self.record else None,
        }


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * len(values)))]


def _per(seconds: float, requests: int) -> float | None:
    return round(seconds / requests * 1e6, 1) if requests else None


def _proc_cpu(pid: int) -> tuple[float, float]:
    """CPU seconds (user, system) a process has used; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _cpu_split(server_pid: int | None) -> tuple[float, float, float]:
    """CPU seconds so far of the server's process tree (all, system) and of PostgreSQL."""
    server = server_system = postgres = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(stat.rsplit(")", 1)[1].split()[1])
        if server_pid is not None and server_pid in (pid, ppid):
            user, system = _proc_cpu(pid)
            server += user + system
            server_system += system
        elif cmdline.startswith(b"postgres"):
            postgres += sum(_proc_cpu(pid))
    return server, server_system, postgres


def _commits(dsn: str | None) -> int | None:
    if not dsn:
        return None
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else None


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def _machine_cpu() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields), idle


def _busy_fraction(a: tuple[int, int], b: tuple[int, int]) -> float:
    total, idle = b[0] - a[0], b[1] - a[1]
    return 1 - idle / total if total else float("nan")


def loadgen_main(spec_json: str) -> None:
    result = asyncio.run(_LoadGen(json.loads(spec_json)).main())
    sys.stdout.write(json.dumps(result))


# --------------------------------------------------------------------------------------
# Servers and databases.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(target: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        # bench/ only for the bare app: its other scripts must not shadow packages.
        "--pythonpath",
        str(HERE if target.startswith("submit:") else ROOT),
        target,
    ]
    out = log.open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=1) as s,
        ):
            s.sendall(b"GET /-/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                return proc
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError("gunicorn did not become healthy in 60 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_loadgen(
    port: int,
    args: argparse.Namespace,
    run: str,
    record: bool,
    server_pid: int | None = None,
    pg_dsn: str | None = None,
) -> dict[str, Any]:
    spec = {
        "port": port,
        "server_pid": server_pid,
        "pg_dsn": pg_dsn,
        "clients": args.clients,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "run": run,
        "body": request_body().hex(),
        "record": record,
    }
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--loadgen", json.dumps(spec)],
        check=True,
        capture_output=True,
        text=True,
        timeout=args.seconds + args.warmup + 120,
    )
    return json.loads(out.stdout)


def server_env(database_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("COLLECTOR_SECRET_KEY", "bench-" + secrets.token_hex(8))
    env.setdefault("COLLECTOR_PUBLIC_BASE_URL", "http://127.0.0.1")  # wsgi:app needs one
    env["COLLECTOR_LOG_LEVEL"] = "warning"
    env.pop("COLLECTOR_ACCESS_LOG", None)
    # All the load comes from one loopback address, which the per-address limit on
    # public endpoints (collector.access.ratelimit) exists to stop: measure capacity instead.
    env["COLLECTOR_RATELIMIT_ENABLED"] = "false"
    if database_url:
        env["COLLECTOR_DATABASE_URL"] = database_url
    return env


def fresh_database(kind: str, args: argparse.Namespace, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / f'bench-{secrets.token_hex(4)}.sqlite'}"
    import psycopg

    with psycopg.connect(args.pg_admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    base = args.pg_admin.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{PG_DATABASE}"


def prepare_database(url: str) -> dict[str, Any]:
    """Migrate, publish questionnaires, seed the agency; report the durability settings."""
    from sqlalchemy import text

    from collector import create_app
    from collector.answers.submission import check_answers
    from collector.core.db import get_engine
    from collector.core.db import session_scope
    from collector.core.models import Agency
    from collector.core.models import Unit
    from collector.core.plugins import get_plugins
    from collector.core.questionnaires import current_version
    from collector.core.questionnaires import definition_of

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with session_scope(app) as session:
        agency = Agency(code=AGENCY, name_zh="測試機關", name_en="Bench Agency")
        session.add(agency)
        session.flush()
        session.add(Unit(agency_id=agency.id, code=UNIT, name_zh="櫃台", name_en="Counter"))
    with app.app_context(), session_scope(app) as session:
        plugins = get_plugins(app)
        q = definition_of(current_version(app, session, "citizen-satisfaction"))
        clean, errors = check_answers(plugins, q, ANSWERS)
        assert not errors, errors
        stored = {k: plugins.question_type(q, k).to_rows(v) for k, v in clean.items()}
    # What every stored response's answers must read back as (tuples become lists).
    info: dict[str, Any] = {"expected_answers": json.loads(json.dumps(stored))}
    engine = get_engine(app)
    with engine.connect() as conn:
        if url.startswith("sqlite"):
            info["sqlite_version"] = conn.exec_driver_sql("select sqlite_version()").scalar()
            info["journal_mode"] = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            info["synchronous"] = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[sync]
        else:
            info["server_version"] = conn.execute(text("SHOW server_version")).scalar()
            for name in ("synchronous_commit", "fsync", "wal_sync_method", "commit_delay"):
                info[name] = conn.execute(text(f"SHOW {name}")).scalar()
    info["writer"] = {
        "enabled": app.config["WRITER_ENABLED"],
        "batch_max": app.config["WRITER_BATCH_MAX"],
    }
    engine.dispose()
    return info


def verify(url: str, acked: dict[str, str], expected: dict[str, Any]) -> dict[str, Any]:
    """Every acknowledged response stored exactly once, with its receipt and all its answers."""
    from sqlalchemy import select

    from collector.core.db import make_engine
    from collector.core.models import Response

    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(
            select(Response.idempotency_key, Response.receipt, Response.answers)
        ).all()
    engine.dispose()
    by_key: dict[str, list[str]] = {}
    wrong_answers = 0
    for key, receipt, answers in stored:
        by_key.setdefault(key, []).append(receipt)
        if answers != expected:
            wrong_answers += 1
    receipts = [r for _, r, _ in stored]
    missing = sum(1 for k in acked if k and f"api:{k}" not in by_key)
    wrong_receipt = sum(1 for k, r in acked.items() if by_key.get(f"api:{k}", [r]) != [r])
    duplicated = sum(1 for v in by_key.values() if len(v) > 1)
    unacked = sum(1 for k in by_key if not k or k.removeprefix("api:") not in acked)
    return {
        "acknowledged": len(acked),
        "rows_stored": len(stored),
        "missing": missing,
        "duplicated_keys": duplicated,
        "duplicated_receipts": len(receipts) - len(set(receipts)),
        "wrong_receipt": wrong_receipt,
        "stored_not_acknowledged": unacked,
        "responses_with_wrong_answers": wrong_answers,
        "exactly_once": (
            missing == 0
            and duplicated == 0
            and wrong_receipt == 0
            and unacked == 0
            and wrong_answers == 0
            and len(stored) == len(acked)
            and len(receipts) == len(set(receipts))
        ),
    }


def bench_database(kind: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    url = fresh_database(kind, args, tmp)
    info = prepare_database(url)
    port = free_port()
    proc = start_gunicorn("wsgi:app", port, server_env(url), tmp / f"gunicorn-{kind}.log")
    try:
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1) if kind != "sqlite" else None
        load = run_loadgen(
            port, args, f"{kind}-{secrets.token_hex(4)}", True, server_pid=proc.pid, pg_dsn=dsn
        )
    finally:
        stop(proc)
    acked = load.pop("acked")
    check = verify(url, acked, info.pop("expected_answers"))
    result = {"database": info, "load": load, "check": check}
    if load["errors"]:
        result["server_log_tail"] = _log_tail(tmp / f"gunicorn-{kind}.log")
    return result


def _log_tail(path: Path, lines: int = 60) -> list[str]:
    return path.read_text(errors="replace").splitlines()[-lines:]


def settings_url(kind: str, args: argparse.Namespace) -> str:
    """A URL of the database kind: what the server settings are chosen by."""
    if kind == "sqlite":
        return "sqlite:///bench.sqlite"
    return args.pg_admin.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def gunicorn_settings(database_url: str) -> dict[str, Any]:
    from collector.serving import settings

    return {
        k: v
        for k, v in settings(database_url).items()
        if k not in ("bind", "accesslog", "errorlog") and not callable(v)
    }


def bench_bare(args: argparse.Namespace, tmp: Path, database_url: str) -> dict[str, Any]:
    """The bare endpoint, served with the settings collector would get for that database."""
    port = free_port()
    env = server_env(database_url)  # the bare app ignores it; the settings do not
    proc = start_gunicorn("submit:bare_app()", port, env, tmp / "gunicorn-bare.log")
    try:
        load = run_loadgen(port, args, f"bare-{secrets.token_hex(4)}", False, server_pid=proc.pid)
    finally:
        stop(proc)
    load.pop("acked")
    return {"load": load}


def machine() -> dict[str, Any]:
    import sqlite3

    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite_library": sqlite3.sqlite_version,
    }


def summarise(
    rounds: list[dict[str, Any]], kinds: list[str], targets: dict[str, float]
) -> dict[str, Any]:
    """Per database: the round with the median ratio, and every round's errors and checks."""
    summary: dict[str, Any] = {}
    for kind in kinds:
        runs = sorted(rounds, key=lambda r: r[kind]["ratio_to_bare"])
        median = runs[len(runs) // 2]
        res = median[kind]
        bare = median[f"bare_{kind}"]
        errors = sum(r[kind]["load"]["errors"] for r in rounds)
        exactly_once = all(r[kind]["check"]["exactly_once"] for r in rounds)
        ratio = res["ratio_to_bare"]
        summary[kind] = {
            "submissions_per_s": res["load"]["requests_per_s"],
            "p50_ms": res["load"]["p50_ms"],
            "p99_ms": res["load"]["p99_ms"],
            "bare_requests_per_s": bare["load"]["requests_per_s"],
            "bare_p50_ms": bare["load"]["p50_ms"],
            "bare_p99_ms": bare["load"]["p99_ms"],
            "cpu_us_per_request": res["load"]["cpu_us_per_request"],
            "bare_cpu_us_per_request": bare["load"]["cpu_us_per_request"],
            "requests_per_commit": res["load"]["requests_per_commit"],
            "gunicorn_settings": res["gunicorn_settings"],
            "ratio_to_bare": ratio,
            "ratios_all_rounds": [r[kind]["ratio_to_bare"] for r in rounds],
            "errors_all_rounds": errors,
            "acknowledged_all_rounds": sum(r[kind]["check"]["acknowledged"] for r in rounds),
            "rows_stored_all_rounds": sum(r[kind]["check"]["rows_stored"] for r in rounds),
            "exactly_once_all_rounds": exactly_once,
            "target": targets[kind],
            "met": ratio >= targets[kind] and errors == 0 and exactly_once,
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per target")
    parser.add_argument("--warmup", type=float, default=5, help="seconds before measuring")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--rounds", type=int, default=3, help="bare + each database, this many times (median)"
    )
    parser.add_argument(
        "--pg-admin",
        default=os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL allowed to drop and create the bench database",
    )
    parser.add_argument("--loadgen", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loadgen:
        loadgen_main(args.loadgen)
        return
    # Import the project, not bench/'s siblings (bench/analysis.py is not ``analysis``).
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    result: dict[str, Any] = {
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "clients": args.clients,
        "seconds": args.seconds,
        "warmup_seconds": args.warmup,
        "machine": machine(),
        "targets": {"sqlite": 0.3, "postgresql": 0.5},
    }
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="collector-bench-") as name:
        tmp = Path(name)
        # Each round measures the bare endpoint and then each database, so that every
        # ratio compares runs made minutes apart on the same (possibly shared) machine.
        # The recommended settings depend on the database (collector.serving), so the
        # bare endpoint is measured with each database's settings, right before it.
        for _ in range(args.rounds):
            this: dict[str, Any] = {}
            for kind in kinds:
                url = settings_url(kind, args)
                bare = bench_bare(args, tmp, url)
                res = bench_database(kind, args, tmp)
                bare_rps = bare["load"]["requests_per_s"]
                res["ratio_to_bare"] = round(res["load"]["requests_per_s"] / bare_rps, 3)
                res["gunicorn_settings"] = bare["gunicorn_settings"] = gunicorn_settings(url)
                this[f"bare_{kind}"] = bare
                this[kind] = res
            rounds.append(this)
    result["rounds"] = rounds
    result["summary"] = summarise(rounds, kinds, result["targets"])
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
