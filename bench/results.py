"""How long the results pages take with many responses: cold and warm, SQLite and PostgreSQL.

Usage::

    python bench/results.py [--responses 1000000] [--database sqlite|postgresql|both]
                            [--complaints 20000] [--pg-admin postgresql://postgres@127.0.0.1:5432/postgres]

Seeds (with bulk inserts, not through the web) a ministry with two agencies; the first
has 20 service units and ``--responses`` citizen-satisfaction responses spread over
three years (2023-2025), the second a tenth as many for the ministry comparison; the
first agency gets ``--complaints`` complaint cases over the same years. Then, for each
page, a separate process starts the app, logs in through the login page with the
Flask test client (the analyst for the agency pages, the ministry administrator for
the comparison) and times the page's first request after app start (``cold_s``) and
its second (``warm_s``), with the CPU seconds the process spent on each (``cold_cpu_s``,
``warm_cpu_s``: on a shared machine the wall time includes waiting for a core) and the
load average then; it reports the process's peak resident memory
(``peak_rss_mb``, ``resource.getrusage``), which includes the app's own imports.

Pages: ``results`` (/staff/results, the 2025 H1 wave with its trend section),
``trend`` (the same page's trend section on its own: ``trend_s`` is the section's
build time inside the page, cold), ``comparison`` (/staff/results/agencies) and
``complaint_statistics`` (/staff/cases/statistics); a page named twice is measured
twice, each in its own process. ``kept_sums_before`` counts the sums that earlier
processes stored in ``results_sums`` (0: the process sums every wave itself; ``--clear-kept``
empties the table before each page), ``kept_charts_before`` the charts they drew and kept
(``RESULTS_CHARTS_DIR``: ``charts-<database>`` in the ``--keep`` folder, emptied by a new
seed and by ``--clear-kept``). ``--pg-database`` names the PostgreSQL database (default
``collector_test_results_bench``). Prints one JSON document
``{"pages": [{"page", "database", "responses", "cold_s", "warm_s", ...}, ...]}``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if sys.path and Path(sys.path[0]).resolve() == HERE:
    sys.path[0] = str(ROOT)  # bench/analysis.py would shadow the analysis package
PG_DATABASE = "collector_test_results_bench"
PASSWORD = "bench results password"
ANALYST = "analyst@bench.example.test"
MINISTRY_ADMIN = "ministry@bench.example.test"
SLUG = "citizen-satisfaction"
UNITS = 20
YEARS = (2023, 2024, 2025)
WAVE = "2025H1"
TEMPLATES = 400
"""Distinct answer sets: each response takes one at random (the answers differ by
unit so units differ; what matters here is the number of rows, not their variety)."""

PAGES: dict[str, tuple[str, str]] = {
    "results": (ANALYST, f"/staff/results?wave={WAVE}"),
    "comparison": (MINISTRY_ADMIN, f"/staff/results/agencies?wave={WAVE}"),
    "complaint_statistics": (ANALYST, f"/staff/cases/statistics?wave={WAVE}"),
}


# --------------------------------------------------------------------------------------
# Seeding


def fresh_database(
    kind: str, pg_admin: str, tmp: Path, *, reuse: bool = False, pg_database: str = PG_DATABASE
) -> str:
    """The database's URL; dropped and created anew unless ``reuse`` (then seeded earlier)."""
    if kind == "sqlite":
        path = tmp / f"results-bench-{kind}.sqlite"
        if not reuse:
            path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    if not reuse:
        with psycopg.connect(pg_admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {pg_database} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {pg_database}")
    base = pg_admin.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{pg_database}"


def app_for(url: str, charts: str | None = None) -> Any:
    from collector import create_app

    settings: dict[str, Any] = {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
    }
    if charts:
        settings["RESULTS_CHARTS_DIR"] = charts
    return create_app(settings)


def answer_sets(app: Any, rng: random.Random) -> list[dict[str, Any]]:
    """``TEMPLATES`` valid answer sets as ``Response.answers`` stores them."""
    from collector.answers.submission import check_answers
    from collector.core.db import session_scope
    from collector.core.plugins import get_plugins
    from collector.core.questionnaires import current_version
    from collector.core.questionnaires import definition_of
    from surveys.examples import CITIZEN_ANSWERS

    likert = [k for k, v in CITIZEN_ANSWERS.items() if isinstance(v, int) and k != "recommend"]
    out = []
    with app.app_context(), session_scope(app) as session:
        plugins = get_plugins(app)
        version = current_version(app, session, SLUG)
        assert version is not None, f"{SLUG} is not published"
        q = definition_of(version)
        for i in range(TEMPLATES):
            answers = dict(CITIZEN_ANSWERS)
            lean = rng.random()
            for key in likert:
                answers[key] = min(5, max(1, round(rng.gauss(3.2 + lean, 0.9))))
            answers["recommend"] = rng.randint(0, 10)
            answers["sex"] = rng.choice(["female", "male"])
            answers["age_group"] = rng.choice(["18_29", "30_39", "40_49", "50_64", "65plus"])
            answers["comment"] = f"意見 {i}" if i % 5 == 0 else ""
            clean, errors = check_answers(plugins, q, answers)
            if errors:  # an age group or the like spelled otherwise: keep the example's
                answers.update(sex=CITIZEN_ANSWERS["sex"], age_group=CITIZEN_ANSWERS["age_group"])
                clean, errors = check_answers(plugins, q, answers)
            assert not errors, errors
            stored = {k: plugins.question_type(q, k).to_rows(v) for k, v in clean.items()}
            out.append(json.loads(json.dumps(stored)))
    return out


CHUNK = 50_000
"""Responses written per ``COPY`` (PostgreSQL) or ``executemany`` (SQLite)."""


def written_responses(
    engine: Any,
    postgres: bool,
    version_id: Any,
    agency_ids: list[int],
    unit_ids_of: list[list[Any]],
    encoded: list[str],
    totals: tuple[int, int],
    period: tuple[datetime, float],
) -> int:
    """Writes ``totals`` responses of the two agencies, submitted at random over
    ``period`` (its start, its length in seconds), ids in the order of submission as in
    real use; the columns are drawn with numpy and written through the driver itself
    (``COPY`` text on PostgreSQL, ``executemany`` on SQLite)."""
    import numpy as np

    rng = np.random.default_rng(20261203)
    total = sum(totals)
    agency_of = np.repeat(np.arange(2), totals)
    seconds = rng.random(total) * period[1]
    order = np.argsort(seconds, kind="stable")
    seconds, agency_of = seconds[order], agency_of[order]
    sizes = np.array([len(unit_ids_of[0]), len(unit_ids_of[1])])
    unit_index = np.minimum((rng.random(total) * sizes[agency_of]).astype(np.int64), 99)
    units = [np.array(ids, dtype=np.int64) for ids in unit_ids_of]
    unit_id = np.where(
        agency_of == 0, units[0][unit_index % len(units[0])], units[1][unit_index % len(units[1])]
    )
    template = (unit_index * 7 + rng.integers(0, TEMPLATES // 2, total)) % TEMPLATES
    start = np.datetime64(period[0].replace(tzinfo=None), "us")
    stamps = np.datetime_as_string(start + (seconds * 1e6).astype("timedelta64[us]"), unit="us")
    stamps = np.char.replace(stamps, "T", " ")
    agency = np.array(agency_ids, dtype=np.int64)[agency_of]
    channels = ["qr", "kiosk", "paper", "online"]
    columns = (
        "receipt, questionnaire_version_id, agency_id, unit_id, channel, language, "
        "submitted_at, answers, revision"
    )
    raw = engine.raw_connection()  # the driver itself: COPY on PostgreSQL, executemany on SQLite
    try:
        cursor = raw.cursor()
        if not postgres:
            cursor.execute("PRAGMA synchronous=OFF")  # a benchmark's seed: no fsync per chunk
        # COPY's text format: a backslash starts an escape, so the JSON's own are doubled
        copied = [e.replace("\\", "\\\\") for e in encoded]
        for low in range(0, total, CHUNK):
            high = min(total, low + CHUNK)
            parts = zip(
                range(low, high),
                agency[low:high].tolist(),
                unit_id[low:high].tolist(),
                stamps[low:high].tolist(),
                template[low:high].tolist(),
                strict=True,
            )
            if postgres:
                text = "".join(
                    f"B{i:011d}\t{version_id}\t{a}\t{u}\t{channels[i % 4]}\tzh-Hant-TW\t"
                    f"{t}+00\t{copied[k]}\t1\n"
                    for i, a, u, t, k in parts
                )
                with cursor.copy(f"COPY response ({columns}) FROM STDIN") as copy:
                    copy.write(text)
            else:
                cursor.executemany(
                    f"INSERT INTO response ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            f"B{i:011d}",
                            version_id,
                            a,
                            u,
                            channels[i % 4],
                            "zh-Hant-TW",
                            t,
                            encoded[k],
                            1,
                        )
                        for i, a, u, t, k in parts
                    ],
                )
        raw.commit()
    finally:
        raw.close()
    return total


def seed(url: str, responses: int, complaints: int) -> dict[str, Any]:
    from sqlalchemy import insert

    from collector.access.passwords import hash_password
    from collector.core.db import get_engine
    from collector.core.db import session_scope
    from collector.core.models import Agency
    from collector.core.models import Complaint
    from collector.core.models import ComplaintCategory
    from collector.core.models import QuestionnaireVersion
    from collector.core.models import Unit
    from collector.core.models import User
    from collector.core.questionnaires import current_version

    rng = random.Random(20261203)
    started = time.perf_counter()
    app = app_for(url)
    with session_scope(app) as session:
        ministry = Agency(
            code="bench-ministry", name_zh="測試部", name_en="Bench Ministry", level="ministry"
        )
        session.add(ministry)
        session.flush()
        agencies = [
            Agency(
                code=f"bench-{i}",
                name_zh=f"測試機關{i}",
                name_en=f"Bench Agency {i}",
                parent_id=ministry.id,
            )
            for i in (1, 2)
        ]
        session.add_all(agencies)
        session.flush()
        units = [
            Unit(agency_id=a.id, code=f"u{j:02d}", name_zh=f"櫃台{j}", name_en=f"Counter {j}")  # type: ignore[arg-type]
            for a, count in ((agencies[0], UNITS), (agencies[1], 4))
            for j in range(count)
        ]
        session.add_all(units)
        session.flush()
        with app.app_context():
            hashed = hash_password(PASSWORD, app)
        session.add(
            User(
                email=ANALYST,
                display_name="analyst",
                role="analyst",
                agency_id=agencies[0].id,
                password_hash=hashed,
            )
        )
        session.add(
            User(
                email=MINISTRY_ADMIN,
                display_name="ministry",
                role="ministry_admin",
                agency_id=ministry.id,
                password_hash=hashed,
            )
        )
        agency_ids = [a.id for a in agencies if a.id is not None]
        category = ComplaintCategory(
            agency_id=agency_ids[0], code="general", name_zh="一般", name_en="General"
        )
        session.add(category)
        session.flush()
        unit_ids_of = [[u.id for u in units if u.agency_id == a] for a in agency_ids]
        category_id = category.id
    with app.app_context(), session_scope(app) as session:
        version = current_version(app, session, SLUG)
        assert version is not None, f"{SLUG} is not published"
        version_id = version.id
    templates = answer_sets(app, rng)
    engine = get_engine(app)
    first = datetime(YEARS[0], 1, 1, tzinfo=UTC)
    span = (datetime(YEARS[-1] + 1, 1, 1, tzinfo=UTC) - first).total_seconds()
    second = responses // 10
    n = written_responses(
        engine,
        url.startswith("postgresql"),
        version_id,
        agency_ids,
        unit_ids_of,
        [json.dumps(t, ensure_ascii=False, separators=(",", ":")) for t in templates],
        (responses, second),
        (first, span),
    )
    chunk = 20_000
    with engine.begin() as conn:
        cases: list[dict[str, Any]] = []
        for i in range(complaints):
            received = first + timedelta(seconds=rng.random() * span)
            received_on = received.date()
            due = received_on + timedelta(days=30)
            answered = (
                received_on + timedelta(days=rng.randint(1, 45)) if rng.random() < 0.95 else None
            )
            cases.append(
                {
                    "case_number": f"BENCH{i:08d}",
                    "access_hash": "x",
                    "link_hash": f"{i:064d}",
                    "agency_id": agency_ids[0],
                    "unit_id": unit_ids_of[0][i % UNITS],
                    "category_id": category_id,
                    "subject": "測試",
                    "description": "測試案件",
                    "channel": "online",
                    "language": "zh-Hant-TW",
                    "status": "closed" if answered else "assigned",
                    "received_at": received,
                    "received_on": received_on,
                    "due_on": due,
                    "answered_on": answered,
                    "replied_at": datetime.combine(answered, datetime.min.time(), UTC)
                    if answered
                    else None,
                    "closed_at": datetime.combine(answered, datetime.min.time(), UTC)
                    if answered
                    else None,
                    "outcome": "explained" if answered else None,
                }
            )
        for start in range(0, len(cases), chunk):
            conn.execute(insert(Complaint), cases[start : start + chunk])
    if url.startswith("postgresql"):
        # autocommit: an ANALYZE inside a transaction that is never committed is rolled
        # back with it, and the planner then estimated the table from no statistics
        # (5,500 rows for a million: a bitmap scan of every response for one minimum)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    del QuestionnaireVersion
    return {"seed_s": round(time.perf_counter() - started, 1), "responses": n}


# --------------------------------------------------------------------------------------
# Measuring one page in a fresh process


def login(client: Any, email: str) -> None:
    import re

    page = client.get("/staff/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) or re.search(
        r'type="hidden" name="csrf_token" value="([^"]+)"', page.text
    )
    assert token, "no CSRF token on the login page"
    answer = client.post(
        "/staff/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code in (302, 303), answer.status_code


def kept_sums(app: Any) -> int:
    """Rows of ``results_sums``: sums kept by earlier processes (0: this one sums all)."""
    from sqlalchemy import text

    from collector.core.db import get_engine

    with get_engine(app).connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM results_sums")).scalar_one())


def clear_kept(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy import text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM results_sums"))
    engine.dispose()


def kept_charts(folder: str | None) -> int:
    """Charts drawn by earlier processes and kept in ``folder`` (``RESULTS_CHARTS_DIR``)."""
    if not folder or not Path(folder).is_dir():
        return 0
    return sum(1 for p in Path(folder).rglob("*") if p.suffix in (".svg", ".png"))


def measure(url: str, page: str, charts: str | None = None) -> dict[str, Any]:
    app = app_for(url, charts)
    user, path = PAGES[page]
    client = app.test_client()
    login(client, user)
    out: dict[str, Any] = {
        "page": page,
        "kept_sums_before": kept_sums(app),
        "kept_charts_before": kept_charts(charts),
    }
    for name in ("cold", "warm"):
        started, cpu = time.perf_counter(), time.process_time()
        answer = client.get(path)
        out[f"{name}_s"] = round(time.perf_counter() - started, 3)
        # CPU seconds of this process: on a shared machine the wall time above also
        # holds the time spent waiting for a core.
        out[f"{name}_cpu_s"] = round(time.process_time() - cpu, 3)
        assert answer.status_code == 200, (page, answer.status_code)
    out["load_average"] = os.getloadavg()[0]
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def measure_trend(url: str, charts: str | None = None) -> dict[str, Any]:
    """The trend section alone, as the results page builds it (cold, then warm)."""
    from collector.access.scoped import scoped
    from collector.core.db import get_session
    from collector.core.plugins import get_plugins

    app = app_for(url, charts)
    client = app.test_client()
    login(client, ANALYST)
    out: dict[str, Any] = {"page": "trend", "kept_sums_before": kept_sums(app)}
    timings: list[float] = []
    original: dict[str, Any] = {}
    plugins = get_plugins(app)
    section = plugins.results_sections.items.get("trend")
    assert section is not None, sorted(plugins.results_sections.items)
    original["build"] = section.build

    def timed(self: Any, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return original["build"](self, context)
        finally:
            timings.append(time.perf_counter() - started)

    section.build = timed
    try:
        for _ in range(2):
            assert client.get(PAGES["results"][1]).status_code == 200
    finally:
        section.build = original["build"]
    out["cold_s"], out["warm_s"] = (round(t, 3) for t in timings[:2])
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    del scoped, get_session
    return out


# --------------------------------------------------------------------------------------


def add_seeding_arguments(parser: argparse.ArgumentParser, responses: int) -> None:
    """The options of the seeding this benchmark shares with bench/evidence.py."""
    parser.add_argument("--responses", type=int, default=responses)
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--pg-admin",
        default=os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--keep",
        metavar="FOLDER",
        help="keep the SQLite database in FOLDER (else a temporary folder) for --reuse",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the databases a previous run seeded (--keep FOLDER; PostgreSQL's own)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_seeding_arguments(parser, responses=1_000_000)
    parser.add_argument(
        "--pages",
        default="results,trend,comparison,complaint_statistics",
        help="comma-separated pages to measure",
    )
    parser.add_argument(
        "--clear-kept",
        action="store_true",
        help="empty results_sums and the kept charts before each page (every process "
        "then sums every wave and draws every chart)",
    )
    parser.add_argument(
        "--pg-database",
        default=PG_DATABASE,
        help="the PostgreSQL database to seed and measure (dropped and created unless --reuse)",
    )
    parser.add_argument("--charts", help=argparse.SUPPRESS)  # internal: RESULTS_CHARTS_DIR
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one page, this process
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        result = (
            measure_trend(args.url, args.charts)
            if args.measure == "trend"
            else measure(args.url, args.measure, args.charts)
        )
        print(json.dumps(result))
        return
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    pages: list[dict[str, Any]] = []
    seeding: dict[str, Any] = {}
    if args.reuse and not args.keep and "sqlite" in kinds:
        parser.error("--reuse with SQLite needs --keep FOLDER")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            url = fresh_database(
                kind, args.pg_admin, folder, reuse=args.reuse, pg_database=args.pg_database
            )
            # Drawn charts kept across this run's processes, per database (as
            # RESULTS_CHARTS_DIR is per deployment); emptied with a new seed.
            charts = folder / f"charts-{kind}"
            if not args.reuse:
                shutil.rmtree(charts, ignore_errors=True)
            if not args.reuse:
                seeding[kind] = seed(url, args.responses, args.complaints)
                print(f"{kind}: seeded {seeding[kind]}", file=sys.stderr)
            for page in args.pages.split(","):
                if args.clear_kept:
                    clear_kept(url)
                    shutil.rmtree(charts, ignore_errors=True)
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--measure",
                        page,
                        "--url",
                        url,
                        "--charts",
                        str(charts),
                    ],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    result = {"page": page, "error": done.stderr.strip().splitlines()[-1:]}
                else:
                    result = json.loads(done.stdout.strip().splitlines()[-1])
                result.update(database=kind, responses=args.responses)
                print(json.dumps(result), file=sys.stderr)
                pages.append(result)
    print(
        json.dumps({"pages": pages, "seeding": seeding, "date": date.today().isoformat()}, indent=2)
    )


if __name__ == "__main__":
    main()
