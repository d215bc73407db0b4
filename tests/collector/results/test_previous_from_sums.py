"""A wave's figures (headline, items, dimensions: the chosen wave's, and the previous
wave's for the change since then) come from sums counted in the database, equal to those
of its rows' design to 1e-12, without reading its rows."""

from __future__ import annotations

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
from collector.results.core_sections.common import composite_of
from collector.results.core_sections.common import dimension_keys
from collector.results.core_sections.common import satisfaction_of
from collector.results.core_sections.common import scale_items
from collector.results.estimation import composite
from collector.results.estimation import design_for
from collector.results.estimation import satisfaction
from collector.results.sections import WaveContext
from collector.results.wavedata import WaveReader
from collector.results.waves import Wave
from collector.results.waves import period
from tests.collector.results.test_summary import assert_same
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.staff import Clock

BEFORE = 200  # days ago: the half-year before the current one


def seed(app: Flask) -> None:
    """Varied answers over two half-years, units and items skipped ("na") differently."""
    add_responses(app, "alpha", "c1", 7, days_ago=BEFORE, env_comfort=2, prof_efficiency=5)
    add_responses(app, "alpha", "c2", 5, days_ago=BEFORE, env_facilities=4, measures_wait=5)
    add_responses(app, "alpha", None, 3, days_ago=BEFORE, overall_satisfaction=2)
    add_responses(
        app,
        "alpha",
        "c1",
        4,
        days_ago=BEFORE,
        env_signage="na",
        courtesy_attitude=1,
        overall_satisfaction=5,
    )
    add_responses(app, "alpha", None, 2, days_ago=BEFORE, env_comfort=3, courtesy_proactive=2)
    add_responses(
        app, "alpha", "c2", 1, days_ago=BEFORE, measures_online=3, overall_satisfaction=3
    )  # a lone answer
    add_responses(app, "beta", "c1", 6, days_ago=BEFORE, overall_satisfaction=1)  # not read
    add_responses(app, "alpha", "c1", 8, days_ago=1, overall_satisfaction=5)


@pytest.mark.parametrize("chosen", [False, True], ids=["previous", "chosen"])
@pytest.mark.parametrize("unit", [None, "c1"])
def test_wave_figures_from_sums_equal_its_rows(
    staff_app: Flask, clock: Clock, unit: str | None, chosen: bool
) -> None:
    clock.now = utcnow()
    seed(staff_app)
    loaded: list[str] = []
    with staff_app.test_request_context(), session_scope(staff_app) as session:
        alpha = session.execute(select(Agency.id).where(Agency.code == "alpha")).scalar_one()
        unit_id = None
        if unit is not None:
            unit_id = session.execute(
                select(Response.unit_id).where(Response.agency_id == alpha).limit(1)
            ).scalar_one()

        def scope(statement: Any) -> Any:  # alpha's responses only
            reading = Response.__table__ in find_tables(statement, check_columns=True)
            return statement.where(Response.agency_id == alpha) if reading else statement

        reader = WaveReader(session, get_plugins(staff_app), SLUG, scope, unit_id)
        version = current_version(staff_app, session, SLUG)
        assert version is not None
        questionnaire = definition_of(version)
        now = local_date(utcnow())
        current = period("half", now)
        previous = period("half", local_date(utcnow() - timedelta(days=BEFORE)))
        assert previous.key != current.key
        if chosen:  # the earlier half-year chosen on the page, its rows' wave compared
            current, previous = previous, current
        summed = current if chosen else previous

        def load(wave: Wave) -> Any:
            loaded.append(wave.key)
            return reader.frame(wave)

        context = WaveContext(
            questionnaire=questionnaire,
            language="en",
            wave=current,
            previous=previous,
            waves=[previous, current],
            detailed=True,
            unit_id=unit_id,
            load=load,
            source=reader,
        )
        items = scale_items(questionnaire)
        got_items = {key: satisfaction_of(context, summed, key) for key in items}
        dimensions = dimension_keys(questionnaire)
        got_dimensions = [composite_of(context, summed, keys) for keys in dimensions]
        assert not loaded  # no row of the wave was read
        design = design_for(reader.frame(summed), items)
        assert design is not None
        shown = 0
        for key in items:
            want = satisfaction(design.survey, key)
            if want is None:
                assert got_items[key] is None
                continue
            assert_same(got_items[key], want)
            shown += 1
        for keys, got in zip(dimensions, got_dimensions, strict=True):
            want = composite(design.survey, keys)
            if want is None:
                assert got is None
                continue
            assert_same(got, want)
            shown += 1
        assert shown >= 10 if unit is None else shown >= 5


def test_a_page_without_a_source_reads_the_rows(staff_app: Flask, clock: Clock) -> None:
    """Without a reader to sum from (``source`` None), the figures come from the rows."""
    clock.now = utcnow()
    seed(staff_app)
    loaded: list[str] = []
    with staff_app.test_request_context(), session_scope(staff_app) as session:
        reader = WaveReader(session, get_plugins(staff_app), SLUG, lambda s: s, None)
        version = current_version(staff_app, session, SLUG)
        assert version is not None
        questionnaire = definition_of(version)
        current = period("half", local_date(utcnow()))

        def load(wave: Wave) -> Any:
            loaded.append(wave.key)
            return reader.frame(wave)

        context = WaveContext(
            questionnaire=questionnaire,
            language="en",
            wave=current,
            previous=None,
            waves=[current],
            detailed=True,
            unit_id=None,
            load=load,
            source=None,
        )
        key = questionnaire.analysis.overall
        assert key is not None
        got = satisfaction_of(context, current, key)
        assert current.key in loaded
        design = design_for(reader.frame(current), scale_items(questionnaire))
        assert design is not None
        want = satisfaction(design.survey, key)
        assert got is not None and want is not None
        assert_same(got, want)
