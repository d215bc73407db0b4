"""Fault proof: no submission lost or stored twice when the server or its database fails.

Usage::

    python bench/faults.py [--database sqlite|postgresql|both] [--seconds 10]
                           [--scenarios kill-worker,db-restart,write-lock,disk-full,sigterm]
                           [--clients 8] [--allow-db-restart]

For each database it migrates a database once with ``collector db upgrade`` and
seeds one agency and unit; each scenario gets a fresh copy of it (a SQLite file in
a temporary folder; the PostgreSQL database ``collector_faults_<pid>`` made from it
as a template, dropped at the end) and starts gunicorn with the shipped settings (``gunicorn.conf.py``) on a free
loopback port. ``--clients`` threads then submit complete citizen-satisfaction
responses to ``POST /api/v1/responses``, each with its own ``Idempotency-Key``,
retrying a refused, dropped, timed-out or 5xx request with the same key (honouring
``Retry-After``, else with exponential back-off) until it is acknowledged or, after
the scenario, a drain deadline passes. A quarter of the way in, the fault is
injected:

- ``kill-worker``: SIGKILL to one gunicorn worker (the master forks another);
- ``db-restart``: PostgreSQL restarted (``pg_ctlcluster ... restart``, only as root
  with ``--allow-db-restart``: it disturbs every other user of the server), else
  the app's connections terminated with ``pg_terminate_backend``, six times half
  a second apart, which is what the app sees of a restart; SQLite has no server;
- ``write-lock``: another connection holds the write lock longer than a submission
  waits for it on SQLite (twice the busy timeout and 3 s: the writer retries a
  failed batch one response at a time); on PostgreSQL, as long, ``LOCK TABLE
  response IN EXCLUSIVE MODE``;
- ``disk-full``: the SQLite file (PostgreSQL: the ``response`` table, through a
  tablespace) on a small tmpfs (else loop-mounted ext4) file system, filled to the
  last byte by another file for a few seconds; skipped when it cannot be mounted;
- ``sigterm``: SIGTERM to the gunicorn master (graceful stop), then gunicorn started
  again on the same port while the clients keep retrying.

Then it counts, from the client: requests, acknowledged, failed (and of what kind:
``503 Retry-After``, ``500``, ``refused``, ...), and from the database: stored,
duplicates (a key stored twice, or a row with a key no client sent), lost (an
acknowledged key with no row, or with another receipt than the client was given).
One JSON object per scenario and database is printed as a line when it is done,
then a summary line.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import http.client
import importlib.util
import json
import os
import pwd
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PATH = "/api/v1/responses"
SCENARIOS = ("kill-worker", "db-restart", "write-lock", "disk-full", "sigterm")
KEY_PREFIX = "api:"  # how the API stores an Idempotency-Key (collector.answers)


def _submit_module() -> ModuleType:
    """bench/submit.py: the request body, gunicorn start and stop, the seeding."""
    spec = importlib.util.spec_from_file_location("bench_submit", HERE / "submit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------
# The client: threads that retry with the same key until acknowledged.


@dataclass
class KeyRecord:
    """What one Idempotency-Key went through, as the client saw it."""

    key: str
    attempts: int = 0
    receipt: str | None = None  # set once acknowledged
    replayed: bool = False  # acknowledged as a replay of an earlier, stored attempt
    failures: list[str] = field(default_factory=list)  # one outcome per failed attempt
    rejected: str | None = None  # a 4xx that retrying cannot change
    gave_up: bool = False  # the drain deadline passed first


def outcome_of(status: int, retry_after: str | None) -> str:
    """How a failed answer is counted: ``503 Retry-After`` and ``503`` apart."""
    return f"{status} Retry-After" if retry_after is not None else str(status)


def retry_delay(retry_after: str | None, backoff: float, cap: float = 5.0) -> float:
    """Seconds to wait: the server's Retry-After (in seconds) if it gave one, else back-off."""
    if retry_after is not None:
        with contextlib.suppress(ValueError):
            return min(max(float(retry_after), 0.0), cap)
    return backoff * random.uniform(0.5, 1.5)


