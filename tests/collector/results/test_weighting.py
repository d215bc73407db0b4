"""Population weighting on the results pages: with the agency's margins for the wave's
year every estimate comes from the stratified design raked (or post-stratified) to
them, as analysis/ computes it directly from the same rows; without margins, unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from flask import Flask

from analysis.design import SurveyDesign
from analysis.satisfaction import score_0_100
from analysis.satisfaction import top_two_box
from analysis.weighting import poststratify
from analysis.weighting import rake
from collector.core.db import session_scope
from collector.core.plugins import get_plugins
from collector.margins import store
from collector.margins.raking import weigh
from collector.results.estimation import design_for
from collector.results.reading import load_table
from collector.results.waves import parse_period
from collector.results.weights import NOT_CITIZEN
from collector.results.weights import WaveWeighting
from tests.collector.results.test_page import ANALYST
from tests.collector.results.test_page import by_id
from tests.collector.results.test_page import page_as
from tests.helpers.answers import SLUG
from tests.helpers.answers import add_responses
from tests.helpers.organisation import agency_id

YEAR = 2026  # the staff_app clock's year
SEX = {"male": 50_000, "female": 50_000}
AGE = {"20-29": 40_000, "65plus": 60_000}
MINISTRY = "ministry@moi.example.test"


def seed(app: Flask) -> None:
    """Alpha's respondents: too many women, and women more satisfied, at two units."""
    add_responses(app, "alpha", "c1", 8, overall_satisfaction=5, sex="female", age_group="65plus")
    add_responses(app, "alpha", "c1", 4, overall_satisfaction=4, sex="female", age_group="20-29")
    add_responses(app, "alpha", "c2", 3, overall_satisfaction=2, sex="male", age_group="65plus")
    add_responses(app, "alpha", "c2", 3, overall_satisfaction=3, sex="male", age_group="20-29")
    add_responses(app, "alpha", "c1", 2, overall_satisfaction=1, sex="male", age_group="20-29")


def save_margins(app: Flask, *variables: str, year: int = YEAR) -> None:
    margins = {"sex": SEX, "age_group": AGE}
    entries = [store.Entry(year, None, v, tuple(margins[v].items()), "戶籍登記") for v in variables]
    with session_scope(app) as session:
        store.save(session, agency_id(app, "alpha"), entries, None, how="test")


def alpha_design(app: Flask) -> SurveyDesign:
    """analysis/ on alpha's rows without the page's code: strata by unit, the
    demographics as the calibration cells."""
    with app.app_context(), session_scope(app) as session:
        table = load_table(session, get_plugins(app), SLUG)
    frame = table.frame[table.frame["agency"] == "alpha"]
    data = pd.DataFrame(
        {
            "stratum": frame["unit"].to_numpy(),
            "overall": pd.to_numeric(frame["overall_satisfaction"]).to_numpy(),
            "sex": frame["sex"].to_numpy(),
            "age_group": frame["age_group"].to_numpy(),
        }
    )
    return SurveyDesign(data, strata="stratum", lonely_psu="adjust")


def headline(design: SurveyDesign) -> str:
    share = top_two_box(design, "overall")
    low, high = share.ci()
    return f"{share.estimate * 100:.1f}% (95% confidence interval {low * 100:.1f}–{high * 100:.1f})"


def test_with_margins_the_page_is_the_raked_design_analysis_computes(staff_app: Flask) -> None:
    seed(staff_app)
    save_margins(staff_app, "sex", "age_group")
    page = page_as(staff_app, ANALYST, questionnaire=SLUG).text
    raked = rake(
        alpha_design(staff_app),
        {"sex": {k: float(v) for k, v in SEX.items()}, "age_group": dict(AGE)},
        maxit=50,
    )
    assert by_id(page, "headline-top2") == headline(raked)
    score = score_0_100(raked, "overall")
    low, high = score.ci(df=score.df)
    assert by_id(page, "headline-score") == (
        f"{score.estimate:.1f} (95% confidence interval {low:.1f}–{high:.1f})"
    )
    # the unweighted figure differs: the weighting changes what the page says
    assert headline(alpha_design(staff_app)) != headline(raked)
    assert "Raked to the 2026 population margins of Sex, Age group." in page
    assert 'id="representativeness"' in page
    # the trend's row for this wave is the weighted estimate too
    share = top_two_box(raked, "overall")
    assert f"{share.estimate * 100:.1f}%" in by_id(page, "trend-table")


