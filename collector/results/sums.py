"""Per-stratum sums of answers, computed by the database (``GROUP BY`` agency and unit).

The console's overview and the agencies compared read a wave's responses as sums, not
rows: per agency and service unit (the design's strata) the rows, and per measure the
answered rows, Σy and Σy². ``analysis.strata`` turns them into domain estimates with
design-based standard errors equal to those from the rows, so the pages cost a few
hundred result rows whatever the number of responses.

A measure is a SQL expression over ``response.answers``: one Likert item
(:func:`item`), its top-two-box indicator (:func:`top_two`) or the mean of a
dimension's answered items per respondent (:func:`dimension`), as
``collector.results.views.dimensions`` computes it from rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Generic
from typing import TypeVar

from flask import current_app
from flask import g
from flask import has_request_context
from sqlalchemy import Engine
from sqlalchemy import Float
from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session
from sqlmodel import col

from analysis.strata import StratumCell
from collector.access.guard import unscoped
from collector.access.scoped import scoped
from collector.core import clock
from collector.core.db import WRITE as WRITE_OPTIONS
from collector.core.hooktypes import Actor
from collector.core.models import QuestionnaireVersion
from collector.core.models import Response
from collector.core.models import ResponseRevision
from collector.core.voiding import including_voided
from collector.results.models import KeptSums

log = logging.getLogger(__name__)
WRITE_OPTION = next(iter(WRITE_OPTIONS))

NO_UNIT = -1
"""The stratum of responses taken without a service unit (an agency-wide link)."""


ITEM = "collector_item"
"""The annotation that marks an answer's extraction (:func:`item`) with its key: the sums'
statement extracts each key once per response and reads the marked places from there."""


MEASURE = "collector_measure"
"""The annotation naming what a measure of this module computes (the cache's key needs
no compiling for them)."""


def item(key: str) -> ColumnElement[Any]:
    """The number stored for a question (``answers[key][0][0]``), NULL when unanswered."""
    extracted = cast(col(Response.answers)[(key, 0, 0)].as_float(), Float)
    return extracted._annotate({ITEM: key, MEASURE: ("item", key)})


def choice(key: str) -> ColumnElement[Any]:
    """The text stored for a single choice (``answers[key][0][1]``: what the choice type's
    ``from_rows`` returns), NULL when unanswered."""
    extracted = cast(col(Response.answers)[(key, 0, 1)].as_string(), String)
    return extracted._annotate({ITEM: f"choice:{key}", MEASURE: ("choice", key)})


WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
"""What Python's ``str.strip()`` strips (every such character is below U+3001): a text
answer trimmed of these in SQL (``trim(x, chars)``, SQLite and PostgreSQL) is blank
exactly when Python finds it blank."""


def nonblank(key: str) -> ColumnElement[Any]:
    """1 for a response whose text answer ``key`` is not blank (NULL else): its count is
    the comments a page lists."""
    text = choice(key)
    expression = case((and_(text.is_not(None), func.trim(text, WHITESPACE) != ""), 1.0), else_=None)
    return expression._annotate({MEASURE: ("nonblank", key)})


def channel() -> ColumnElement[Any]:
    """The response's channel (a column of its own, read in the same extraction)."""
    extracted = cast(col(Response.channel), String)
    return extracted._annotate({ITEM: "channel", MEASURE: ("channel",)})


def where_equal(
    value: ColumnElement[Any], group: ColumnElement[Any], level: str | None
) -> ColumnElement[Any]:
    """``value`` in the rows whose ``group`` (:func:`choice`, :func:`channel`) is ``level``
    (None: unanswered), NULL elsewhere: its cells are that group's domain."""
    test = group.is_(None) if level is None else group == level
    expression = case((test, value), else_=None)
    spec = ("where", value._annotations[MEASURE], group._annotations[MEASURE], level)
    return expression._annotate({MEASURE: spec})


