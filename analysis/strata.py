"""Domain means of a stratified design from per-stratum sums, without the rows.

A design stratified by service unit, each response its own PSU (R
``svydesign(ids=~1, strata=~unit, weights=, fpc=)``), needs only five numbers per stratum
and domain to estimate a domain mean and its linearisation variance: the stratum's rows
(answered or not: domains keep every PSU, Lumley 2010 §2.4.4), the answered rows, Σy and
Σy². So a database can ``GROUP BY`` unit and agency, and a ministry compare its agencies
over a million responses from a few hundred rows.

For a domain mean m_j = Σ w y / Σ w over the answered rows of domain j, the score of an
answered row of stratum h in domain j is z = w_h (y - m_j) / W_j (zero elsewhere), linear
in y; so its per-stratum sum and sum of squares (and cross-products between domains) come
from Σy, Σy² and the count. The variance is R's ``svyrecvar`` for one stage,
Σ_h (1 - n_h/N_h) n_h/(n_h - 1) Σ_i (z_i - z̄_h)², and equals what
:class:`analysis.design.SurveyDesign` computes from the rows
(tests/analysis/test_strata.py checks it, contrasts between domains included).

A dimension's average of its items' means (:func:`average_of_means`, as
``analysis.composite.average_of_means`` computes it from the rows) needs more: the score
of a row sums one term per item it answered, so Σz² per stratum needs, per pair of items,
the rows that answered both, their Σy of each item and Σ of the products (:class:`PairCell`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.ciprop import BOUNDARY_RULES
from analysis.ciprop import one_sided_where_bounded
from analysis.ciprop import proportion_estimate
from analysis.estimate import Estimate
from analysis.estimate import Estimates
from analysis.tables import ChisqTest
from analysis.tables import second_order

__all__ = [
    "PairCell",
    "StratumCell",
    "average_of_means",
    "domain_means",
    "domain_proportions",
    "two_way",
]

_SELF_REPRESENTING = 1e-7  # R's onestrat: a census stratum adds no variance
_CANCELLED = 1e-12  # relative size below which a centred sum is rounding noise
LONELY = ("adjust", "remove", "certainty")


@dataclass(frozen=True)
class StratumCell:
    """The sums of one stratum within one domain.

    ``rows``: the design's rows of the stratum in this domain, answered or not;
    ``answered``: rows with a value; ``total``: Σy; ``squares``: Σy² over them.
    """

    stratum: Hashable
    domain: Hashable
    rows: int
    answered: int
    total: float
    squares: float


@dataclass(frozen=True)
class PairCell:
    """The sums of one stratum over the rows that answered both items of a pair (a, b).

    ``both``: those rows; ``first``: Σ y_a and ``second``: Σ y_b over them; ``product``:
    Σ y_a·y_b.
    """

    stratum: Hashable
    both: int
    first: float
    second: float
    product: float


def _check(cells: Sequence[StratumCell], population: Mapping[Hashable, float] | None) -> None:
    if not cells:
        raise ValueError("no stratum cells: the design has no rows")
    for c in cells:
        if c.rows < 0 or c.answered < 0 or c.answered > c.rows:
            raise ValueError(f"cell {c.stratum!r}/{c.domain!r}: answered must be 0..rows")
    if population is not None:
        n = _stratum_rows(cells)
        for h, rows in n.items():
            if h not in population:
                raise ValueError(f"stratum {h!r} has no population count")
            if population[h] < rows:
                raise ValueError(
                    f"stratum {h!r}: population {population[h]:g} is smaller than its {rows} rows"
                )


def _stratum_rows(cells: Sequence[StratumCell]) -> dict[Hashable, int]:
    rows: dict[Hashable, int] = {}
    for c in cells:
        rows[c.stratum] = rows.get(c.stratum, 0) + c.rows
    return rows


def _stratum_weights(
    n_h: Mapping[Hashable, int],
    strata: Sequence[Hashable],
    population: Mapping[Hashable, float] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per stratum, in ``strata``'s order: the rows, each row's weight (N_h / n_h, or 1
    without a population) and the finite-population factor (N_h - n_h) / N_h (1 without)."""
    rows = np.array([n_h[h] for h in strata], dtype=float)
    if population is None:
        return rows, np.ones(len(strata)), np.ones(len(strata))
    pop = np.array([float(population[h]) for h in strata])
    return rows, pop / rows, (pop - rows) / pop


