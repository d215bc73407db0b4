"""Complaint-handling statistics: the on-time share, time to close from grouped counts,
the monthly overdue p-chart, and the handling-satisfaction follow-up's design.

The web layer counts cases in the database (GROUP BY) and hands this module the
counts; nothing here reads a database, so an analyst gets the same numbers in a
notebook from the same counts.

* On-time share: a binomial proportion with Wilson's score interval (Wilson 1927;
  Brown, Cai & DasGupta 2001 recommend it over the Wald interval, which collapses to
  [1, 1] when every case was on time, the usual case for a well-run desk).
* Time to close: Kaplan-Meier with cases still open censored at the report date
  (:mod:`analysis.survival`), from counts of (received, answered) date pairs.
* Overdue share per month: a p-chart with its run rules (:mod:`analysis.control_charts`).
* Follow-up survey: every closed case invited to answer is the population; each
  stratum's respondents stand for its invited cases (a weighting-class non-response
  adjustment, Kalton & Flores-Cervantes 2003): weight N_h / r_h, finite-population
  correction N_h, as R's ``svydesign(strata=~stratum, weights=~w, fpc=~N)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from analysis.control_charts import p_chart
from analysis.control_charts import run_rules
from analysis.design import SurveyDesign
from analysis.survival import TimeToClose
from analysis.survival import time_to_close

__all__ = [
    "Share",
    "dimension_scores",
    "followup_design",
    "overdue_chart",
    "share",
    "time_to_close_counts",
]


@dataclass(frozen=True)
class Share:
    """``k`` of ``n`` with its estimate and interval."""

    k: int
    n: int
    estimate: float
    low: float
    high: float


def share(k: int, n: int, level: float = 0.95) -> Share:
    """The share k/n with Wilson's score interval at ``level``."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n > 0, got k={k}, n={n}")
    low, high = proportion_confint(k, n, alpha=1 - level, method="wilson")
    return Share(k, n, k / n, float(low), float(high))


def time_to_close_counts(
    counts: Sequence[tuple[date, date | None, int]], as_of: date
) -> TimeToClose:
    """Kaplan-Meier days from receipt to answer, from ``(received, answered, cases)``
    counts; ``answered`` None is a case still open, censored at ``as_of``."""
    rows = [(r, a, n) for r, a, n in counts if n > 0]
    if not rows:
        raise ValueError("no complaints given")
    times = np.repeat([pd.Timestamp(r) for r, _, _ in rows], [n for _, _, n in rows])
    ends = np.repeat(
        [pd.Timestamp(a) if a is not None else pd.NaT for _, a, _ in rows],
        [n for _, _, n in rows],
    )
    return time_to_close(pd.Series(times), pd.Series(ends), pd.Timestamp(as_of))


def overdue_chart(
    months: Sequence[str], due: Sequence[int], overdue: Sequence[int]
) -> pd.DataFrame:
    """p-chart of the share overdue per month, one row per month given.

    A month with no case due has no share and no limits (NaN, ``n`` 0): it stays in the
    chart as a gap, and the run rules count it as a period (a run of eight months on one
    side is eight calendar months, :func:`analysis.control_charts.run_rules`).
    """
    if not len(months) == len(due) == len(overdue):
        raise ValueError("months, due and overdue must have the same length")
    keep = [i for i, n in enumerate(due) if n > 0]
    if not keep:
        raise ValueError("no month has a case due")
    index = pd.Index([months[i] for i in keep], name="month")
    kept = p_chart(
        pd.Series([overdue[i] for i in keep], index=index, dtype=float),
        pd.Series([due[i] for i in keep], index=index, dtype=float),
    )
    chart = kept.reindex(pd.Index(list(months), name="month"))
    chart["n"] = chart["n"].fillna(0.0)
    chart["centre"] = kept["centre"].iloc[0]
    rules = run_rules(chart["z"].to_numpy(dtype=float))
    chart["out_of_control"] = [bool(r) for r in rules]
    chart["rules"] = [",".join(r) for r in rules]
    return chart


def dimension_scores(frame: pd.DataFrame, dimensions: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """``frame`` with a ``dim_<name>`` column per dimension: each respondent's mean of the
    dimension's answered items (missing when none was answered)."""
    out = frame.copy()
    for name, items in dimensions.items():
        present = [c for c in items if c in out.columns]
        out[f"dim_{name}"] = out[present].mean(axis=1, skipna=True) if present else math.nan
    return out


def followup_design(
    answers: pd.DataFrame, invited: Mapping[object, int], stratum: str = "stratum"
) -> SurveyDesign:
    """The follow-up's design: strata ``stratum``, weight N_h / r_h, fpc N_h, where N_h is
    the number of cases of the stratum invited (``invited``) and r_h its respondents.

    A stratum with a single respondent contributes by R's ``survey.lonely.psu = "adjust"``.
    """
    if stratum not in answers.columns:
        raise ValueError(f"answers have no stratum column {stratum!r}")
    if answers.empty:
        raise ValueError("no answers given")
    r = answers[stratum].map(answers[stratum].value_counts())
    big_n = answers[stratum].map(lambda h: invited.get(h, 0)).astype(float)
    short = answers[stratum][big_n < r].unique().tolist()
    if short:
        raise ValueError(f"strata {short} have more respondents than cases invited")
    data = answers.reset_index(drop=True).assign(_w=(big_n / r).to_numpy(), _N=big_n.to_numpy())
    return SurveyDesign(data, strata=stratum, weights="_w", fpc="_N", lonely_psu="adjust")