def where_other(
    value: ColumnElement[Any], group: ColumnElement[Any], levels: Sequence[str]
) -> ColumnElement[Any]:
    """``value`` in the rows whose ``group`` is answered but none of ``levels``."""
    expression = case((and_(group.is_not(None), group.not_in(list(levels))), value), else_=None)
    spec = ("other", value._annotations[MEASURE], group._annotations[MEASURE], tuple(levels))
    return expression._annotate({MEASURE: spec})


def where_all(value: ColumnElement[Any], keys: Sequence[str]) -> ColumnElement[Any]:
    """``value`` in the rows that answered every one of ``keys`` (NULL elsewhere): its
    sums are over the complete cases of those items (listwise deletion)."""
    complete = and_(*(item(k).is_not(None) for k in keys))
    expression = case((complete, value), else_=None)
    spec = ("complete", value._annotations[MEASURE], tuple(keys))
    return expression._annotate({MEASURE: spec})


def pooled(cells: Sequence[StratumCell]) -> tuple[int, int, float, float]:
    """A measure's (rows, answered, Σ, Σ²) over every stratum."""
    return (
        sum(c.rows for c in cells),
        sum(c.answered for c in cells),
        float(sum(c.total for c in cells)),
        float(sum(c.squares for c in cells)),
    )


def one() -> ColumnElement[Any]:
    """1 for every response: its count is the rows (in :func:`where_equal`, a group's)."""
    return cast(1.0, Float)._annotate({MEASURE: ("one",)})


def top_two(key: str, top: float = 4.0) -> ColumnElement[Any]:
    """1 for an answer in the top two boxes of a 1-5 item, 0 for any other answer."""
    value = item(key)
    indicator = case((value >= top, 1.0), (value.is_not(None), 0.0), else_=None)
    return indicator._annotate({MEASURE: ("top_two", key, top)})


def dimension(keys: Sequence[str]) -> ColumnElement[Any]:
    """Per respondent, the mean of the dimension's items they answered (NULL for none)."""
    values = [item(k) for k in keys]
    answered = sum((case((v.is_not(None), 1.0), else_=0.0) for v in values), cast(0.0, Float))
    total = sum((func.coalesce(v, 0.0) for v in values), cast(0.0, Float))
    mean = case((answered > 0, total / answered), else_=None)
    return mean._annotate({MEASURE: ("dimension", tuple(keys))})


def product(first: ColumnElement[Any], second: ColumnElement[Any]) -> ColumnElement[Any]:
    """The product of two measures of this module: NULL unless both are answered, so its
    count is the rows with both and its sum Σ first·second over them."""
    spec = ("product", first._annotations[MEASURE], second._annotations[MEASURE])
    return (first * second)._annotate({MEASURE: spec})


def given(value: ColumnElement[Any], other: ColumnElement[Any]) -> ColumnElement[Any]:
    """``value`` where ``other`` is answered too (NULL elsewhere): its sum is Σ value over
    the rows with both."""
    expression = case((other.is_not(None), value), else_=None)
    spec = ("given", value._annotations[MEASURE], other._annotations[MEASURE])
    return expression._annotate({MEASURE: spec})


def answered_any(keys: Sequence[str]) -> ColumnElement[Any]:
    """1 for a response that answered at least one of ``keys`` (NULL for none): its count
    is those responses."""
    expression = case((or_(*(item(k).is_not(None) for k in keys)), 1.0), else_=None)
    return expression._annotate({MEASURE: ("any", tuple(keys))})