class Client:
    """``threads`` submitters; each sends one key at a time until it is acknowledged."""

    def __init__(
        self, port: int, body: bytes, prefix: str, threads: int, timeout: float = 15.0
    ) -> None:
        self.port = port
        self.body = body
        self.prefix = prefix
        self.timeout = timeout
        self.records: list[KeyRecord] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._deadline: float | None = None
        self._threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, drain_seconds: float) -> None:
        """No new keys; the keys in flight get ``drain_seconds`` to be acknowledged."""
        self._deadline = time.monotonic() + drain_seconds
        self._stopping.set()
        for thread in self._threads:
            thread.join(drain_seconds + self.timeout + 10)

    def _run(self, tid: int) -> None:
        conn: http.client.HTTPConnection | None = None
        n = 0
        while not self._stopping.is_set():
            n += 1
            record = KeyRecord(f"{self.prefix}-{tid:02d}-{n:06d}")
            with self._lock:
                self.records.append(record)
            conn = self.submit(record, conn)
        if conn is not None:
            conn.close()

    def submit(
        self, record: KeyRecord, conn: http.client.HTTPConnection | None
    ) -> http.client.HTTPConnection | None:
        """Send ``record``'s key until acknowledged, rejected or past the deadline."""
        headers = {"Content-Type": "application/json", "Idempotency-Key": record.key}
        backoff = 0.05
        while True:
            if self._deadline is not None and time.monotonic() > self._deadline:
                record.gave_up = True
                return conn
            record.attempts += 1
            retry_after = None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                conn.request("POST", PATH, self.body, headers)
                response = conn.getresponse()
                data = response.read()
                if response.will_close:
                    conn.close()
                    conn = None
            except TimeoutError:
                outcome = "timeout"
            except ConnectionRefusedError:
                outcome = "refused"
            except (ConnectionError, http.client.HTTPException):
                outcome = "disconnected"  # reset, broken pipe, closed before the answer
            except OSError as exc:
                outcome = errno.errorcode.get(exc.errno or 0, "os error")
            else:
                status = response.status
                if status in (200, 201):
                    record.receipt = json.loads(data)["receipt"]
                    record.replayed = response.getheader("Idempotent-Replayed") == "true"
                    return conn
                retry_after = response.getheader("Retry-After")
                outcome = outcome_of(status, retry_after)
                if status < 500 and status not in (408, 429):
                    record.failures.append(outcome)
                    record.rejected = f"{outcome}: {data[:200].decode(errors='replace')}"
                    return conn
            if conn is not None and retry_after is None:
                conn.close()  # after a dropped or failed request, start afresh
                conn = None
            record.failures.append(outcome)
            time.sleep(retry_delay(retry_after, backoff))
            backoff = min(backoff * 2, 2.0)


# --------------------------------------------------------------------------------------
# Counting: what the client was told against what the database holds.


