"""The breakdowns of an unweighted wave come from sums counted in the database: every
group's share and score and the Rao-Scott test across the shown groups equal those of
the rows' design (to 1e-10), the suppression of small groups included, and the wave's
rows are not read."""

from __future__ import annotations

import math
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
from collector.results.core_sections.breakdowns import Breakdowns
from collector.results.core_sections.breakdowns import breakdown
from collector.results.core_sections.breakdowns import summed_breakdown
from collector.results.core_sections.breakdowns import summed_breakdowns
from collector.results.core_sections.common import scale_items
from collector.results.estimation import design_for
from collector.results.sections import WaveContext
from collector.results.wavedata import WaveReader
from collector.results.waves import Wave
from collector.results.waves import period
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.staff import Clock


def seed(app: Flask, small: bool) -> None:
    """Groups of every size (some under five), units, channels, skipped answers."""
    add_responses(app, "alpha", "c1", 9, sex="male", age_group="20-29", overall_satisfaction=5)
    add_responses(app, "alpha", "c1", 6, sex="female", age_group="30-39", overall_satisfaction=2)
    add_responses(
        app, "alpha", "c2", 7, channel="qr", sex="female", age_group="20-29", overall_satisfaction=4
    )
    add_responses(
        app,
        "alpha",
        "c2",
        5,
        channel="paper",
        sex="male",
        age_group="65plus",
        overall_satisfaction=3,
    )
    add_responses(app, "alpha", None, 6, channel="kiosk", sex="other", overall_satisfaction=1)
    add_responses(
        app, "alpha", "c1", 5, channel="qr", sex="male", age_group="30-39", overall_satisfaction=1
    )
    add_responses(app, "alpha", "c1", 4, sex=None, age_group="50-59", env_signage="na")
    if small:  # groups under five: suppressed, and the smallest shown one hidden too
        add_responses(app, "alpha", "c2", 2, channel="phone", sex="other", overall_satisfaction=5)
        add_responses(app, "alpha", None, 1, age_group="under20", overall_satisfaction=4)
    add_responses(app, "beta", "c1", 6, overall_satisfaction=1)  # another agency's: not read


def same(a: Any, b: Any, path: str = "") -> bool:
    if isinstance(a, float) and isinstance(b, float):
        ok = (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-10, abs=1e-10)
        if not ok:
            print("differs:", path, a, b)
        return bool(ok)
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            print("differs:", a.keys(), b.keys())
        return a.keys() == b.keys() and all(same(a[k], b[k], f"{path}.{k}") for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(
            same(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b, strict=True))
        )
    if a != b:
        print("differs:", repr(a), repr(b))
    return bool(a == b)


@pytest.mark.parametrize("small", [False, True], ids=["all shown", "small groups"])
@pytest.mark.parametrize("unit", [None, "c1"])
def test_breakdowns_from_sums_equal_the_rows(
    staff_app: Flask, clock: Clock, unit: str | None, small: bool
) -> None:
    clock.now = utcnow()
    seed(staff_app, small)
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
        version = current_version(staff_app, session, SLUG)
        assert version is not None
        questionnaire = definition_of(version)
        wave = period("half", local_date(utcnow()))

        def load(chosen: Wave) -> Any:
            loaded.append(chosen.key)
            return reader.frame(chosen)

        for detailed in (True, False):
            context = WaveContext(
                questionnaire=questionnaire,
                language="en",
                wave=wave,
                previous=None,
                waves=[wave],
                detailed=detailed,
                unit_id=unit_id,
                load=load,
                source=reader,
            )
            section = Breakdowns()
            built = section.build(context)
            assert built is not None and built["blocks"]
            assert not loaded  # no row of the wave was read
            overall = questionnaire.analysis.overall
            assert overall is not None
            groupings = section._groupings(context, None)
            sums = summed_breakdowns(context, wave, [g[1] for g in groupings], overall)
            assert sums is not None
            frame = reader.frame(wave)
            loaded.clear()
            design = design_for(frame, scale_items(questionnaire))
            assert design is not None
            tested = 0
            for _title, column, labels in groupings:
                got = summed_breakdown(
                    sums, column, overall, labels, reader.codes(), reader.populations(wave)
                )
                want = breakdown(design, frame, column, overall, labels)
                assert same(got[0], want[0]), (column, got[0], want[0])
                assert (got[1] is None) == (want[1] is None), column
                if want[1] is not None:
                    assert same(got[1], want[1]), column
                    tested += not math.isnan(want[1])
            if not small:
                assert tested >= 1
            if small and unit is None:
                rows = [r for block in built["blocks"] for r in block["rows"]]
                assert any(r["suppressed"] for r in rows)