@dataclass(frozen=True)
class Sums:
    """What one ``GROUP BY`` returned: per (agency, unit) the rows, and per measure its
    stratum cells (stratum: the unit, or (agency, NO_UNIT); domain: the agency)."""

    rows: dict[tuple[int, int], int]
    cells: dict[str, list[StratumCell]]

    def agencies(self) -> dict[int, int]:
        """Responses per agency."""
        out: dict[int, int] = {}
        for (agency, _unit), n in self.rows.items():
            out[agency] = out.get(agency, 0) + n
        return out

    def units(self) -> dict[int, int]:
        """Responses per unit (NO_UNIT for those without one)."""
        out: dict[int, int] = {}
        for (_agency, unit), n in self.rows.items():
            out[unit] = out.get(unit, 0) + n
        return out

    def regrouped(self, domain_of: Mapping[int, Hashable]) -> Sums:
        """The same sums with each agency's cells moved to the domain ``domain_of`` gives
        it (a ministry for a system administrator's comparison); agencies it does not
        name are left out."""
        cells = {
            name: [
                StratumCell(c.stratum, domain_of[c.domain], c.rows, c.answered, c.total, c.squares)  # type: ignore[index]  # domains here are agency ids
                for c in measure
                if c.domain in domain_of
            ]
            for name, measure in self.cells.items()
        }
        rows: dict[tuple[int, int], int] = {}
        for (agency, unit), n in self.rows.items():
            if agency in domain_of:
                key = (int(domain_of[agency]), unit)  # type: ignore[call-overload]  # group ids are ints
                rows[key] = rows.get(key, 0) + n
        return Sums(rows, cells)


def stratum_sums(
    session: Session,
    actor: Actor,
    action: str,
    slug: str,
    measures: Mapping[str, ColumnElement[Any]],
    bounds: tuple[datetime, datetime],
    *,
    agency_ids: Sequence[int] | None = None,
    campaign_id: int | None = None,
) -> Sums:
    """The sums of ``measures`` over the responses to ``slug`` submitted within
    ``bounds`` (UTC, [from, to)) that ``actor`` may read under ``action``."""
    versions = session.execute(
        select(col(QuestionnaireVersion.id)).where(col(QuestionnaireVersion.slug) == slug)
    ).scalars()
    conditions: list[Any] = [
        col(Response.questionnaire_version_id).in_(sorted(versions)),
        col(Response.submitted_at) >= bounds[0],
        col(Response.submitted_at) < bounds[1],
    ]
    if agency_ids is not None:
        conditions.append(col(Response.agency_id).in_(list(agency_ids)))
    if campaign_id is not None:
        conditions.append(col(Response.campaign_id) == campaign_id)
    return cached_sums(
        session, lambda statement: scoped(statement, action, actor), measures, conditions
    )


def _statement(
    measures: Mapping[str, ColumnElement[Any]],
    conditions: Sequence[Any],
    scope: Callable[[Any], Any],
    ids: tuple[int, int] | None = None,
) -> Any:
    """The ``GROUP BY`` of ``measures``, over the responses with an id in ``ids`` (from,
    to] when given.

    Each answer a measure reads (:func:`item`) is extracted once per response, in a
    materialised common table expression, and the sums read it from there: SQLite
    parses a response's JSON again at every extraction (PostgreSQL's ``json`` too), and a
    measure such as a dimension's mean names each item several times.
    """
    keys: dict[str, str] = {}
    extracted: dict[str, Any] = {}

    def collect(element: Any) -> None:
        key = element._annotations.get(ITEM)
        if key is not None and key not in keys:
            keys[key] = f"k{len(keys)}"
            extracted[key] = element

    for expression in measures.values():
        visitors.traverse(expression, {}, {"cast": collect})
    where = [col(Response.voided_at).is_(None), *conditions]
    if ids is not None:
        where += [col(Response.id) > ids[0], col(Response.id) <= ids[1]]
    inner = scope(
        select(
            col(Response.agency_id).label("agency_id"),
            col(Response.unit_id).label("unit_id"),
            *(extracted[key].label(label) for key, label in keys.items()),
        ).where(and_(*where))
    )
    answers = inner.cte("answers").prefix_with("MATERIALIZED")

    def read(element: Any) -> Any:
        key = getattr(element, "_annotations", {}).get(ITEM)
        return answers.c[keys[key]] if key is not None else None

    columns: list[Any] = [answers.c.agency_id, answers.c.unit_id, func.count()]
    for expression in measures.values():
        value = visitors.replacement_traverse(expression, {}, read)  # type: ignore[call-overload]  # typed for statements; any clause element is traversed
        columns += [
            func.count(value),
            func.coalesce(func.sum(value), 0.0),
            func.coalesce(func.sum(value * value), 0.0),
        ]
    outer = select(*columns).group_by(answers.c.agency_id, answers.c.unit_id)
    return unscoped(outer, "sums over the scoped responses of its common table expression")


