"""A composite of several items: the average of their design means, with its joint precision.

A questionnaire's dimension (洽公環境, 服務禮儀, ...) is reported as one number. Averaging each
respondent's answers first and then taking the mean can put the dimension below every one of
its items when different respondents skip different items; the average of the items' own
means cannot: it always lies between the lowest and the highest item. Its variance is that of
the linear combination of the item means, whose covariances (the same respondents answer
several items) enter through the sum of the items' influence functions (Taylor linearisation,
Lumley 2010 §2.3; R ``svycontrast`` on ``svymean`` of the items, each with its own missing
values dropped as a domain).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from analysis.design import SurveyDesign
from analysis.estimate import Estimate

__all__ = ["average_of_means"]


def average_of_means(
    design: SurveyDesign, cols: Sequence[str], scale: float = 1.0, shift: float = 0.0
) -> Estimate:
    """``scale · (mean of the items' design means - shift)`` with its linearised SE.

    Each item's mean is over the rows that answered it (``na_rm``); ``scale`` and ``shift``
    turn a 1-5 mean into a 0-100 score (``scale=25, shift=1``). The interval uses Student's
    t on the design degrees of freedom of the rows that answered any item.
    """
    if not cols:
        raise ValueError("cols must name at least one item")
    weights = design.row_weights
    combined = np.zeros(len(weights))
    union = np.zeros(len(weights), dtype=bool)
    means = []
    for col in cols:
        y = design.column(col)
        d = design.usable(y, col, na_rm=True)
        w = np.where(d, weights, 0.0)
        total = float(w.sum())
        if not total > 0:
            raise ValueError(f"item {col!r} has no answers in the domain")
        m = float((w * np.where(d, y, 0.0)).sum() / total)
        means.append(m)
        combined += np.where(d, (np.where(d, y, 0.0) - m) * w / total, 0.0)
        union |= d
    k = len(cols)
    v = float(design.variance(combined / k, union)[0, 0])
    df = design.degf(union)
    return Estimate(
        estimate=scale * (sum(means) / k - shift),
        se=scale * math.sqrt(max(v, 0.0)),
        df=df,
        name="average of " + ", ".join(cols),
        statistic="average_of_means",
        ci_df=float(df),
    )