def count(records: Iterable[KeyRecord], rows: Iterable[tuple[str | None, str]]) -> dict[str, Any]:
    """The scenario's figures from the client's records and the stored (key, receipt) rows.

    ``duplicates``: rows beyond the first of a key, and rows with a key no client sent.
    ``lost``: acknowledged keys with no row, or whose row has another receipt than the
    one the client was given. A key the client gave up on may be stored or not: it
    was never acknowledged, so either is correct (``stored_unacknowledged``).
    """
    records = list(records)
    stored: dict[str, list[str]] = {}
    foreign = 0
    n_rows = 0
    for key, receipt in rows:
        n_rows += 1
        if key is None or not key.startswith(KEY_PREFIX):
            foreign += 1
            continue
        stored.setdefault(key.removeprefix(KEY_PREFIX), []).append(receipt)
    sent = {r.key for r in records}
    foreign += sum(len(v) for k, v in stored.items() if k not in sent)
    acked = [r for r in records if r.receipt is not None]
    missing = sum(1 for r in acked if r.key not in stored)
    wrong_receipt = sum(1 for r in acked if r.key in stored and r.receipt not in stored[r.key])
    lost = missing + wrong_receipt
    failures = Counter(f for r in records for f in r.failures)
    failed = sum(failures.values())
    with_retry_after = sum(n for kind, n in failures.items() if kind == "503 Retry-After")
    http_failures = sum(n for kind, n in failures.items() if kind[:1].isdigit())
    duplicates = sum(len(v) - 1 for k, v in stored.items() if k in sent) + foreign
    return {
        "requests": sum(r.attempts for r in records),
        "keys": len(records),
        "acknowledged": len(acked),
        "acknowledged_as_replay": sum(1 for r in acked if r.replayed),
        "failed": failed,
        "failures": dict(sorted(failures.items())),
        "http_failures": http_failures,
        "http_failures_503_retry_after": with_retry_after,
        "rejected": sum(1 for r in records if r.rejected),
        "gave_up": sum(1 for r in records if r.gave_up),
        "stored": n_rows,
        "stored_unacknowledged": sum(1 for r in records if r.receipt is None and r.key in stored),
        "duplicates": duplicates,
        "lost": lost,
        "ok": duplicates == 0 and lost == 0,
    }


# --------------------------------------------------------------------------------------
# Databases and servers.


def admin_dsn(args: argparse.Namespace) -> str:
    return str(args.pg_admin)


def pg_name() -> str:
    return f"collector_faults_{os.getpid()}"


def pg_url(args: argparse.Namespace, database: str) -> str:
    base = admin_dsn(args).rsplit("/", 1)[0]
    return base.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + database


def pg_execute(dsn: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@dataclass
class Stage:
    """One scenario's running system: what a fault acts on."""

    kind: str
    url: str
    port: int
    env: dict[str, str]
    log: Path
    args: argparse.Namespace
    submit: ModuleType
    proc: subprocess.Popen[bytes] | None = None
    disk: Path | None = None  # the small file system, when the scenario has one

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    @property
    def dsn(self) -> str:
        return self.url.replace("postgresql+psycopg://", "postgresql://", 1)

    def start(self) -> None:
        """gunicorn with the shipped settings, once all its workers are forked."""
        from collector.serving import settings

        self.proc = self.submit.start_gunicorn("wsgi:app", self.port, self.env, self.log)
        expected = int(str(settings(self.url)["workers"]))
        deadline = time.monotonic() + 30
        while len(self.workers()) < expected and time.monotonic() < deadline:
            time.sleep(0.1)

    def workers(self) -> list[int]:
        assert self.proc is not None
        return children(self.proc.pid)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def migrate(url: str, env: dict[str, str]) -> None:
    """The project's own command, as a site would run it."""
    subprocess.run(
        [str(Path(sys.executable).with_name("collector")), "db", "upgrade"],
        cwd=ROOT,
        env={**env, "COLLECTOR_DATABASE_URL": url},
        check=True,
        capture_output=True,
    )


def stored_rows(url: str) -> list[tuple[str | None, str]]:
    from collector.core.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT idempotency_key, receipt FROM response").all()
    finally:
        engine.dispose()
    return [(key, receipt) for key, receipt in rows]


@contextlib.contextmanager
def small_disk(megabytes: int) -> Iterator[tuple[Path | None, str]]:
    """A small file system of its own (tmpfs, else loop-mounted ext4), or why there is none."""
    if os.geteuid() != 0:
        yield None, "mounting a file system needs root"
        return
    # Outside the 0700 temporary folder: PostgreSQL's own user must reach a tablespace.
    mount = Path(tempfile.mkdtemp(prefix="collector-faults-disk-"))
    mount.chmod(0o755)
    image = mount.with_suffix(".img")
    how = None
    tmpfs = ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=755", "tmpfs", str(mount)]
    if subprocess.run(tmpfs, capture_output=True).returncode == 0:
        how = "tmpfs"
    else:
        with image.open("wb") as fh:
            fh.truncate(megabytes * 1024 * 1024)
        made = subprocess.run(["mkfs.ext4", "-q", "-m", "0", str(image)], capture_output=True)
        loop = ["mount", "-o", "loop", str(image), str(mount)]
        if made.returncode == 0 and subprocess.run(loop, capture_output=True).returncode == 0:
            how = "loop ext4"
    try:
        yield (mount, how) if how else (None, "neither tmpfs nor a loop device could be mounted")
    finally:
        if how:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        image.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            mount.rmdir()


def fill(path: Path) -> int:
    """Write ``path`` until the file system is full; the bytes written."""
    written = 0
    chunk = b"\0" * (64 * 1024)
    with path.open("wb", buffering=0) as fh:
        while True:
            try:
                written += fh.write(chunk) or 0
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                if len(chunk) == 1:
                    return written
                chunk = chunk[: len(chunk) // 2]


# --------------------------------------------------------------------------------------
# The faults. Each acts on the running stage and returns what it did.


def kill_worker(stage: Stage) -> dict[str, Any]:
    assert stage.proc is not None
    before = stage.workers()
    os.kill(before[0], signal.SIGKILL)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 30:
        now = stage.workers()
        if len(now) == len(before) and before[0] not in now:
            break
        time.sleep(0.05)
    return {
        "killed": "a worker (SIGKILL)",
        "workers": len(before),
        "respawned_after_s": round(time.monotonic() - t0, 2),
    }


def db_restart(stage: Stage) -> dict[str, Any]:
    if stage.kind == "sqlite":
        return {"skipped": "SQLite has no server to restart"}
    if stage.args.allow_db_restart and os.geteuid() == 0:
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        t0 = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            check=True,
            capture_output=True,
        )
        return {"method": "pg_ctlcluster restart", "took_s": round(time.monotonic() - t0, 2)}
    import psycopg

    terminated = 0
    with psycopg.connect(admin_dsn(stage.args), autocommit=True) as conn:
        for _ in range(6):
            row = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (pg_name(),),
            ).fetchone()
            terminated += int(row[0]) if row else 0
            time.sleep(0.5)
    return {
        "method": "pg_terminate_backend of the app's connections, 6 times, 0.5 s apart",
        "terminated": terminated,
    }


