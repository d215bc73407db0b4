"""Weighting adjustments and weight diagnostics.

``poststratify`` and ``rake`` follow R ``survey::postStratify`` and ``survey::rake`` exactly
(same iteration and stopping rule: at most ``maxit`` sweeps, stop when the weighted cross-table
of all margins changes by less than ``epsilon``), and the returned designs carry the
calibration so that variances use the calibration residuals (Lumley 2010 ch. 7).
``calibrate`` is R ``calibrate`` (Deville & Särndal 1992): linear (GREG), raking and logit
calibration to population totals of several variables, with bounds on the calibration
factors, the same Newton iterations and stopping rule as R's ``grake``; its variances use the
residuals of the regression on the calibration variables (Lumley 2010 §7.4).
``trim_weights`` is R ``trimWeights``. ``kish_deff`` and ``effective_n`` are Kish's (1965)
weighting design effect n·Σw²/(Σw)² and (Σw)²/Σw². ``representativeness_test`` compares the
sample with known population shares before (Pearson) and after weighting (R ``svygofchisq``:
design-based chi-square with a Satterthwaite reference distribution).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.design import SurveyDesign
from analysis.variance import GregStep
from analysis.variance import PostStratumStep
from analysis.variance import RakingStep

__all__ = [
    "CALFUNS",
    "GoodnessOfFit",
    "calibrate",
    "effective_n",
    "kish_deff",
    "model_matrix",
    "poststratify",
    "rake",
    "representativeness_test",
    "trim_weights",
]


def _key_codes(design: SurveyDesign, cols: Sequence[str]) -> tuple[np.ndarray, list[Any]]:
    for c in cols:
        if c not in design.data.columns:
            raise ValueError(f"unknown column {c!r}; the data has {list(design.data.columns)}")
        miss = design.data[c].isna().to_numpy()
        if miss.any():
            rows = list(design.data.index[np.flatnonzero(miss)[:5]])
            raise ValueError(f"weighting variable {c!r} has missing values at rows {rows}")
    if len(cols) == 1:
        keys = design.data[cols[0]]
    else:
        keys = pd.Series(
            list(zip(*(design.data[c] for c in cols), strict=True)), index=design.data.index
        )
    codes, uniques = pd.factorize(keys, sort=True)
    return codes.astype(np.int64), list(uniques)


def _poststep(
    design: SurveyDesign, cols: Sequence[str], population: Mapping[Any, float], partial: bool
) -> PostStratumStep:
    """One ``postStratify`` step: the weights scaled to the population count of each cell."""
    codes, levels = _key_codes(design, cols)
    w = design.row_weights
    sample = np.bincount(codes, weights=w, minlength=len(levels))
    name = cols[0] if len(cols) == 1 else tuple(cols)
    pop = {}
    for k, v in population.items():
        if v is None or not np.isfinite(v) or v < 0:
            raise ValueError(
                f"population count for {name!r}={k!r} must be a non-negative number, got {v!r}"
            )
        pop[k] = float(v)
    reweight = np.ones(len(levels))
    for i, lv in enumerate(levels):
        p = pop.get(lv, 0.0)
        if sample[i] > 0 and p == 0:
            raise ValueError(f"{name!r}={lv!r} is in the sample but has no population count")
        if sample[i] > 0:
            reweight[i] = p / sample[i]
    missing = [
        k for k, v in pop.items() if v > 0 and (k not in levels or sample[levels.index(k)] == 0)
    ]
    if missing and not partial:
        raise ValueError(
            f"population levels {missing} of {name!r} are absent from the sample; "
            "pass partial=True to ignore them (R's partial=TRUE)"
        )
    new_w = w * reweight[codes]
    return PostStratumStep(codes=codes, n_levels=len(levels), old_weights=w.copy(), weights=new_w)


def _check_full(design: SurveyDesign, what: str) -> None:
    if design.is_domain:
        raise ValueError(f"{what} needs the full design: calibrate first, then take subsets")


def poststratify(
    design: SurveyDesign,
    col: str | Sequence[str],
    population: Mapping[Any, float],
    partial: bool = False,
) -> SurveyDesign:
    """Post-stratify to known population counts (R ``postStratify``).

    ``col`` is one column (keys of ``population`` are its values) or several columns (keys are
    tuples). Variances then use residuals from the post-stratum means.
    """
    _check_full(design, "poststratify")
    cols = [col] if isinstance(col, str) else list(col)
    step = _poststep(design, cols, population, partial)
    return design.with_weights(step.weights, (*design.calibration, step))


def _table(design: SurveyDesign, cols: list[str]) -> np.ndarray:
    codes, levels = _key_codes(design, cols)
    return np.bincount(codes, weights=design.row_weights, minlength=len(levels))


def _check_margin(design: SurveyDesign, col: str, population: Mapping[Any, float]) -> None:
    """Levels of a raking margin absent from the sample: R's rake fails on them too."""
    sampled = set(design.levels(col)) if col in design.data.columns else set()
    missing = [k for k, v in population.items() if v and k not in sampled]
    if missing:
        raise ValueError(
            f"margin {col!r}: population levels {missing} do not occur in the sample, so no "
            "weight can reach them; merge them with a neighbouring level in both the data "
            "and the margin, or drop them from the margin"
        )


