"""weighting_for (collector.margins.service) and its arithmetic (collector.margins.raking)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from flask import Flask

from analysis.design import SurveyDesign
from analysis.weighting import kish_deff
from analysis.weighting import rake
from collector.core.db import session_scope
from collector.core.plugins import get_plugins
from collector.margins import store
from collector.margins.raking import MISSING
from collector.margins.raking import POSTSTRATIFICATION
from collector.margins.raking import RAKING
from collector.margins.raking import weigh
from collector.margins.service import statement
from collector.margins.service import weighting_for
from surveys import Questionnaire
from tests.helpers.organisation import agency_id
from tests.helpers.organisation import unit_id

SEX = {"male": 48_000, "female": 52_000}
AGE = {"20-29": 20_000, "30-39": 30_000, "50-59": 25_000, "65plus": 25_000}


def frame(n: int = 300, seed: int = 3, missing: bool = False, unit: str = "c1") -> pd.DataFrame:
    """Respondents who over-represent women and the old, as counter surveys do."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["male", "female", "other"], n, p=[0.3, 0.65, 0.05]).astype(object)
    age = rng.choice(list(AGE), n, p=[0.1, 0.2, 0.3, 0.4]).astype(object)
    if missing:
        sex[:12] = None
        age[5:20] = None
    return pd.DataFrame(
        {"unit": unit, "sex": sex, "age_group": age, "overall": rng.integers(1, 6, n)},
        index=pd.RangeIndex(100, 100 + n),
    )


def save(app: Flask, code: str, entries: list[store.Entry]) -> None:
    agency = agency_id(app, code)
    with session_scope(app) as session:
        store.save(session, agency, entries, None, how="test")


def entry(
    variable: str, counts: dict[str, int], year: int = 2025, unit: int | None = None
) -> store.Entry:
    return store.Entry(year, unit, variable, tuple(counts.items()), "戶籍登記")


def citizen(app: Flask) -> Questionnaire:
    return get_plugins(app).questionnaires.items["citizen-satisfaction"]


def test_the_weights_are_analysis_rake_on_the_same_data(app: Flask) -> None:
    save(app, "alpha", [entry("sex", SEX), entry("age_group", AGE)])
    data = frame()
    with session_scope(app) as session:
        weighting = weighting_for(session, agency_id(app, "alpha"), 2025, data, citizen(app))
    assert weighting is not None
    assert weighting.method == RAKING and weighting.variables == ("sex", "age_group")
    assert weighting.trimmed == 0  # this sample needs no trimming: the weights are rake's own
    assert weighting.weights.index.equals(data.index)
    # the same raking done directly: "other" is not in the margin, so it is its own cell
    cells = pd.DataFrame(
        {
            "sex": data["sex"].where(data["sex"].isin(list(SEX)), MISSING),
            "age_group": data["age_group"],
        }
    )
    other = float((cells["sex"] == MISSING).mean())
    total = float(sum(SEX.values()))
    targets = {
        "sex": {
            **{k: total * (1 - other) * v / total for k, v in SEX.items()},
            MISSING: total * other,
        },
        "age_group": {k: float(v) for k, v in AGE.items()},
    }
    expected = rake(SurveyDesign(cells), targets, maxit=50)
    np.testing.assert_allclose(weighting.weights.to_numpy(), expected.row_weights, rtol=1e-12)
    assert weighting.kish_deff == pytest.approx(kish_deff(expected.row_weights))
    for fit in weighting.fits.values():
        assert fit.before.statistic > 10  # the sample is visibly off the margins
        assert fit.after.statistic == pytest.approx(0, abs=1e-3)  # and on them after weighting
    assert weighting.sources == {"sex": "戶籍登記", "age_group": "戶籍登記"}


def test_one_variable_is_post_stratification(app: Flask) -> None:
    save(app, "alpha", [entry("sex", SEX)])
    with session_scope(app) as session:
        weighting = weighting_for(session, agency_id(app, "alpha"), 2025, frame(), citizen(app))
    assert weighting is not None and weighting.method == POSTSTRATIFICATION
    assert weighting.fits["sex"].after.statistic == pytest.approx(0, abs=1e-9)
    text = statement(weighting, 2025, "en")
    assert "Post-stratified to the 2025 population counts of Sex" in text
    assert "Source: 戶籍登記." in text and "Kish" in text


def test_missing_answers_keep_their_unweighted_share(app: Flask) -> None:
    data = frame(missing=True)
    weighting = weigh(
        data, {"sex": "sex", "age_group": "age_group"}, {"sex": SEX, "age_group": AGE}
    )
    assert weighting is not None
    assert weighting.unanswered["age_group"] == 15
    assert (weighting.weights > 0).all()  # nobody is dropped
    blank = data["age_group"].isna()
    share = weighting.weights[blank].sum() / weighting.weights.sum()
    assert share == pytest.approx(blank.mean(), abs=1e-3)


def test_weights_are_trimmed_to_three_times_the_mean() -> None:
    data = frame(n=200)
    extreme = {"male": 95_000, "female": 5_000}  # few men answered, a huge weight each
    weighting = weigh(data, {"sex": "sex"}, {"sex": extreme})
    assert weighting is not None and weighting.trimmed > 0
    mean = weighting.weights.mean()
    assert (
        weighting.weights.max() <= 3 * mean + 1e-6 and weighting.weights.min() >= 0.3 * mean - 1e-6
    )
    assert weighting.fits["sex"].after.statistic > 0  # trimming costs some fit, and says so


def test_empty_categories_and_unusable_margins() -> None:
    data = frame()
    weighting = weigh(data, {"sex": "sex"}, {"sex": {**SEX, "intersex": 10}})
    assert weighting is not None and weighting.dropped == {"sex": ["intersex"]}
    assert weigh(data, {"sex": "sex"}, {"sex": {"male": 5}}) is None
    assert weigh(data.iloc[:0], {"sex": "sex"}, {"sex": SEX}) is None


def test_a_units_own_margins_apply_to_that_unit_alone(app: Flask) -> None:
    c1 = unit_id(app, "alpha", "c1")
    save(app, "alpha", [entry("sex", SEX), entry("sex", {"male": 10, "female": 90}, unit=c1)])
    alpha = agency_id(app, "alpha")
    mixed = frame()
    mixed.loc[mixed.index[:50], "unit"] = "c2"
    with session_scope(app) as session:
        alone = weighting_for(session, alpha, 2025, frame(), citizen(app))
        pooled = weighting_for(session, alpha, 2025, mixed, citizen(app))
    assert (
        alone is not None
        and alone.unit_margins
        and alone.margins["sex"] == {"male": 10, "female": 90}
    )
    assert pooled is not None and not pooled.unit_margins and pooled.margins["sex"] == SEX


def test_no_margins_another_year_or_another_agency_give_none(app: Flask) -> None:
    save(app, "beta", [entry("sex", SEX)])
    save(app, "alpha", [entry("sex", SEX, year=2024)])
    alpha = agency_id(app, "alpha")
    with session_scope(app) as session:
        assert weighting_for(session, alpha, 2025, frame(), citizen(app)) is None
        assert weighting_for(session, alpha, 2024, frame(), citizen(app)) is not None


def test_margins_that_do_not_fit_the_questionnaire_are_not_used(app: Flask) -> None:
    save(app, "alpha", [entry("district", {"zhongzheng": 10, "daan": 20})])
    with session_scope(app) as session:
        data = frame().assign(district="daan")
        assert weighting_for(session, agency_id(app, "alpha"), 2025, data, citizen(app)) is None
