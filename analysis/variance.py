"""Multistage Horvitz-Thompson variance of estimated totals, as R ``survey::svyrecvar``.

The estimators in :mod:`analysis.design` reduce every statistic to a matrix of linearised
scores (influence functions times weights, Lumley 2010 §2.3 and appendix C). This module turns
scores into a variance: calibration residuals first (``postStratify`` and ``rake``), then the
between-cluster variance at each stage with finite population corrections, recursing into
later stages only when an ``fpc`` is given, exactly as ``svyrecvar``/``multistage``/
``onestage``/``onestrat`` in survey 4.1 (Cochran 1977 §11.8 for the two-stage formula).

Everything is vectorised: scores are summed into the smallest sampling units with
``np.bincount`` and each stage is one centred cross-product, so no Python loop runs over PSUs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "LONELY_PSU_OPTIONS",
    "CalibrationStep",
    "GregStep",
    "PostStratumStep",
    "RakingStep",
    "StageInfo",
    "calibration_residuals",
    "group_sums",
    "recvar",
]

#: Values of R's ``options(survey.lonely.psu=)``; ``"fail"`` is R's default.
LONELY_PSU_OPTIONS = ("fail", "remove", "certainty", "adjust", "average")

#: R's ``onestrat`` treats a stratum as self-representing when every f < 1e-7.
_SELF_REPRESENTING = 1e-7


@dataclass(frozen=True)
class StageInfo:
    """Sampling structure of one stage, in integer codes (built by ``SurveyDesign``).

    Units are the clusters of the last stage that enters the variance; ``cluster_of_unit``
    maps each to its cluster at this stage. Strata of later stages are nested in the
    clusters of the stage before (R forces this with ``interaction``).
    """

    cluster_of_unit: np.ndarray
    n_clusters: int
    stratum_of_cluster: np.ndarray
    n_strata: int
    n_sampled: np.ndarray
    pop: np.ndarray | None
    parent_of_stratum: np.ndarray
    multiplier: np.ndarray

    @property
    def f(self) -> np.ndarray:
        """Finite population correction (N - n) / N per stratum; 1 without fpc (R)."""
        if self.pop is None:
            return np.ones(self.n_strata)
        with np.errstate(divide="ignore", invalid="ignore"):
            f: np.ndarray = (self.pop - self.n_sampled) / self.pop
        return np.where(np.isinf(self.pop), 1.0, f)

    @property
    def lonely(self) -> np.ndarray:
        """Strata with one sampled cluster that are not self-representing."""
        lonely: np.ndarray = (self.n_sampled == 1) & ~(self.f < _SELF_REPRESENTING)
        return lonely


@dataclass(frozen=True)
class PostStratumStep:
    """One ``postStratify`` call: post-stratum codes, weights before and after."""

    codes: np.ndarray
    n_levels: int
    old_weights: np.ndarray
    weights: np.ndarray


@dataclass(frozen=True)
class RakingStep:
    """One ``rake`` call: the margins' codes and the weights after each margin's step."""

    margins: tuple[tuple[np.ndarray, int, np.ndarray], ...]


@dataclass(frozen=True)
class GregStep:
    """One ``calibrate`` call (R's ``greg_calibration``): the regression its residuals use.

    ``matrix``: the model matrix times sqrt(w0), w0 the weights before calibration, and
    ``gram_inverse`` the (pseudo-)inverse of its cross-product, so that a residual is
    y - matrix·gram_inverse·matrixᵀ·y (R's ``qr.resid``, without an n x k QR);
    ``scale``: g·sqrt(w0) per row (g the calibration factors).
    """

    matrix: np.ndarray
    gram_inverse: np.ndarray
    scale: np.ndarray


#: One weighting step whose residuals replace the scores in every variance.
CalibrationStep = PostStratumStep | RakingStep | GregStep


def group_sums(codes: np.ndarray, x: np.ndarray, n_groups: int) -> np.ndarray:
    """Column sums of ``x`` (n, p) within integer groups, shape (n_groups, p)."""
    if x.ndim == 1:
        return np.bincount(codes, weights=x, minlength=n_groups)[:, None]
    out = np.empty((n_groups, x.shape[1]))
    for j in range(x.shape[1]):
        out[:, j] = np.bincount(codes, weights=x[:, j], minlength=n_groups)
    return out


def calibration_residuals(x: np.ndarray, steps: tuple[CalibrationStep, ...]) -> np.ndarray:
    """Replace weighted scores by calibration residuals, in the order the steps were applied.

    Post-stratification subtracts each post-stratum's mean of ``x * oldw / w`` (weighted by
    the old weights) times ``w``; ``calibrate`` takes the residual of the regression on the
    calibration variables (R's ``greg_calibration``); raking repeats that unweighted by margin, ten sweeps over
    the margins, exactly as ``svyrecvar`` does (Lumley 2010 §7.2-7.3).
    """
    if not steps:
        return x
    x = np.array(x, dtype=float, copy=True)
    for step in steps:
        if isinstance(step, GregStep):
            # R: qr.resid(qr(mm * sqrt(w0)), x / (g sqrt(w0))) * g sqrt(w0); rows of zero
            # weight have zero scores, and R's 0/0 there is left out (as for raking)
            pos = step.scale != 0
            y = np.zeros_like(x)
            y[pos] = x[pos] / step.scale[pos, None]
            y -= step.matrix @ (step.gram_inverse @ (step.matrix.T @ y))
            x = y * step.scale[:, None]
        elif isinstance(step, PostStratumStep):
            psw = step.weights.copy()
            oldw = step.old_weights
            psw[(psw == 0) & (oldw == 0)] = 1.0
            num = group_sums(step.codes, x * (oldw / psw)[:, None], step.n_levels)
            den = np.bincount(step.codes, weights=oldw, minlength=step.n_levels)
            with np.errstate(divide="ignore", invalid="ignore"):
                means = np.where(den[:, None] > 0, num / den[:, None], 0.0)
            x -= means[step.codes] * psw[:, None]
        else:
            prepared = []
            for codes, n_levels, w in step.margins:
                # R divides by the weights, so a zero-weight row gives 0/0 = NaN there; we leave
                # such rows out (their score is zero), which equals R on the data without them.
                pos = w != 0
                safe = np.where(pos, w, 1.0)
                counts = np.bincount(codes[pos], minlength=n_levels).astype(float)
                counts[counts == 0] = 1.0
                prepared.append((codes, n_levels, w, safe, counts))
            for _ in range(10):
                for codes, n_levels, w, safe, counts in prepared:
                    means = group_sums(codes, x / safe[:, None], n_levels) / counts[:, None]
                    x -= w[:, None] * means[codes]
    return x


def recvar(
    totals: np.ndarray,
    stages: tuple[StageInfo, ...],
    lonely_psu: str = "fail",
    present: tuple[np.ndarray, ...] | None = None,
    adjust_domain_lonely: bool = False,
) -> np.ndarray:
    """Variance-covariance matrix (p, p) of the column totals of ``totals`` (U, p).

    ``totals`` holds score sums per variance unit. Stage s contributes, per stratum h,
    ``f_h n_h/(n_h-1) sum_i (t_hi - t_h/n_h)^2`` times the product of earlier sampling
    fractions, where the mean divides by the number of clusters sampled in the *design*
    (so domains keep every PSU, as R pads absent PSUs with zeros).

    ``present`` (per stage, the number of clusters of each stratum that hold rows of the
    domain; booleans are read as "some") is R's view of a domain's rows: it is needed for
    ``lonely_psu="average"`` (the average runs over the strata the domain touches) and for
    ``adjust_domain_lonely`` (R's ``options(survey.adjust.domain.lonely=TRUE)``: a stratum
    with one cluster *in the domain* is then handled by ``lonely_psu`` too, ``"adjust"``
    centring it at zero and ``"average"`` replacing it by the average of the others).
    """
    if lonely_psu not in LONELY_PSU_OPTIONS:
        raise ValueError(f"lonely_psu must be one of {LONELY_PSU_OPTIONS}, got {lonely_psu!r}")
    p = totals.shape[1]
    v = np.zeros((p, p))
    last = len(stages) - 1
    for s, st in enumerate(stages):
        t = totals if s == last else group_sums(st.cluster_of_unit, totals, st.n_clusters)
        h = st.stratum_of_cluster
        n = st.n_sampled.astype(float)
        f = st.f
        scale = np.where(n > 1, f * n / np.maximum(n - 1, 1), f)
        scale = np.where(f < _SELF_REPRESENTING, 0.0, scale) * st.multiplier
        mean = group_sums(h, t, st.n_strata) / n[:, None]
        lonely = st.lonely
        counts = None if present is None else np.asarray(present[s]).astype(np.int64)
        pres = np.ones(st.n_strata, dtype=bool) if counts is None else counts > 0
        domain_lonely = np.zeros(st.n_strata, dtype=bool)
        if adjust_domain_lonely and counts is not None:
            domain_lonely = (counts == 1) & (st.n_sampled > 1) & ~(f < _SELF_REPRESENTING)
        centre = np.ones(st.n_strata, dtype=bool)
        if lonely_psu == "adjust":
            centre = ~lonely & ~domain_lonely
        elif lonely_psu == "average" and (lonely.any() or domain_lonely.any()):
            unusable = lonely | domain_lonely
            scale = np.where(unusable, 0.0, scale)
            n_par = int(st.parent_of_stratum.max()) + 1
            nstrat = np.bincount(st.parent_of_stratum, weights=pres, minlength=n_par)
            nok = np.bincount(st.parent_of_stratum, weights=pres & ~unusable, minlength=n_par)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(nok > 0, nstrat / nok, np.nan)
            scale = scale * factor[st.parent_of_stratum]
        d = t - np.where(centre[:, None], mean, 0.0)[h]
        v += (d * scale[h][:, None]).T @ d
    return v