def rake(
    design: SurveyDesign,
    margins: Mapping[str, Mapping[Any, float]],
    maxit: int = 10,
    epsilon: float = 1.0,
) -> SurveyDesign:
    """Rake (iterative proportional fitting) to population margins (R ``rake``).

    ``margins`` maps a column to its population counts. The stopping rule is R's: the
    largest change in the weighted full cross-table of the margin variables below
    ``epsilon`` (taken relative to the weight total when ``epsilon < 1``). A warning is
    issued if ``maxit`` sweeps do not converge, as R does.
    """
    _check_full(design, "rake")
    if not margins:
        raise ValueError("rake needs at least one margin")
    cols = list(margins)
    eps = epsilon * float(design.row_weights.sum()) if epsilon < 1 else epsilon
    old_table = _table(design, cols)
    current = design
    converged = False
    iteration = 0
    steps: list[PostStratumStep] = []
    for c in cols:
        _check_margin(current, c, margins[c])
    while iteration < maxit:
        steps = []
        for c in cols:
            steps.append(_poststep(current, [c], margins[c], partial=False))
            current = current.with_weights(steps[-1].weights)
        new_table = _table(current, cols)
        if float(np.max(np.abs(old_table - new_table))) < eps:
            converged = True
            break
        old_table = new_table
        iteration += 1
    raking = RakingStep(margins=tuple((s.codes, s.n_levels, s.weights) for s in steps))
    if not converged:
        warnings.warn(f"raking did not converge after {iteration} iterations", stacklevel=2)
    return current.with_weights(current.row_weights, (*design.calibration, raking))


def trim_weights(
    design: SurveyDesign, upper: float = math.inf, lower: float = -math.inf, strict: bool = False
) -> SurveyDesign:
    """Trim weights to [lower, upper], spreading the trimmed amount over the others (R ``trimWeights``).

    ``strict=True`` repeats the trimming until no weight is outside the bounds, as R does by
    recursion; bounds that no set of weights with the same total can meet (``upper`` below
    the mean weight, ``lower`` above it) raise instead of recursing for ever.
    """
    _check_full(design, "trim_weights")
    if lower > upper:
        raise ValueError(f"lower ({lower}) must not exceed upper ({upper})")
    pw = design.row_weights
    mean_w = float(pw.sum()) / len(pw)
    if strict and not lower <= mean_w <= upper:
        raise ValueError(
            f"weights can't be trimmed to [{lower:g}, {upper:g}] keeping their total "
            f"{float(pw.sum()):g} over {len(pw)} rows: the mean weight is {mean_w:g}; "
            "widen the bounds"
        )
    new = pw
    for _ in range(1000):
        outside = (new < lower) | (new > upper)
        if not outside.any():
            break
        if outside.all():
            raise ValueError(
                f"every weight is outside [{lower:g}, {upper:g}]: nothing is left to take "
                "the trimmed amount; widen the bounds"
            )
        clipped = np.clip(new, lower, upper)
        trimmed = new - clipped
        clipped[~outside] += trimmed.sum() / (~outside).sum()
        new = clipped
        if not strict:
            break
    else:
        raise ValueError(f"trimming to [{lower:g}, {upper:g}] did not settle in 1000 rounds")
    return design if new is pw else design.with_weights(new)