def domain_means(
    cells: Sequence[StratumCell],
    targets: Mapping[Hashable, Sequence[Hashable]],
    *,
    population: Mapping[Hashable, float] | None = None,
    lonely_psu: str = "adjust",
) -> Estimates:
    """The mean of each target (a union of domains) with their joint covariance.

    ``targets`` names each estimate and the domains it pools (an agency: its own domain;
    the ministry: every domain). ``population`` gives N_h per stratum: weights N_h/n_h and
    the finite-population correction; without it every row weighs 1 and there is no
    correction. ``lonely_psu`` is R's option for a stratum with one row ("adjust" centres
    it at zero; "remove" and "certainty" let it add nothing). A target without answered
    rows raises. Each estimate's ``df`` is R's ``degf`` of its domain (answered rows minus
    strata holding them); intervals are normal (``svymean``'s ``confint``).
    """
    _check(cells, population)
    if lonely_psu not in LONELY:
        raise ValueError(f"lonely_psu must be one of {LONELY}, got {lonely_psu!r}")
    n_h = _stratum_rows(cells)
    strata = list(n_h)
    index = {h: i for i, h in enumerate(strata)}
    rows, weight, fpc = _stratum_weights(n_h, strata, population)
    names = list(targets)
    member = np.array(
        [[c.domain in set(targets[t]) for t in names] for c in cells], dtype=float
    )  # cells x targets
    stratum = np.array([index[c.stratum] for c in cells])
    w = weight[stratum]
    k = np.array([c.answered for c in cells], dtype=float)
    s1 = np.array([c.total for c in cells], dtype=float)
    s2 = np.array([c.squares for c in cells], dtype=float)
    big_w = (member * (w * k)[:, None]).sum(axis=0)
    empty = [names[j] for j in np.flatnonzero(big_w <= 0)]
    if empty:
        raise ValueError(f"no answered rows in {empty}")
    means = (member * (w * s1)[:, None]).sum(axis=0) / big_w
    alpha = member * w[:, None] / big_w  # z = alpha*(y - mean) for an answered row
    # Each cell's sums about its own mean: Σ(y - m_j)(y - m_k) = ss + k(ȳ - m_j)(ȳ - m_k),
    # with ss = Σ(y - ȳ)² (0 where the cell's values are all equal, as the rows give it:
    # Σy² - 2mΣy + m²k would leave rounding noise there, and a domain of equal values a
    # standard error of 1e-9 instead of 0).
    ybar = np.where(k > 0, s1 / np.maximum(k, 1), 0.0)
    ss = s2 - s1 * ybar
    ss = np.where(np.abs(ss) <= _CANCELLED * np.abs(s2), 0.0, ss)
    off = ybar[:, None] - means[None, :]  # cells x targets
    # per stratum: Σz (strata x targets) and Σ z_j z_k (strata x targets x targets)
    t = np.zeros((len(strata), len(names)))
    np.add.at(t, stratum, alpha * k[:, None] * off)
    cross = (
        alpha[:, :, None]
        * alpha[:, None, :]
        * (ss[:, None, None] + k[:, None, None] * off[:, :, None] * off[:, None, :])
    )
    p = np.zeros((len(strata), len(names), len(names)))
    np.add.at(p, stratum, cross)
    lonely = (rows == 1) & ~(fpc < _SELF_REPRESENTING)
    scale = np.where(rows > 1, fpc * rows / np.maximum(rows - 1, 1), fpc)
    scale = np.where(fpc < _SELF_REPRESENTING, 0.0, scale)
    centred = p - t[:, :, None] * t[:, None, :] / rows[:, None, None]
    # Σz² - (Σz)²/n cancels to rounding noise (1e-17 of Σz²) where a stratum's values
    # are all equal; the rows' own centring gives exactly 0 there, and a variance of
    # 1e-18 instead of 0 would switch a share's interval from the boundary rule to logit.
    centred = np.where(np.abs(centred) <= _CANCELLED * np.abs(p), 0.0, centred)
    if lonely_psu == "adjust":
        centred = np.where(lonely[:, None, None], p, centred)
    else:
        scale = np.where(lonely, 0.0, scale)
    v = (centred * scale[:, None, None]).sum(axis=0)
    entries: dict[object, Estimate] = {}
    for j, name in enumerate(names):
        held = (member[:, j] > 0) & (k > 0)
        df = int(k[held].sum()) - len({int(h) for h in stratum[held]})
        entries[name] = Estimate(
            float(means[j]), math.sqrt(max(v[j, j], 0.0)), df, math.nan, str(name), "mean"
        )
    return Estimates(entries, pd.DataFrame(v, index=names, columns=names))


