"""The sums path: a wave's satisfaction from per-stratum sums equals the design of its
rows (``estimation.design_for`` + ``satisfaction``) to 1e-12, and the cached sums follow
new, corrected and voided responses."""

from __future__ import annotations

import math
from collections.abc import Hashable
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.sql.util import find_tables

from analysis.strata import StratumCell
from collector.core.clock import utcnow
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Response
from collector.core.models import ResponseRevision
from collector.core.plugins import get_plugins
from collector.results.estimation import Satisfaction
from collector.results.estimation import design_for
from collector.results.estimation import interval
from collector.results.estimation import satisfaction
from collector.results.models import KeptSums
from collector.results.summary import measures_for
from collector.results.summary import satisfaction_from_sums
from collector.results.sums import NO_UNIT
from collector.results.sums import Sums
from collector.results.sums import cache_of
from collector.results.sums import decode
from collector.results.sums import encode
from collector.results.sums import merged
from collector.results.wavedata import WaveReader
from collector.results.waves import period
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.staff import Clock

KEY = "q"


def sums_of(frame: pd.DataFrame, unit_of: dict[str, int]) -> Sums:
    """What the database's ``GROUP BY`` returns for ``frame``, summed in Python."""
    rows: dict[tuple[int, int], int] = {}
    cells: dict[str, list[StratumCell]] = {f"top:{KEY}": [], f"item:{KEY}": []}
    for key, group in frame.groupby("agency_unit"):
        unit = unit_of[str(key)]
        rows[(1, unit)] = len(group)
        y = group[KEY].dropna().astype(float)
        top = (y >= 4).astype(float)
        stratum: Hashable = unit if unit != NO_UNIT else (1, NO_UNIT)
        cells[f"item:{KEY}"].append(
            StratumCell(stratum, 1, len(group), len(y), float(y.sum()), float((y * y).sum()))
        )
        cells[f"top:{KEY}"].append(
            StratumCell(stratum, 1, len(group), len(y), float(top.sum()), float(top.sum()))
        )
    return Sums(rows, cells)


def assert_same(a: Satisfaction | None, b: Satisfaction | None) -> None:
    assert a is not None and b is not None
    assert a.n == b.n
    for x, y in ((a.share, b.share), (a.score, b.score)):
        assert x.estimate == pytest.approx(y.estimate, abs=1e-12)
        assert x.se == pytest.approx(y.se, abs=1e-12)
        assert x.df == y.df
        for u, v in zip(interval(x), interval(y), strict=True):
            assert u == pytest.approx(v, abs=1e-12)