def _run(session: Session, statement: Any, names: Sequence[str]) -> Sums:
    rows: dict[tuple[int, int], int] = {}
    cells: dict[str, list[StratumCell]] = {name: [] for name in names}
    for record in session.execute(statement).all():
        agency, unit, n = int(record[0]), record[1], int(record[2])
        unit_key = NO_UNIT if unit is None else int(unit)
        rows[(agency, unit_key)] = n
        stratum: Hashable = unit_key if unit is not None else (agency, NO_UNIT)
        for i, name in enumerate(names):
            answered, total, squares = record[3 + 3 * i : 6 + 3 * i]
            cells[name].append(
                StratumCell(stratum, agency, n, int(answered), float(total), float(squares))
            )
    return Sums(rows, cells)


def merged(first: Sums, second: Sums) -> Sums:
    """The sums over the rows of both (disjoint sets of rows): every figure added."""
    rows = dict(first.rows)
    for key, n in second.rows.items():
        rows[key] = rows.get(key, 0) + n
    cells: dict[str, list[StratumCell]] = {}
    for name in first.cells.keys() | second.cells.keys():
        by_key: dict[tuple[Hashable, Hashable], StratumCell] = {}
        for c in [*first.cells.get(name, []), *second.cells.get(name, [])]:
            was = by_key.get((c.stratum, c.domain))
            by_key[(c.stratum, c.domain)] = (
                c
                if was is None
                else StratumCell(
                    c.stratum,
                    c.domain,
                    was.rows + c.rows,
                    was.answered + c.answered,
                    was.total + c.total,
                    was.squares + c.squares,
                )
            )
        cells[name] = list(by_key.values())
    return Sums(rows, cells)


@dataclass
class _Entry:
    settled: int  # the sums cover the responses with an id up to this one
    last_revision: int
    sums: Sums
    stored: float = 0.0  # time.monotonic() when last written to the table (0: never)


def encode(sums: Sums) -> str:
    """``sums`` as the JSON text of a ``results_sums`` row (floats as Python writes them:
    read back, they are the same numbers)."""

    def stratum(value: Hashable) -> Any:
        return list(value) if isinstance(value, tuple) else value

    return json.dumps(
        {
            "rows": [[agency, unit, n] for (agency, unit), n in sums.rows.items()],
            "cells": {
                name: [
                    [stratum(c.stratum), c.domain, c.rows, c.answered, c.total, c.squares]
                    for c in cells
                ]
                for name, cells in sums.cells.items()
            },
        },
        separators=(",", ":"),
    )


def decode(text: str) -> Sums:
    """The sums :func:`encode` wrote."""
    data = json.loads(text)

    def stratum(value: Any) -> Hashable:
        return tuple(value) if isinstance(value, list) else value

    return Sums(
        {(int(a), int(u)): int(n) for a, u, n in data["rows"]},
        {
            name: [
                StratumCell(stratum(h), d, int(r), int(k), float(t), float(q))
                for h, d, r, k, t, q in cells
            ]
            for name, cells in data["cells"].items()
        },
    )