def write_lock(stage: Stage) -> dict[str, Any]:
    if stage.kind == "sqlite":
        import sqlite3

        conn = sqlite3.connect(stage.sqlite_path, isolation_level=None)
        try:
            busy_ms = busy_timeout_ms()
            held = lock_seconds(busy_ms)
            conn.execute("BEGIN IMMEDIATE")
            time.sleep(held)
            conn.execute("ROLLBACK")
        finally:
            conn.close()
        return {
            "method": "BEGIN IMMEDIATE in another connection",
            "busy_timeout_s": busy_ms / 1000,
            "held_s": held,
        }
    import psycopg

    held = lock_seconds(busy_timeout_ms())  # as long as on SQLite
    with psycopg.connect(stage.dsn) as holder:
        holder.execute("LOCK TABLE response IN EXCLUSIVE MODE")
        time.sleep(held)
        holder.rollback()
    return {"method": "LOCK TABLE response IN EXCLUSIVE MODE in another connection", "held_s": held}


def lock_seconds(busy_timeout_ms: int) -> float:
    """Longer than a submission waits for the lock on SQLite: a batch gives up after the busy
    timeout and the writer then retries each response alone, waiting as long again."""
    return 2 * busy_timeout_ms / 1000 + 3


def busy_timeout_ms() -> int:
    """The busy timeout the app sets on its SQLite connections (collector.core.db)."""
    from collector.core.db import SQLITE_PRAGMAS

    for pragma in SQLITE_PRAGMAS:
        name, _, value = pragma.removeprefix("PRAGMA ").partition("=")
        if name.strip() == "busy_timeout":
            return int(value)
    return 0


def disk_full(stage: Stage) -> dict[str, Any]:
    assert stage.disk is not None
    filler = stage.disk / "filler"
    held = 5.0
    written = fill(filler)
    time.sleep(held)
    filler.unlink()
    return {"filled_bytes": written, "held_s": held}


