"""Coverage of candidate intervals for the top-two-box share in the small counter design.

The design and samples are those of ``tests/analysis/test_coverage.py`` (200 opening days of
30 visitors, p ≈ 0.95; 1,000 samples of 10 days x 5 visitors, n = 50, 9 design df), drawn
with the same seeds, so seed 17 gives the test's figures. For each candidate it prints the
coverage of the nominal 95% interval and the shares wholly below / wholly above the truth.
Run: ``python -m bench.coverage_candidates 17 18 19`` (a few seconds a seed).
The figures are in docs/analysis.md ("Proportions of 0 or 1").
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
from scipy import stats
from scipy.optimize import brentq
from scipy.special import expit
from scipy.special import logit

from analysis.ciprop import one_sided_where_bounded
from analysis.design import SurveyDesign
from analysis.estimate import Estimate
from tests.analysis.test_coverage import BATCH
from tests.analysis.test_coverage import N_DAYS
from tests.analysis.test_coverage import PER_DAY
from tests.analysis.test_coverage import REPS
from tests.analysis.test_coverage import _counter_population
from tests.analysis.test_coverage import _counter_samples

N = N_DAYS * PER_DAY
A = 0.05
Interval = tuple[float, float]


def _n_eff(p: float, se: float, df: float, a: float) -> float:
    """Korn-Graubard's df-adjusted effective n (n at a share of 0 or 1)."""
    ne = p * (1 - p) / se**2 if se > 0 and 0 < p < 1 else N
    return float(ne * (stats.t.ppf(a, N - 1) / stats.t.ppf(a, df)) ** 2)


def kg_boundary(p: float, df: float, one_sided: bool) -> Interval:
    a = A if one_sided else A / 2
    ne = _n_eff(p, 0.0, df, a)
    if p >= 1:
        return (float(stats.beta.ppf(a, ne, 1)), 1.0)
    return (0.0, float(stats.beta.ppf(1 - a, 1, ne)))


def logit_ci(p: float, se: float, df: float) -> Interval:
    c = stats.t.ppf(1 - A / 2, df)
    s = se / (p * (1 - p))
    return (float(expit(logit(p) - c * s)), float(expit(logit(p) + c * s)))


def beta_kg(p: float, se: float, df: float) -> Interval:
    ne = _n_eff(p, se, df, A / 2)
    x = p * ne
    return (
        float(stats.beta.ppf(A / 2, x, ne - x + 1)),
        float(stats.beta.ppf(1 - A / 2, x + 1, ne - x)),
    )


def jeffreys(p: float, se: float, df: float, one_sided_at_1: bool) -> Interval:
    ne = _n_eff(p, se, df, A / 2)
    x = p * ne
    if one_sided_at_1 and p >= 1:
        return (float(stats.beta.ppf(A, ne + 0.5, 0.5)), 1.0)
    lo = 0.0 if x <= 0 else float(stats.beta.ppf(A / 2, x + 0.5, ne - x + 0.5))
    hi = 1.0 if x >= ne else float(stats.beta.ppf(1 - A / 2, x + 0.5, ne - x + 0.5))
    return (lo, hi)


def mid_p(p: float, se: float, df: float) -> Interval:
    """Mid-p Clopper-Pearson on the df-adjusted effective n (beta-function binomial tails)."""
    ne = _n_eff(p, se, df, A / 2)
    x = p * ne
    if x >= ne:
        return (brentq(lambda q: 0.5 * q**ne - A / 2, 1e-9, 1 - 1e-12), 1.0)

    def upper_tail(q: float) -> float:
        return 0.5 * (stats.beta.cdf(q, x, ne - x + 1) + stats.beta.cdf(q, x + 1, ne - x))

    lo = 0.0 if x <= 0 else brentq(lambda q: upper_tail(q) - A / 2, 1e-9, 1 - 1e-12)
    hi = brentq(lambda q: 1 - upper_tail(q) - A / 2, 1e-9, 1 - 1e-12)
    return (lo, hi)


def _interior(f: Callable[[float, float, float], Interval], one_sided: bool) -> Callable:
    def g(e: Estimate) -> Interval:
        if 0 < e.estimate < 1 and e.se > 0:
            return f(e.estimate, e.se, e.df)
        return kg_boundary(e.estimate, e.df, one_sided)

    return g


CANDIDATES: dict[str, Callable[[Estimate], Interval]] = {
    "logit + KG boundary (R's svyciprop, equal-tailed)": lambda e: e.ci(),
    "logit + one-sided KG boundary only": _interior(logit_ci, True),
    "beta (KG) + one-sided KG boundary": _interior(beta_kg, True),
    "Jeffreys on n_eff": lambda e: jeffreys(e.estimate, e.se, e.df, False),
    "Jeffreys on n_eff, one-sided at p = 1": lambda e: jeffreys(e.estimate, e.se, e.df, True),
    "mid-p Clopper-Pearson on n_eff": lambda e: mid_p(e.estimate, e.se, e.df),
    "logit, boundary='one-sided' (the default)": lambda e: one_sided_where_bounded(e, N).ci(),
}


def main(seed: int) -> None:
    rng = np.random.default_rng(seed)
    answers = _counter_population(rng)
    truth = float((answers >= 4).mean())
    estimates: list[Estimate] = []
    for _ in range(REPS // BATCH):
        d = SurveyDesign(
            _counter_samples(answers, rng, BATCH), ids="day", strata="rep", weights="w"
        )
        estimates += d.by("top2", "rep", stat="ciprop", method="logit").values()
    everybody = np.mean([e.estimate == 1.0 for e in estimates])
    print(f"seed {seed}: truth {truth:.4f}, everybody satisfied in {everybody:.1%} of samples")
    for name, f in CANDIDATES.items():
        cis = [f(e) for e in estimates]
        below = np.mean([hi < truth for _, hi in cis])
        above = np.mean([lo > truth for lo, _ in cis])
        print(f"  {name:50s} {1 - below - above:6.1%} below {below:5.1%} above {above:5.1%}")


if __name__ == "__main__":
    for s in sys.argv[1:] or ["17"]:
        main(int(s))