KEPT_WHY = (
    "kept sums are found by the digest of the reader's own scoped statement (its agencies "
    "are in the key), so a row read by key is one the reader may see"
)
STORE_EVERY = 60.0
"""Seconds between writes of an entry that only moved forward (newer settled responses
added): a page asks for a dozen sums, each would be written at every request."""
STORE_WAIT_MS = 200
"""How long storing sums waits for SQLite's write lock before giving up (they are kept
per process anyway; a page never waits for another's write)."""


def load_kept(session: Session, key: str) -> _Entry | None:
    """The sums stored in ``results_sums`` under ``key``, or None."""
    found = session.execute(
        unscoped(
            select(col(KeptSums.settled), col(KeptSums.revision), col(KeptSums.sums)).where(
                col(KeptSums.key) == key
            ),
            KEPT_WHY,
        )
    ).one_or_none()
    if found is None:
        return None
    return _Entry(int(found[0]), int(found[1]), decode(found[2]), time.monotonic())


def store_kept(session: Session, key: str, entry: _Entry) -> bool:
    """Write ``entry`` under ``key`` (and drop the rows of older revisions, which no
    longer hold); False when another writer held the table (nothing changed then).

    Written apart from the page's own transaction (a page only reads; its session is
    rolled back), or inside a savepoint of a session that writes and will commit."""
    statements: list[Any] = [
        delete(KeptSums).where(
            or_(col(KeptSums.key) == key, col(KeptSums.revision) != entry.last_revision)
        ),
        insert(KeptSums).values(
            key=key,
            settled=entry.settled,
            revision=entry.last_revision,
            sums=encode(entry.sums),
            stored_at=clock.utcnow(),
        ),
    ]
    bind = session.get_bind()
    try:
        if isinstance(bind, Engine) and not bind.get_execution_options().get(WRITE_OPTION):
            with bind.connect() as conn:
                waited = None
                if conn.dialect.name == "sqlite":
                    waited = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={STORE_WAIT_MS}")
                try:
                    for statement in statements:
                        conn.execute(statement)
                    conn.commit()
                finally:
                    if waited is not None:
                        conn.rollback()
                        conn.exec_driver_sql(f"PRAGMA busy_timeout={int(waited)}")
                        conn.commit()
        else:
            with session.begin_nested():
                for statement in statements:
                    session.execute(unscoped(statement, KEPT_WHY))
    except (IntegrityError, OperationalError):
        log.info("results sums %s not stored: another writer held the table", key[:12])
        return False
    entry.stored = time.monotonic()
    return True


SETTLE = timedelta(seconds=120)
"""A response stored longer ago than this is settled: every response with a lower id is
committed by then (a write transaction never stays open that long: the workers' timeout
is 30 s), so sums up to its id can be kept. Newer ones are summed at every request."""


T = TypeVar("T")