@pytest.mark.parametrize("fpc", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sums_give_the_rows_design_estimates(seed: int, fpc: bool) -> None:
    rng = np.random.default_rng(seed)
    strata = ["a/u1", "a/u2", "a/u3", "a/-", "a/u5"]
    sizes = [40, 17, 9, 5, 1]  # a stratum of one row: lonely, centred ("adjust")
    stratum_col = [s for s, n in zip(strata, sizes, strict=True) for _ in range(n)]
    values = rng.integers(1, 6, len(stratum_col)).astype(float)
    values[rng.random(len(values)) < 0.2] = math.nan  # "not applicable": kept in the domain
    frame = pd.DataFrame({"agency_unit": stratum_col, KEY: values})
    units = {"a/u1": 1, "a/u2": 2, "a/u3": 3, "a/-": NO_UNIT, "a/u5": 5}
    populations = {s: n * 7 for s, n in zip(strata, sizes, strict=True)} if fpc else {}
    design = design_for(frame, [KEY], populations)
    assert design is not None and design.fpc == fpc
    rows = satisfaction(design.survey, KEY)
    sums = satisfaction_from_sums(
        sums_of(frame, units),
        KEY,
        {1: "a"},
        {1: "u1", 2: "u2", 3: "u3", 5: "u5"},
        populations,
    )
    assert_same(sums, rows)


def test_a_population_smaller_than_a_stratum_means_no_fpc_as_from_rows() -> None:
    frame = pd.DataFrame({"agency_unit": ["a/u1"] * 6 + ["a/u2"] * 6, KEY: [1, 2, 4, 5, 5, 3] * 2})
    populations = {"a/u1": 100, "a/u2": 3}
    design = design_for(frame, [KEY], populations)
    assert design is not None and not design.fpc
    got = satisfaction_from_sums(
        sums_of(frame, {"a/u1": 1, "a/u2": 2}), KEY, {1: "a"}, {1: "u1", 2: "u2"}, populations
    )
    assert_same(got, satisfaction(design.survey, KEY))


def test_merged_sums_add_up() -> None:
    frame = pd.DataFrame({"agency_unit": ["a/u1"] * 8 + ["a/u2"] * 4, KEY: [1, 2, 4, 5] * 3})
    units = {"a/u1": 1, "a/u2": 2}
    whole = sums_of(frame, units)
    parts = merged(sums_of(frame.iloc[:5], units), sums_of(frame.iloc[5:], units))
    assert parts.rows == whole.rows
    for name in whole.cells:
        assert sorted(parts.cells[name], key=str) == sorted(whole.cells[name], key=str)


def reader_figures(app: Flask) -> tuple[Satisfaction | None, Satisfaction | None]:
    """The wave's headline from the cached sums and from the design of its rows."""
    key = "env_facilities"  # "not applicable" unless set
    with app.test_request_context(), session_scope(app) as session:
        alpha = session.execute(select(Agency.id).where(Agency.code == "alpha")).scalar_one()

        def scope(statement: Any) -> Any:  # alpha's responses (other tables left as they are)
            reading = Response.__table__ in find_tables(statement, check_columns=True)
            return statement.where(Response.agency_id == alpha) if reading else statement

        reader = WaveReader(session, get_plugins(app), SLUG, scope)
        extent = reader.extent()
        assert extent is not None
        wave = period("half", extent[1])
        agencies, units = reader.codes()
        from_sums = satisfaction_from_sums(
            reader.sums(wave, measures_for(key)), key, agencies, units
        )
        design = design_for(reader.frame(wave), [key])
        from_rows = satisfaction(design.survey, key) if design is not None else None
    return from_sums, from_rows


def test_cached_sums_follow_new_corrected_and_voided_responses(
    staff_app: Flask, clock: Clock
) -> None:
    clock.now = utcnow()  # responses are stored at the real time
    add_responses(staff_app, "alpha", "c1", 9, days_ago=1, env_facilities=5)
    add_responses(staff_app, "alpha", "c2", 6, days_ago=1, env_facilities=2)
    add_responses(staff_app, "alpha", None, 3, days_ago=1)
    add_responses(staff_app, "beta", "c1", 7, days_ago=1, env_facilities=1)  # not read
    cache = cache_of(staff_app)
    first = reader_figures(staff_app)
    assert_same(*first)
    assert first[0] is not None and first[0].n == 15
    assert cache.misses == 1
    assert_same(*reader_figures(staff_app))
    assert cache.hits == 1  # nothing changed: the kept sums
    # a new response stored just now: summed apart (not settled yet), and counted
    add_responses(staff_app, "alpha", "c2", 4, env_facilities=5)
    now = reader_figures(staff_app)
    assert_same(*now)
    assert now[0] is not None and now[0].n == 19
    # settled an hour later: added to the kept sums (a delta), not recounted
    with staff_app.app_context(), session_scope(staff_app) as session:
        for stored in session.execute(select(Response)).scalars():
            stored.submitted_at = stored.submitted_at - timedelta(hours=1)
    assert_same(*reader_figures(staff_app))
    assert cache.deltas == 1
    # a correction and a voiding (each a revision) recompute the sums
    with staff_app.app_context(), session_scope(staff_app) as session:
        ids = list(
            session.execute(select(Response.id, Response.agency_id).order_by(Response.id)).all()
        )
        target, agency = ids[0]
        stored = session.get(Response, target)
        assert stored is not None
        answers = dict(stored.answers)
        answers["env_facilities"] = [[1.0, None]]
        stored.answers = answers
        stored.revision = 2
        session.add(
            ResponseRevision(
                response_id=target, agency_id=agency, revision=2, kind="corrected", reason="typo"
            )
        )
    misses = cache.misses
    corrected = reader_figures(staff_app)
    assert_same(*corrected)
    assert cache.misses == misses + 1
    assert corrected[0] is not None and now[0] is not None
    assert corrected[0].share.estimate < now[0].share.estimate
    with staff_app.app_context(), session_scope(staff_app) as session:
        target, agency = ids[1]
        session.execute(
            update(Response)
            .where(Response.id == target)
            .values(voided_at=Response.submitted_at, revision=2)
        )
        session.add(
            ResponseRevision(
                response_id=target, agency_id=agency, revision=2, kind="voided", reason="twice"
            )
        )
    voided = reader_figures(staff_app)
    assert_same(*voided)
    assert voided[0] is not None and voided[0].n == 18


def test_sums_kept_in_the_table_start_a_new_process_warm(staff_app: Flask, clock: Clock) -> None:
    """A new process (its own cache empty) reads the sums another stored in
    ``results_sums`` instead of summing again, while no revision was added since."""
    clock.now = utcnow()
    add_responses(staff_app, "alpha", "c1", 9, days_ago=1, env_facilities=5)
    add_responses(staff_app, "alpha", "c2", 6, days_ago=1, env_facilities=2)
    add_responses(staff_app, "alpha", "c2", 2, days_ago=1, env_facilities=4)
    cache = cache_of(staff_app)
    first = reader_figures(staff_app)
    assert_same(*first)
    assert cache.misses == 1
    with staff_app.app_context(), session_scope(staff_app) as session:
        kept = session.execute(select(KeptSums)).scalars().all()
        assert len(kept) == 1 and kept[0].revision == 0
        assert decode(kept[0].sums) == decode(encode(decode(kept[0].sums)))
    cache.clear()  # another worker: nothing in its memory
    again = reader_figures(staff_app)
    assert_same(*again)
    assert (cache.misses, cache.loaded) == (1, 1)
    assert again[0] is not None and first[0] is not None
    assert again[0].share.estimate == first[0].share.estimate
    assert again[0].share.se == first[0].share.se
    # a revision anywhere: the stored row no longer holds, and is replaced
    with staff_app.app_context(), session_scope(staff_app) as session:
        target, agency = session.execute(
            select(Response.id, Response.agency_id).order_by(Response.id)
        ).first()  # type: ignore[misc]  # one row exists
        session.execute(
            update(Response)
            .where(Response.id == target)
            .values(voided_at=Response.submitted_at, revision=2)
        )
        session.add(
            ResponseRevision(
                response_id=target, agency_id=agency, revision=2, kind="voided", reason="twice"
            )
        )
    cache.clear()
    voided = reader_figures(staff_app)
    assert_same(*voided)
    assert voided[0] is not None and voided[0].n == 16
    assert (cache.misses, cache.loaded) == (2, 2)
    with staff_app.app_context(), session_scope(staff_app) as session:
        kept = session.execute(select(KeptSums)).scalars().all()
        assert len(kept) == 1 and kept[0].revision > 0


def test_encoded_sums_read_back_the_same() -> None:
    sums = Sums(
        {(1, 3): 4, (1, NO_UNIT): 2},
        {
            "item:q": [
                StratumCell(3, 1, 4, 3, 0.1 + 0.2, 1 / 3),
                StratumCell((1, NO_UNIT), 1, 2, 0, 0.0, 0.0),
            ]
        },
    )
    assert decode(encode(sums)) == sums