def sigterm(stage: Stage) -> dict[str, Any]:
    assert stage.proc is not None
    t0 = time.monotonic()
    stage.proc.send_signal(signal.SIGTERM)
    code = stage.proc.wait(60)
    stopped = time.monotonic() - t0
    stage.start()
    return {
        "master_exit_code": code,
        "stopped_after_s": round(stopped, 2),
        "serving_again_after_s": round(time.monotonic() - t0, 2),
    }


FAULTS: dict[str, Callable[[Stage], dict[str, Any]]] = {
    "kill-worker": kill_worker,
    "db-restart": db_restart,
    "write-lock": write_lock,
    "disk-full": disk_full,
    "sigterm": sigterm,
}


# --------------------------------------------------------------------------------------
# A scenario from start to count.


@dataclass
class Template:
    """A database migrated (by ``collector db upgrade``) and seeded once, copied per scenario."""

    kind: str
    location: str  # the SQLite file, or the PostgreSQL template database's name
    settings: dict[str, Any]


def make_template(kind: str, args: argparse.Namespace, tmp: Path, submit: ModuleType) -> Template:
    if kind == "sqlite":
        location = str(tmp / "template.sqlite")
        url = f"sqlite:///{location}"
    else:
        location = f"{pg_name()}_template"
        pg_execute(
            admin_dsn(args),
            f"DROP DATABASE IF EXISTS {location} WITH (FORCE)",
            f"CREATE DATABASE {location}",
        )
        url = pg_url(args, location)
    migrate(url, submit.server_env(None))
    settings = submit.prepare_database(url)  # seeds the agency and unit the body names
    settings.pop("expected_answers", None)
    return Template(kind, location, settings)


def drop_template(template: Template, args: argparse.Namespace) -> None:
    if template.kind != "sqlite":
        pg_execute(admin_dsn(args), f"DROP DATABASE IF EXISTS {template.location} WITH (FORCE)")


def copy_template(template: Template, args: argparse.Namespace, folder: Path, name: str) -> str:
    """A fresh copy of the template for one scenario; its URL."""
    if template.kind == "sqlite":
        target = folder / f"faults-{name}.sqlite"
        shutil.copyfile(template.location, target)  # closed cleanly: no -wal file
        return f"sqlite:///{target}"
    pg_execute(
        admin_dsn(args),
        f"DROP DATABASE IF EXISTS {pg_name()} WITH (FORCE)",
        f"CREATE DATABASE {pg_name()} TEMPLATE {template.location}",
    )
    return pg_url(args, pg_name())


def run_scenario(
    template: Template, name: str, args: argparse.Namespace, tmp: Path, submit: ModuleType
) -> dict[str, Any]:
    kind = template.kind
    result: dict[str, Any] = {"database": kind, "scenario": name}
    if name == "db-restart" and kind == "sqlite":
        return {**result, "skipped": "SQLite has no server to restart"}
    if name != "disk-full":
        return {**result, **_staged(template, name, args, tmp, submit, None)}
    disk_mb = 64
    with small_disk(disk_mb) as (disk, how):
        if disk is None:
            return {**result, "skipped": how}
        result["file_system"] = f"{how}, {disk_mb} MB"
        return {**result, **_staged(template, name, args, tmp, submit, disk)}