def _weights_of(weights: SurveyDesign | Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    w = (
        weights.weights.to_numpy()
        if isinstance(weights, SurveyDesign)
        else np.asarray(weights, dtype=float)
    )
    w = w[w != 0] if isinstance(weights, SurveyDesign) else w
    if w.size == 0 or np.isnan(w).any() or (w < 0).any():
        raise ValueError("weights must be a non-empty set of non-negative numbers")
    return w


def kish_deff(weights: SurveyDesign | Sequence[float] | np.ndarray | pd.Series) -> float:
    """Kish's design effect from unequal weighting, n·Σw²/(Σw)² (Kish 1965 §11.7)."""
    w = _weights_of(weights)
    return float(len(w) * (w**2).sum() / w.sum() ** 2)


def effective_n(weights: SurveyDesign | Sequence[float] | np.ndarray | pd.Series) -> float:
    """Kish's effective sample size (Σw)²/Σw²."""
    w = _weights_of(weights)
    return float(w.sum() ** 2 / (w**2).sum())


@dataclass(frozen=True)
class GoodnessOfFit:
    """Chi-square comparison of sample shares with population shares."""

    statistic: float
    df: float
    p_value: float
    shares: pd.DataFrame
    scale: float = 1.0
    method: str = ""


def _gof_design(
    design: SurveyDesign, col: str, levels: list[Any], p: np.ndarray
) -> tuple[float, float, float, np.ndarray]:
    """R ``svygofchisq``: Pearson statistic on estimated totals, Satterthwaite p-value."""
    y = np.column_stack([(design.data[col] == lv).to_numpy(dtype=float) for lv in levels])
    d = design.domain_mask()
    w = np.where(d, design.row_weights, 0.0)
    tot = (w[:, None] * y).sum(axis=0)
    v = design.variance(y * w[:, None], d)
    n_total = tot.sum()
    e = p * n_total
    x2 = float(((tot - e) ** 2 / e).sum())
    k = len(levels)
    # Jacobian of (O_k - p_k N)/sqrt(p_k N) with N = sum(O)
    jac = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            jac[i, j] = ((1.0 if i == j else 0.0) - p[i]) / math.sqrt(e[i]) - (
                tot[i] - e[i]
            ) * 0.5 * e[i] ** -1.5 * p[i]
    lam = np.linalg.eigvalsh(jac @ v @ jac.T)[::-1]
    # totals fixed by the design (strata, calibration) have zero variance: rounding noise only
    lam = np.where(lam > 1e-12 * max(1.0, float(np.abs(lam).max())) * k, lam, 0.0)
    if not lam.any():
        return x2, math.nan, math.nan, tot / n_total
    tr = lam.mean()
    tr2 = (lam**2).mean() / tr**2
    scale = tr * tr2
    df = k / tr2
    return x2, scale, df, tot / n_total


def representativeness_test(
    design: SurveyDesign, col: str, population: Mapping[Any, float]
) -> dict[str, GoodnessOfFit]:
    """Does the sample match population shares of ``col``, before and after weighting?

    ``before``: Pearson chi-square of the unweighted counts (scipy ``chisquare``). ``after``:
    the design-based test of R's ``svygofchisq`` on the weighted design (statistic on estimated
    totals, referred to a scaled chi-square with Satterthwaite df). A design raked or
    post-stratified on ``col`` matches exactly, so ``after`` then has statistic 0.
    """
    levels = design.levels(col)
    unknown = [k for k in population if k not in levels]
    if unknown:
        raise ValueError(f"population levels {unknown} do not occur in column {col!r} ({levels})")
    p = np.array([float(population.get(lv, 0.0)) for lv in levels])
    if (p <= 0).any():
        zero = [lv for lv, v in zip(levels, p, strict=True) if v <= 0]
        raise ValueError(
            f"every sampled level of {col!r} needs a positive population count; missing {zero}"
        )
    p = p / p.sum()
    d = design.domain_mask()
    s = design.data[col]
    counts = np.array([int(((s == lv).to_numpy() & d).sum()) for lv in levels])
    n = counts.sum()
    chi = stats.chisquare(counts, n * p)
    x2, scale, df, wshare = _gof_design(design, col, levels, p)
    if x2 < 1e-12 * max(1.0, float(counts.sum())):
        p_after = 1.0  # weighted shares equal the population shares
    elif math.isnan(scale):
        p_after = math.nan  # zero design variance: R's svygofchisq gives NaN too
    else:
        p_after = float(stats.chi2.sf(x2 / scale, df))
    shares = pd.DataFrame(
        {"population": p, "sample": counts / n, "weighted": wshare},
        index=pd.Index(levels, name=col),
    )
    return {
        "before": GoodnessOfFit(
            float(chi.statistic),
            float(len(levels) - 1),
            float(chi.pvalue),
            shares,
            1.0,
            "Pearson (unweighted)",
        ),
        "after": GoodnessOfFit(
            x2, df, p_after, shares, scale, "design-based (R svygofchisq, Satterthwaite)"
        ),
    }


#: R's ``calfun`` values.
CALFUNS = ("linear", "raking", "logit")


def _terms(formula: str) -> tuple[list[str], bool]:
    """The variables of a main-effects formula ``"~a + b"`` and whether it has an intercept."""
    text = formula.strip()
    if not text.startswith("~"):
        raise ValueError(f"formula must start with '~', like '~gender + agegrp', got {formula!r}")
    parts = [t.strip() for t in text[1:].split("+")]
    intercept = True
    terms: list[str] = []
    for part in parts:
        if part in ("1", ""):
            continue
        if part in ("0", "-1") or part.endswith("-1") or part.endswith("- 1"):
            intercept = False
            part = part.rsplit("-", 1)[0].strip()
            if not part:
                continue
        if any(op in part for op in ("*", ":", "(", "^", "-")):
            raise ValueError(
                f"formula term {part!r}: calibrate takes main effects only ('~a + b'); "
                "make an interaction column first"
            )
        terms.append(part)
    if not terms and not intercept:
        raise ValueError("formula has no terms")
    return terms, intercept


def model_matrix(data: pd.DataFrame, formula: str) -> pd.DataFrame:
    """R's ``model.matrix(formula, data)`` for main effects, with R's column names.

    Numbers stay one column; text, categorical and boolean columns become indicators of
    every level but the first (R's treatment contrasts: ``"genderM"``, ``"agegrp40-64"``,
    ``"flagTRUE"``), all levels for the first factor when the intercept is removed.
    """
    terms, intercept = _terms(formula)
    cols: dict[str, np.ndarray] = {}
    if intercept:
        cols["(Intercept)"] = np.ones(len(data))
    first_factor = not intercept
    for term in terms:
        if term not in data.columns:
            raise ValueError(f"unknown column {term!r}; the data has {list(data.columns)}")
        s = data[term]
        if s.isna().any():
            rows = list(data.index[np.flatnonzero(s.isna().to_numpy())[:5]])
            raise ValueError(f"calibration variable {term!r} has missing values at rows {rows}")
        numeric = pd.api.types.is_numeric_dtype(s.dtype) and s.dtype != bool
        if numeric and not isinstance(s.dtype, pd.CategoricalDtype):
            cols[term] = s.to_numpy(dtype=float)
            continue
        codes: np.ndarray
        if s.dtype == bool:
            levels: list[Any] = [False, True]
            codes = s.to_numpy(dtype=np.int64)
        elif isinstance(s.dtype, pd.CategoricalDtype):
            levels = list(s.cat.categories)
            codes = s.cat.codes.to_numpy(dtype=np.int64)
        else:
            raw, uniques = pd.factorize(s, sort=True)
            levels, codes = list(uniques), raw.astype(np.int64)
        first = 0 if first_factor else 1
        first_factor = False
        for k in range(first, len(levels)):
            lv = levels[k]
            label = "TRUE" if lv is True else "FALSE" if lv is False else str(lv)
            cols[f"{term}{label}"] = (codes == k).astype(float)
    return pd.DataFrame(cols, index=data.index)


def _calfun(
    name: str, lower: float, upper: float
) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    """R's ``cal.linear``, ``cal.raking`` and ``cal.logit``: F - 1 and its derivative."""
    if name == "linear":
        return (
            lambda u: np.minimum(np.maximum(u + 1, lower), upper) - 1,
            lambda u: ((u < upper - 1) & (u > lower - 1)).astype(float),
        )
    if name == "raking":
        return (
            lambda u: np.minimum(np.maximum(np.exp(u), lower), upper) - 1,
            lambda u: np.where((u < upper - 1) & (u > lower - 1), np.exp(u), 0.0),
        )
    a = (upper - lower) / ((upper - 1) * (1 - lower))

    def fm1(u: np.ndarray) -> np.ndarray:
        e = np.exp(a * u)
        return np.asarray(
            (lower * (upper - 1) + upper * (1 - lower) * e) / (upper - 1 + (1 - lower) * e) - 1
        )

    def df(u: np.ndarray) -> np.ndarray:
        e = np.exp(a * u)
        den = upper - 1 + (1 - lower) * e
        return np.asarray(
            upper * (1 - lower) * e * a / den
            - (lower * (upper - 1) + upper * (1 - lower) * e) * ((1 - lower) * e * a) / den**2
        )

    return fm1, df


def _grake(
    mm: np.ndarray,
    ww: np.ndarray,
    calfun: str,
    bounds: tuple[float, float],
    population: np.ndarray,
    maxit: int,
    epsilon: float,
) -> tuple[np.ndarray, float | None]:
    """R's ``grake``: Newton steps on the calibration equations, halving on overflow.

    Returns g and, when it did not converge, the relative misfit reached.
    """
    fm1, dfun = _calfun(calfun, *bounds)
    sample_total = (mm * ww[:, None]).sum(axis=0)
    eta = np.zeros(mm.shape[1])
    xeta = mm @ eta
    scale = None
    with np.errstate(divide="ignore"):
        scales = population / sample_total
    if scales.min() > 20:  # R's SOMETHRESHOLD: weights far too small for the totals
        scale = float(scales.mean())
        ww = ww * scale
        sample_total = sample_total * scale
    deriv = dfun(xeta)
    it = 1
    failed = None
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            tmat = (mm * (ww * deriv)[:, None]).T @ mm
            misfit = population - sample_total - (mm * (ww * fm1(xeta))[:, None]).sum(axis=0)
            deta = np.linalg.pinv(tmat, rcond=256 * np.finfo(float).eps) @ misfit
            eta = eta + deta
            xeta = mm @ eta
            g = 1 + fm1(xeta)
            deriv = dfun(xeta)
            while it < maxit and not (np.isfinite(g).all() and np.isfinite(deriv).all()):
                it += 1
                deta = deta / 2
                eta = eta - deta
                xeta = mm @ eta
                g = 1 + fm1(xeta)
                deriv = dfun(xeta)
            misfit = population - sample_total - (mm * (ww * fm1(xeta))[:, None]).sum(axis=0)
            rel = np.abs(misfit) / (1 + np.abs(population))
            if (rel < epsilon).all():
                break
            it += 1
            if it > maxit:
                failed = float(rel.max())
                break
    if scale is not None:
        g = g * scale
    return g, failed


def calibrate(
    design: SurveyDesign,
    formula: str,
    population: Mapping[str, float],
    calfun: str = "linear",
    bounds: tuple[float, float] | None = None,
    maxit: int = 50,
    epsilon: float = 1e-7,
    force: bool = False,
) -> SurveyDesign:
    """Calibrate the weights to population totals (R ``calibrate``), returning a new design.

    ``formula``: main effects, ``"~gender + agegrp"``; ``population``: totals keyed by the
    model-matrix columns as R names them (``"(Intercept)"``, ``"genderM"``,
    ``"agegrp40-64"``; :func:`model_matrix` shows them). ``calfun``: ``"linear"`` (GREG;
    weights may turn negative without bounds), ``"raking"`` (multiplicative, weights stay
    positive) or ``"logit"`` (needs finite ``bounds``). ``bounds=(lower, upper)`` limits the
    calibration factors g = new/old weight. A calibration that does not reach the totals
    (relative misfit ``epsilon`` within ``maxit`` steps) raises, unless ``force=True`` (R's
    ``force``), which keeps the last weights with a warning.
    """
    _check_full(design, "calibrate")
    if calfun not in CALFUNS:
        raise ValueError(f"calfun must be one of {CALFUNS}, got {calfun!r}")
    lower, upper = (-math.inf, math.inf) if bounds is None else (float(bounds[0]), float(bounds[1]))
    if not lower < 1 < upper:
        raise ValueError(f"bounds must satisfy lower < 1 < upper, got {bounds!r}")
    if calfun == "logit" and not (math.isfinite(lower) and math.isfinite(upper)):
        raise ValueError("logit calibration needs finite bounds, e.g. bounds=(0.5, 2.5)")
    mmf = model_matrix(design.data, formula)
    names = list(mmf.columns)
    unknown = [k for k in population if k not in names]
    missing = [k for k in names if k not in population]
    if unknown or missing:
        raise ValueError(
            f"population totals must be keyed by the model-matrix columns {names} (R's "
            f"names); unknown {unknown}, missing {missing}"
        )
    pop = np.array([float(population[k]) for k in names])
    if not np.isfinite(pop).all():
        raise ValueError("population totals must be finite numbers")
    mm = mmf.to_numpy()
    ww = design.row_weights
    sample_total = (mm * ww[:, None]).sum(axis=0)
    drop = (sample_total == 0) & (pop == 0) & (mm == 0).all(axis=0)
    mm = mm[:, ~drop]
    pop = pop[~drop]
    empty = [n for n, t, p in zip(names, sample_total, pop, strict=False) if t == 0 and p != 0]
    if empty:
        raise ValueError(f"no sampled unit has {empty}, so no weight can reach their totals")
    whalf = np.sqrt(ww)
    if calfun == "linear" and bounds is None:
        # R's regcalibrate: one GREG step
        a = mm * whalf[:, None]
        g = 1 + mm @ np.linalg.solve(a.T @ a, pop - (mm * ww[:, None]).sum(axis=0))
    else:
        g, failed = _grake(mm, ww, calfun, (lower, upper), pop, maxit, epsilon)
        if failed is not None:
            if not force:
                raise ValueError(
                    f"calibration failed to reach the totals: relative misfit {failed:.3g} "
                    f"after {maxit} iterations; loosen the bounds, drop a variable, or pass "
                    "force=True to keep the last weights"
                )
            warnings.warn(
                f"calibration did not converge: relative misfit {failed:.3g}", stacklevel=2
            )
    a = mm * whalf[:, None]
    step = GregStep(matrix=a, gram_inverse=np.linalg.pinv(a.T @ a), scale=g * whalf)
    return design.with_weights(ww * g, (*design.calibration, step))