def test_one_margin_is_post_stratification_of_the_stratified_design(staff_app: Flask) -> None:
    seed(staff_app)
    save_margins(staff_app, "sex")
    page = page_as(staff_app, ANALYST, questionnaire=SLUG).text
    expected = poststratify(alpha_design(staff_app), "sex", {k: float(v) for k, v in SEX.items()})
    assert by_id(page, "headline-top2") == headline(expected)
    assert "Post-stratified to the 2026 population counts of Sex." in page


def test_margins_of_another_year_leave_the_page_unweighted(staff_app: Flask) -> None:
    seed(staff_app)
    save_margins(staff_app, "sex", "age_group", year=YEAR - 1)
    page = page_as(staff_app, ANALYST, questionnaire=SLUG).text
    assert by_id(page, "headline-top2") == headline(alpha_design(staff_app))
    assert "None: unweighted estimates (no population margins applied)." in page
    assert 'id="representativeness"' not in page


def test_a_ministry_view_pooling_agencies_says_why_it_is_unweighted(staff_app: Flask) -> None:
    seed(staff_app)
    add_responses(staff_app, "beta", "c1", 6, overall_satisfaction=1)
    save_margins(staff_app, "sex", "age_group")
    page = page_as(staff_app, MINISTRY, questionnaire=SLUG).text
    assert "this view pools several agencies" in page
    assert "Raked to" not in page


def test_the_staff_survey_is_never_weighted_to_the_publics_margins(staff_app: Flask) -> None:
    save_margins(staff_app, "sex", "age_group")
    with staff_app.app_context():
        questionnaires = get_plugins(staff_app).questionnaires.items
        staff = questionnaires["staff-satisfaction"]
    with session_scope(staff_app) as session:
        weighting = WaveWeighting(session, staff, {"alpha": agency_id(staff_app, "alpha")})
        wave = parse_period(f"{YEAR}H2")
        assert wave is not None
        assert weighting.unweighted_because(wave) == NOT_CITIZEN
        assert weighting.weigher(wave) is None


def test_design_for_calibrates_the_stratified_design_so_variances_use_the_residuals() -> None:
    rng = np.random.default_rng(5)
    n = 200
    frame = pd.DataFrame(
        {
            "agency_unit": rng.choice(["a/u1", "a/u2", "a/u3"], n),
            "sex": rng.choice(["male", "female"], n, p=[0.3, 0.7]),
            "overall": rng.integers(1, 6, n),
        },
        index=pd.RangeIndex(10, 10 + n),
    )
    margins = {"sex": {"male": 500, "female": 500}}

    def weigher(rows: pd.DataFrame, base: SurveyDesign):  # type: ignore[no-untyped-def]
        return weigh(rows, {"sex": "sex"}, margins, base=base)

    design = design_for(frame, ["overall"], None, weigher)
    assert design is not None and design.weighting is not None
    data = pd.DataFrame(
        {
            "s": frame["agency_unit"].to_numpy(),
            "sex": frame["sex"].to_numpy(),
            "overall": frame["overall"].to_numpy(dtype=float),
        }
    )
    direct = poststratify(
        SurveyDesign(data, strata="s", lonely_psu="adjust"), "sex", {"male": 500, "female": 500}
    )
    got = top_two_box(design.survey, "overall")
    want = top_two_box(direct, "overall")
    assert got.estimate == pytest.approx(want.estimate, rel=1e-12)
    assert got.se == pytest.approx(want.se, rel=1e-12)
    # weights alone, without the calibration, would give another (larger) variance
    plain = SurveyDesign(
        data.assign(w=direct.row_weights), strata="s", weights="w", lonely_psu="adjust"
    )
    assert top_two_box(plain, "overall").se != pytest.approx(want.se, rel=1e-6)
    assert design.weighting.method == "poststratification"
    assert design.weighting.fits["sex"].after.statistic == pytest.approx(0, abs=1e-9)