def _staged(
    template: Template,
    name: str,
    args: argparse.Namespace,
    tmp: Path,
    submit: ModuleType,
    disk: Path | None,
) -> dict[str, Any]:
    kind = template.kind
    env = submit.server_env(None)
    env["COLLECTOR_MAIL_OUTBOX_DIR"] = str(tmp / "outbox")
    tablespace = f"{pg_name()}_disk"
    url = copy_template(template, args, disk if disk is not None else tmp, name)
    env["COLLECTOR_DATABASE_URL"] = url
    stage = Stage(kind, url, submit.free_port(), env, tmp / f"{kind}-{name}.log", args, submit)
    stage.disk = disk
    try:
        if kind != "sqlite" and disk is not None:
            # The response table on the small file system (its WAL stays on the server's disk).
            space = disk / "pg"
            space.mkdir()
            postgres = pwd.getpwnam("postgres")
            os.chown(space, postgres.pw_uid, postgres.pw_gid)
            pg_execute(admin_dsn(args), f"CREATE TABLESPACE {tablespace} LOCATION '{space}'")
            pg_execute(stage.dsn, f"ALTER TABLE response SET TABLESPACE {tablespace}")
        stage.start()
        assert stage.proc is not None
        workers = len(stage.workers())
        client = Client(stage.port, submit.request_body(), f"{kind}-{name}", args.clients)
        t0 = time.monotonic()
        client.start()
        time.sleep(args.seconds / 4)
        fault = FAULTS[name](stage)
        time.sleep(max(0.0, args.seconds - (time.monotonic() - t0)))
        client.stop(args.drain)
        elapsed = time.monotonic() - t0
        submit.stop(stage.proc)
        counts = count(client.records, stored_rows(url))
        out: dict[str, Any] = {
            "fault": fault,
            "seconds": round(elapsed, 1),
            "workers": workers,
            "database_settings": template.settings,
            **counts,
        }
        if counts["failed"] or not counts["ok"]:
            out["server_log_tail"] = submit._log_tail(stage.log, 15)
        return out
    finally:
        if stage.proc is not None:
            submit.stop(stage.proc)
        if kind != "sqlite":
            pg_execute(admin_dsn(args), f"DROP DATABASE IF EXISTS {pg_name()} WITH (FORCE)")
            if disk is not None:
                pg_execute(admin_dsn(args), f"DROP TABLESPACE IF EXISTS {tablespace}")


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    ran = [r for r in results if "skipped" not in r]
    failures: Counter[str] = Counter()
    for r in ran:
        failures.update(r["failures"])
    return {
        "summary": True,
        "scenarios_run": len(ran),
        "skipped": [
            f"{r['database']} {r['scenario']}: {r['skipped']}" for r in results if "skipped" in r
        ],
        "requests": sum(r["requests"] for r in ran),
        "acknowledged": sum(r["acknowledged"] for r in ran),
        "failed": sum(r["failed"] for r in ran),
        "failures": dict(sorted(failures.items())),
        "duplicates": sum(r["duplicates"] for r in ran),
        "lost": sum(r["lost"] for r in ran),
        "gave_up": sum(r["gave_up"] for r in ran),
        "all_http_failures_503_retry_after": all(
            r["http_failures"] == r["http_failures_503_retry_after"] for r in ran
        ),
        "ok": all(r["ok"] for r in ran),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of {SCENARIOS}"
    )
    parser.add_argument("--seconds", type=float, default=10, help="submitting, per scenario")
    parser.add_argument(
        "--drain", type=float, default=60, help="seconds the keys in flight then get"
    )
    parser.add_argument("--clients", type=int, default=8, help="submitting threads")
    parser.add_argument(
        "--allow-db-restart",
        action="store_true",
        help="restart PostgreSQL itself (as root): disturbs every other user of the server",
    )
    parser.add_argument(
        "--pg-admin",
        default=os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL allowed to create and drop databases and tablespaces",
    )
    args = parser.parse_args()
    names = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(unknown)}")
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    # Import the project, not bench/'s siblings (bench/analysis.py is not ``analysis``).
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]
    submit = _submit_module()
    results = []
    with tempfile.TemporaryDirectory(prefix="collector-faults-") as name:
        for kind in kinds:
            template = make_template(kind, args, Path(name), submit)
            try:
                for scenario in names:
                    result = run_scenario(template, scenario, args, Path(name), submit)
                    results.append(result)
                    print(json.dumps(result, ensure_ascii=False), flush=True)
            finally:
                drop_template(template, args)
    summary = summarise(results)
    summary["command"] = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    summary["machine"] = submit.machine()
    print(json.dumps(summary, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