def domain_proportions(
    cells: Sequence[StratumCell],
    targets: Mapping[Hashable, Sequence[Hashable]],
    *,
    population: Mapping[Hashable, float] | None = None,
    lonely_psu: str = "adjust",
    method: str = "logit",
    boundary: str = "equal-tailed",
) -> Estimates:
    """As :func:`domain_means` for a 0/1 variable (``total`` = ``squares`` = the ones),
    each estimate with the interval of R's ``svyciprop(method=)`` on its design df;
    ``boundary="one-sided"`` gives the satisfaction measures' interval instead
    (:func:`analysis.ciprop.one_sided_where_bounded`)."""
    if boundary not in BOUNDARY_RULES:
        raise ValueError(f"boundary must be one of {BOUNDARY_RULES}, got {boundary!r}")
    for c in cells:
        if c.total < 0 or c.total > c.answered or c.squares != c.total:
            raise ValueError(
                f"cell {c.stratum!r}/{c.domain!r} is not of a 0/1 variable "
                "(total must equal squares, between 0 and answered)"
            )
    means = domain_means(cells, targets, population=population, lonely_psu=lonely_psu)
    answered = {
        t: sum(c.answered for c in cells if c.domain in set(members))
        for t, members in targets.items()
    }
    entries: dict[object, Estimate] = {
        t: proportion_estimate(e.estimate, e.se, e.df, answered[t], method=method, name=str(t))
        for t, e in means.entries.items()
    }
    if boundary == "one-sided":
        entries = {t: one_sided_where_bounded(e, answered[t]) for t, e in entries.items()}
    return Estimates(entries, means.vcov)


def _variance(
    t: np.ndarray, p: np.ndarray, rows: np.ndarray, fpc: np.ndarray, lonely_psu: str
) -> float:
    """Σ_h of a stratum's centred sum of squared scores, as :func:`domain_means` (one
    estimate): ``t`` Σz and ``p`` Σz² per stratum."""
    lonely = (rows == 1) & ~(fpc < _SELF_REPRESENTING)
    scale = np.where(rows > 1, fpc * rows / np.maximum(rows - 1, 1), fpc)
    scale = np.where(fpc < _SELF_REPRESENTING, 0.0, scale)
    centred = p - t * t / rows
    centred = np.where(np.abs(centred) <= _CANCELLED * np.abs(p), 0.0, centred)
    if lonely_psu == "adjust":
        centred = np.where(lonely, p, centred)
    else:
        scale = np.where(lonely, 0.0, scale)
    return float((centred * scale).sum())


def average_of_means(
    items: Sequence[Sequence[StratumCell]],
    pairs: Mapping[tuple[int, int], Sequence[PairCell]],
    answered_any: Mapping[Hashable, int],
    *,
    population: Mapping[Hashable, float] | None = None,
    lonely_psu: str = "adjust",
    scale: float = 1.0,
    shift: float = 0.0,
    name: str = "",
) -> Estimate:
    """``scale · (mean of the items' means - shift)`` over the whole design, with its
    linearised SE, from sums: what ``analysis.composite.average_of_means`` gives from the
    rows (each item's mean over the rows that answered it).

    ``items``: each item's stratum cells (domains are pooled: the estimate is over every
    row); ``pairs``: for items i < j (indices into ``items``) the cells of the rows that
    answered both; ``answered_any``: per stratum, the rows that answered at least one item
    (the design df is theirs: rows minus strata holding them). ``population`` and
    ``lonely_psu`` as :func:`domain_means`. An item without answers raises.
    """
    if not items:
        raise ValueError("items must name at least one item")
    if lonely_psu not in LONELY:
        raise ValueError(f"lonely_psu must be one of {LONELY}, got {lonely_psu!r}")
    for cells in items:
        _check(cells, population)
    n_h = _stratum_rows(items[0])
    strata = list(n_h)
    index = {h: i for i, h in enumerate(strata)}
    for cells in items[1:]:
        if _stratum_rows(cells) != n_h:
            raise ValueError("every item's cells must cover the same rows per stratum")
    rows, weight, fpc = _stratum_weights(n_h, strata, population)
    k = len(items)
    answered = np.zeros((len(strata), k))
    s1 = np.zeros((len(strata), k))
    s2 = np.zeros((len(strata), k))
    for c, cells in enumerate(items):
        for cell in cells:
            h = index[cell.stratum]
            answered[h, c] += cell.answered
            s1[h, c] += cell.total
            s2[h, c] += cell.squares
    big_w = (weight[:, None] * answered).sum(axis=0)
    empty = [c for c in range(k) if not big_w[c] > 0]
    if empty:
        raise ValueError(f"items {empty} have no answers")
    means = (weight[:, None] * s1).sum(axis=0) / big_w
    # an answered row's score: z = Σ_c a_c (y_c - m_c), a_c = w_h / (k W_c)
    a = weight[:, None] / (k * big_w[None, :])
    t = (a * (s1 - means[None, :] * answered)).sum(axis=1)
    # Σ over the rows of (y_c - m_c)(y_d - m_d) where both were answered, per stratum
    q = np.zeros((len(strata), k, k))
    for c in range(k):
        q[:, c, c] = s2[:, c] - 2 * means[c] * s1[:, c] + means[c] ** 2 * answered[:, c]
    for (i, j), pair_cells in pairs.items():
        if not 0 <= i < j < k:
            raise ValueError(f"pair {(i, j)} must name items i < j of the {k} given")
        for pair in pair_cells:
            h = index[pair.stratum]
            value = (
                pair.product
                - means[j] * pair.first
                - means[i] * pair.second
                + means[i] * means[j] * pair.both
            )
            q[h, i, j] += value
            q[h, j, i] += value
    p = np.einsum("hc,hcd,hd->h", a, q, a)
    v = _variance(t, p, rows, fpc, lonely_psu)
    held = [h for h in strata if answered_any.get(h, 0) > 0]
    df = sum(int(answered_any[h]) for h in held) - len(held)
    return Estimate(
        estimate=scale * (float(means.sum()) / k - shift),
        se=scale * math.sqrt(max(v, 0.0)),
        df=df,
        name=name,
        statistic="average_of_means",
        ci_df=float(df),
    )


