"""The demo's staff surveys: one each October per agency, answered by most staff,
through the staff-survey service (tokens spent, answers unlinkable, survey closed)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from datetime import datetime

from tests.helpers.demo import DemoData
from tests.helpers.demo import top_two

SLUG = "staff-satisfaction"


def test_a_staff_survey_each_year(demo_data: DemoData) -> None:
    surveys = [c for c in demo_data.campaigns if c.slug == SLUG]
    assert sorted((c.agency, c.title) for c in surveys) == sorted(
        (agency, f"{year}年度內部員工滿意度調查")
        for agency in ("demo-land", "demo-household")
        for year in (113, 114, 115)
    )
    answers = Counter((a.agency, a.campaign) for a in demo_data.answers if a.slug == SLUG)
    for survey in surveys:
        assert survey.status == "closed"
        assert survey.invited == survey.target_n >= 30
        assert survey.used == answers[(survey.agency, survey.title)]
        assert 0.6 <= survey.used / survey.invited <= 0.95


def test_staff_answers_are_dated_to_their_day_only(demo_data: DemoData) -> None:
    periods = {(c.agency, c.title): c for c in demo_data.campaigns if c.slug == SLUG}
    staff = [a for a in demo_data.answers if a.slug == SLUG]
    assert len(staff) > 100
    for answer in staff:
        moment = answer.submitted_at.replace(tzinfo=answer.submitted_at.tzinfo or UTC)
        assert moment == datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
        survey = periods[(answer.agency, answer.campaign)]
        assert survey.starts_on <= moment.date() <= survey.ends_on
        assert answer.channel == "online" and answer.batch is None


def test_the_household_staff_feel_the_improvement(demo_data: DemoData) -> None:
    """The booking system was a counter clerk's proposal: after it, the household
    office's staff rate proposals' follow-up better than before."""

    def share(agency: str, year: int, key: str) -> float:
        title = f"{year}年度內部員工滿意度調查"
        rows = [a for a in demo_data.answers if a.agency == agency and a.campaign == title]
        return top_two(rows, key)

    assert (
        share("demo-household", 115, "innov_feedback")
        - share("demo-household", 113, "innov_feedback")
        >= 20
    )