class Kept(Generic[T]):
    """A small least-recently-used store shared by a process's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, T] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0
        self.deltas = 0
        self.misses = 0
        self.loaded = 0  # entries read from the results_sums table

    def get(self, key: str) -> T | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: T) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


class SumsCache(Kept[_Entry]):
    """Sums already computed, by statement, and the responses they cover.

    Responses are only ever added (a new id) or changed through a revision (a
    correction, voiding or restoring adds a ``response_revision`` row), so an entry
    stays exact while no revision was added: it covers the responses up to a settled id
    (:data:`SETTLE`), and the responses stored since are summed on their own (a
    primary-key range: the last minutes' rows) and added. A new revision anywhere
    recomputes the entry. Kept per application (per database), and written to the
    ``results_sums`` table (:func:`store_kept`), so that a new process (another worker,
    a restart) starts from them instead of summing every wave again (:func:`load_kept`).
    """

    def __init__(self, size: int = 512) -> None:
        super().__init__(size)


def cache_of(app: Any) -> SumsCache:
    """The application's cache of sums (one per app: tests make many databases)."""
    found = app.extensions.get("results_sums")
    if found is None:
        found = app.extensions.setdefault("results_sums", SumsCache())
    return found


def statement_key(session: Session, statement: Any) -> str:
    """A digest of a statement as the database will run it (its SQL and parameters)."""
    compiled = statement.compile(dialect=session.get_bind().dialect)
    params = sorted((k, repr(v)) for k, v in compiled.params.items())
    return hashlib.sha256(f"{compiled}\n{params}".encode()).hexdigest()


def _sums_key(
    session: Session,
    scope: Callable[[Any], Any],
    measures: Mapping[str, ColumnElement[Any]],
    conditions: Sequence[Any],
) -> str:
    """What identifies sums: the responses (the scoped conditions, compiled) and each
    measure (this module's by what they compute, any other compiled)."""
    rows = statement_key(session, scope(select(col(Response.id)).where(*conditions)))
    named = []
    for name, expression in measures.items():
        spec = getattr(expression, "_annotations", {}).get(MEASURE)
        named.append(
            (name, spec if spec is not None else statement_key(session, select(expression)))
        )
    return hashlib.sha256(repr((rows, named)).encode()).hexdigest()


def high_water(session: Session) -> tuple[int, int, int]:
    """(settled, last, revision): the highest id of a response stored before
    :data:`SETTLE` ago, the highest response id and the highest revision id (each read
    from the top of a primary key)."""
    cutoff = clock.now() - SETTLE
    why = "the highest ids, to know whether kept sums still hold (no data read)"
    settled = session.execute(
        unscoped(
            including_voided(
                select(col(Response.id))
                .where(col(Response.submitted_at) < cutoff)
                .order_by(col(Response.id).desc())
                .limit(1)
            ),
            why,
        )
    ).scalar_one_or_none()
    last = session.execute(
        unscoped(including_voided(select(func.max(col(Response.id)))), why)
    ).scalar_one()
    revision = session.execute(
        unscoped(select(func.max(col(ResponseRevision.id))), why)
    ).scalar_one()
    return int(settled or 0), int(last or 0), int(revision or 0)


def high_water_once(session: Session) -> tuple[int, int, int]:
    """:func:`high_water`, read once per request (a page asks for many sums)."""
    if not has_request_context():
        return high_water(session)
    found: tuple[int, int, int] | None = g.get("results_high_water")
    if found is None:
        found = high_water(session)
        g.results_high_water = found
    return found


def cached_sums(
    session: Session,
    scope: Callable[[Any], Any],
    measures: Mapping[str, ColumnElement[Any]],
    conditions: Sequence[Any],
) -> Sums:
    """The per-stratum sums of ``measures`` over the responses matching ``conditions``
    that ``scope`` lets through, from the cache where it still holds them (see
    :class:`SumsCache`), else from one ``GROUP BY``."""
    names = list(measures)

    def between(low: int, high: int) -> Any:
        return _statement(measures, conditions, scope, (low, high))

    cache = cache_of(current_app)
    key = _sums_key(session, scope, measures, conditions)
    settled, last, revision = high_water_once(session)
    entry = cache.get(key)
    if entry is None:
        entry = load_kept(session, key)  # another process's (or an earlier one's)
        if entry is not None:
            cache.loaded += 1
    if entry is None or entry.last_revision != revision or entry.settled > settled:
        cache.misses += 1
        entry = _Entry(settled, revision, _run(session, between(-1, settled), names))
        cache.put(key, entry)
        store_kept(session, key, entry)
    elif entry.settled < settled:
        cache.deltas += 1
        newer = _run(session, between(entry.settled, settled), names)
        stored = entry.stored
        entry = _Entry(settled, revision, merged(entry.sums, newer), stored)
        cache.put(key, entry)
        if time.monotonic() - stored >= STORE_EVERY:
            store_kept(session, key, entry)
    else:
        cache.hits += 1
        cache.put(key, entry)
    if last > settled:
        return merged(entry.sums, _run(session, between(settled, last), names))
    return entry.sums