def two_way(
    counts: Mapping[Hashable, Sequence[float]],
    rows: Mapping[Hashable, int],
    domain_rows: Mapping[Hashable, int],
    nr: int,
    nc: int,
    *,
    population: Mapping[Hashable, float] | None = None,
    lonely_psu: str = "adjust",
    statistic: str = "F",
) -> ChisqTest:
    """Rao and Scott's test of independence of a two-way table from per-stratum counts, as
    ``analysis.tables.svychisq(design.subset(domain), row, col)`` gives it from the rows.

    ``counts``: per stratum, the rows of the domain with both variables present in each
    cell (``nr * nc`` cells, the row variable's level fastest: cell ``r + nr * c``);
    ``rows``: every stratum of the design with its rows (weights and centring are the
    whole design's: domains keep every PSU); ``domain_rows``: per stratum, the domain's
    rows, present or not (the table is scaled to their number and the design df counts
    them and their strata). The cells' means over the domain's present rows and their
    covariance are what ``DesignCore.mean_block`` gives: a row's score is
    (e_cell - mean)·w_h/Σw, so its per-stratum Σ and Σ of outer products need only the
    counts. ``population``, ``lonely_psu`` as :func:`domain_means`; ``statistic`` as
    :func:`analysis.tables.second_order`.
    """
    if lonely_psu not in LONELY:
        raise ValueError(f"lonely_psu must be one of {LONELY}, got {lonely_psu!r}")
    if nr < 2 or nc < 2:
        raise ValueError("the table needs at least two levels of each variable")
    strata = list(rows)
    unknown = (set(counts) | set(domain_rows)) - set(strata)
    if unknown:
        raise ValueError(f"strata {sorted(map(str, unknown))} are not in the design's rows")
    k = nr * nc
    size, weight, fpc = _stratum_weights(rows, strata, population)
    c = np.zeros((len(strata), k))
    for h, stratum in enumerate(strata):
        if stratum in counts:
            found = np.asarray(counts[stratum], dtype=float)
            if found.shape != (k,):
                raise ValueError(f"stratum {stratum!r}: {found.shape} counts, not {k}")
            c[h] = found
    psum = float((weight[:, None] * c).sum())
    if not psum > 0:
        raise ValueError("two-way table: the domain is empty (no rows with positive weight)")
    est = (weight[:, None] * c).sum(axis=0) / psum
    a = weight / psum
    m = c.sum(axis=1)
    t = a[:, None] * (c - m[:, None] * est[None, :])
    outer = (
        np.einsum("hk,kl->hkl", c, np.eye(k))
        - c[:, :, None] * est[None, None, :]
        - est[None, :, None] * c[:, None, :]
        + m[:, None, None] * np.outer(est, est)[None, :, :]
    )
    p = (a**2)[:, None, None] * outer
    lonely = (size == 1) & ~(fpc < _SELF_REPRESENTING)
    scale = np.where(size > 1, fpc * size / np.maximum(size - 1, 1), fpc)
    scale = np.where(fpc < _SELF_REPRESENTING, 0.0, scale)
    centred = p - t[:, :, None] * t[:, None, :] / size[:, None, None]
    centred = np.where(np.abs(centred) <= _CANCELLED * np.abs(p), 0.0, centred)
    if lonely_psu == "adjust":
        centred = np.where(lonely[:, None, None], p, centred)
    else:
        scale = np.where(lonely, 0.0, scale)
    v = (centred * scale[:, None, None]).sum(axis=0)
    held = [h for h in strata if domain_rows.get(h, 0) > 0]
    n_rows = float(sum(domain_rows[h] for h in held))
    nu = float(sum(int(domain_rows[h]) for h in held) - len(held))
    return second_order(est, v, n_rows, nu, nr, nc, statistic)
