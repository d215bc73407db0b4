"""The design statement, reliability and importance-performance sections of an unweighted
wave come from sums counted in the database: what they show equals what the same
sections compute from the wave's rows (numbers to 1e-10), and the rows are not read."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.sql.util import find_tables

from collector.core.clock import local_date
from collector.core.clock import utcnow
from collector.core.db import session_scope
from collector.core.models import Agency
from collector.core.models import Response
from collector.core.plugins import get_plugins
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.results import comments
from collector.results import importance
from collector.results import reliability
from collector.results.comments import CommentsSection
from collector.results.core_sections import analyses
from collector.results.core_sections import design
from collector.results.core_sections.analyses import RegisteredAnalyses
from collector.results.core_sections.design import DesignStatement
from collector.results.importance import ImportancePerformanceSection
from collector.results.reliability import ReliabilitySection
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from collector.results.wavedata import WaveReader
from collector.results.waves import Wave
from collector.results.waves import period
from tests.collector.results.test_previous_from_sums import BEFORE
from tests.collector.results.test_previous_from_sums import seed
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.staff import Clock


def same(a: Any, b: Any, path: str = "") -> None:
    """``a`` equals ``b``, floats to 1e-10; ``path`` names where they differ."""
    if isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-10, abs=1e-10), (
            path
        )
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    else:
        assert a == b, (path, a, b)


SECTIONS: list[tuple[type[ResultsSection], Any]] = [
    (DesignStatement, design),
    (ReliabilitySection, reliability),
    (ImportancePerformanceSection, importance),
    (RegisteredAnalyses, analyses),
    (CommentsSection, comments),
]
QUERIES = [{}, {"comments_page": "2"}, {"q": "ａb"}, {"q": "ab", "comments_page": "2"}]


@pytest.mark.parametrize("fpc", [False, True], ids=["no fpc", "fpc"])
@pytest.mark.parametrize("unit", [None, "c1"])
@pytest.mark.parametrize(("section", "module"), SECTIONS, ids=[s.name for s, _ in SECTIONS])
def test_sections_from_sums_equal_the_rows(
    staff_app: Flask,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    unit: str | None,
    fpc: bool,
    section: type[ResultsSection],
    module: Any,
) -> None:
    clock.now = utcnow()
    seed(staff_app)
    # answers alike in one dimension for a few (its alpha still defined), and skipped items
    add_responses(staff_app, "alpha", "c1", 3, days_ago=BEFORE, env_signage="na")
    for i, text in enumerate(["  Ab 大 ", "\u3000\t", "ab", "", "x\n", "AB ab"] * 5):
        add_responses(staff_app, "alpha", "c1" if i % 2 else None, 1, days_ago=BEFORE, comment=text)
    loaded: list[str] = []
    with staff_app.test_request_context(), session_scope(staff_app) as session:
        alpha = session.execute(select(Agency.id).where(Agency.code == "alpha")).scalar_one()
        unit_id = None
        if unit is not None:
            unit_id = (
                session.execute(
                    select(Response.unit_id).where(
                        Response.agency_id == alpha, Response.unit_id.is_not(None)
                    )
                )
                .scalars()
                .first()
            )

        def scope(statement: Any) -> Any:  # alpha's responses only
            reading = Response.__table__ in find_tables(statement, check_columns=True)
            return statement.where(Response.agency_id == alpha) if reading else statement

        reader = WaveReader(session, get_plugins(staff_app), SLUG, scope, unit_id)
        if fpc:  # every stratum's population known: weights N_h/n_h, the correction
            counts = reader.frame(period("half", local_date(utcnow() - timedelta(days=BEFORE))))
            sizes = counts["agency_unit"].value_counts()
            populations = {str(s): int(n) * 3 + 1 for s, n in sizes.items()}
            monkeypatch.setattr(reader, "populations", lambda wave: populations)
        version = current_version(staff_app, session, SLUG)
        assert version is not None
        questionnaire = definition_of(version)
        wave = period("half", local_date(utcnow() - timedelta(days=BEFORE)))

        def load(chosen: Wave) -> Any:
            loaded.append(chosen.key)
            return reader.frame(chosen)

        def context(query: dict[str, str]) -> WaveContext:
            return WaveContext(
                questionnaire=questionnaire,
                language="en",
                wave=wave,
                previous=None,
                waves=[wave],
                detailed=True,
                unit_id=unit_id,
                load=load,
                source=reader,
                query=query,
            )

        reader._entries.clear()
        reader._frames.clear()
        queries = QUERIES if section is CommentsSection else [{}]
        got = [section().build(context(q)) for q in queries]
        assert not loaded  # no row of the wave was read
        monkeypatch.setattr(module, "summed", lambda context, wave: None)
        monkeypatch.setattr(comments, "TEXT_TYPES", ())
        want = [section().build(context(q)) for q in queries]
        assert loaded  # the rows were read
        for one, other in zip(got, want, strict=True):
            assert one is not None and other is not None
            if section is ImportancePerformanceSection:
                assert (one.pop("chart") is None) == (other.pop("chart") is None)
                assert any(not r["withheld"] for r in one["rows"])
            if section is CommentsSection:
                assert one["total"] > (20 if unit is None else 5)
            same(one, other)
