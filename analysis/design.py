"""The design-based estimators of a survey design, matching R's ``survey`` package.

:class:`SurveyDesign` mirrors ``svydesign(ids=, strata=, weights=, fpc=, nest=)`` (Lumley
2010, *Complex Surveys*, ch. 2-3). Its structure, weights and domains live in
:class:`analysis.core.DesignCore`; this module adds the methods that mirror ``svymean``,
``svytotal``, ``svyratio``, ``svyby`` and ``svyglm(y ~ group)`` differences, and hands
``svyquantile``, ``svyciprop`` and ``svyglm`` to :mod:`analysis.quantile`,
:mod:`analysis.ciprop` and :mod:`analysis.regression`. Every variance is the Taylor
linearisation of the statistic (its weighted influence function) passed through
:meth:`analysis.core.DesignCore.variance`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from analysis.checks import BY_STATS
from analysis.checks import SMALL_GROUP
from analysis.checks import check_by_arguments
from analysis.checks import warn_small_groups
from analysis.ciprop import likelihood_fit
from analysis.ciprop import proportion_estimate
from analysis.ciprop import svyciprop
from analysis.core import DesignCore
from analysis.estimate import Estimate
from analysis.estimate import Estimates
from analysis.km import KMCurve
from analysis.km import svykm
from analysis.ordinal import OLRResult
from analysis.ordinal import svyolr
from analysis.quantile import svyquantile
from analysis.regression import GLMResult
from analysis.regression import svyglm
from analysis.replicates import ReplicateDesign
from analysis.replicates import replicate_weights
from analysis.tables import ChisqTest
from analysis.tables import parse_two_way
from analysis.tables import svychisq
from analysis.tables import svytable
from analysis.tables import svyvar

__all__ = ["BY_STATS", "SurveyDesign"]


def _group_deff(
    v: np.ndarray,
    yv: np.ndarray,
    w: np.ndarray,
    groups: np.ndarray,
    means: np.ndarray,
    psum: np.ndarray,
    nobs: np.ndarray,
    total: bool,
) -> np.ndarray:
    """Design effect per group (R ``svyby(deff=TRUE)``): variance ``v`` over the SRS one."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ss = np.bincount(groups, weights=w * (yv - means[groups]) ** 2, minlength=len(v))
        var_unit = ss / psum * nobs / (nobs - 1)
        vsrs = var_unit * (psum - nobs) / (psum * nobs)
        if total:
            vsrs = vsrs * psum**2
        return np.where(psum < nobs, np.nan, v / vsrs)


class SurveyDesign(DesignCore):
    """A complex sample: stages of clusters, strata, weights and finite population corrections.

    ``ids``: one column per sampling stage (``None``: each row is its own unit, R ``~1``).
    ``strata``: first-stage strata. ``weights``: sampling weights; when absent they are the
    product over stages of N/n from ``fpc``, else 1 (R). ``fpc``: one column per stage of
    population counts N, or sampling fractions when all values are at most 1 (R ``as.fpc``).
    ``nest=True`` makes cluster ids unique within strata. ``lonely_psu`` is R's
    ``options(survey.lonely.psu)``; ``"fail"`` (R's default) rejects a stratum with a single
    PSU at construction, ``"remove"``/``"certainty"`` let it contribute nothing,
    ``"adjust"`` centres it at zero instead of its own mean, ``"average"`` replaces its
    contribution by the average of the other strata. ``adjust_domain_lonely=True`` is R's
    ``options(survey.adjust.domain.lonely=TRUE)``: a stratum left with one PSU inside a domain
    is then treated by ``lonely_psu`` as well (with a warning, as R).

    Second and later stages add to the variance only when ``fpc`` is given, as in R; without
    it the design is treated with the ultimate-cluster approximation (Lumley 2010 §3.2).
    Domains (``subset``, ``by``, ``na_rm``) keep every PSU, as R does (Lumley 2010 §2.4.4).
    """

    def mean(self, col: str, na_rm: bool = False) -> Estimate:
        """Weighted mean with linearisation SE (R ``svymean``)."""
        y = self.column(col)
        d = self.usable(y, col, na_rm)
        est, v, deff = self.mean_block(y[:, None], d, f"mean of {col!r}")
        return Estimate(
            float(est[0]), math.sqrt(max(v[0, 0], 0.0)), self.degf(d), float(deff[0]), col, "mean"
        )

    def total(self, col: str, na_rm: bool = False) -> Estimate:
        """Horvitz-Thompson total (R ``svytotal``)."""
        y = self.column(col)
        d = self.usable(y, col, na_rm)
        w = np.where(d, self.row_weights, 0.0)
        yv = np.where(d, y, 0.0)
        x = yv * w
        v = self.variance(x, d)[0, 0]
        psum = float(w.sum())
        deff = self.design_effect(np.array([v]), yv[:, None], w, psum**2)[0]
        return Estimate(
            float(x.sum()), math.sqrt(max(v, 0.0)), self.degf(d), float(deff), col, "total"
        )

    def ratio(self, num: str, den: str, na_rm: bool = False) -> Estimate:
        """Ratio of two totals, SE from the linearised residual (R ``svyratio``)."""
        y = self.column(num)
        x = self.column(den)
        d = self.usable(y, num, na_rm)
        d = self.usable(x, den, na_rm, d)
        w = np.where(d, self.row_weights, 0.0)
        yv = np.where(d, y, 0.0)
        xv = np.where(d, x, 0.0)
        tx = float((w * xv).sum())
        if tx == 0:
            raise ValueError(f"ratio {num!r}/{den!r}: the denominator total is zero in the domain")
        r = float((w * yv).sum()) / tx
        resid = (yv - r * xv) / tx
        v = self.variance(resid * w, d)[0, 0]
        psum = float(w.sum())
        deff = self.design_effect(np.array([v]), resid[:, None], w, psum**2)[0]
        return Estimate(
            r, math.sqrt(max(v, 0.0)), self.degf(d), float(deff), f"{num}/{den}", "ratio"
        )

    def proportion(self, col: str, level: Any = None, na_rm: bool = False) -> Estimate | Estimates:
        """Share of each category (R ``svymean(~factor(col))``); one level gives one Estimate."""
        wanted, y, d = self.category_indicators(col, level, na_rm)
        est, v, deff = self.mean_block(y, d, f"proportion of {col!r}")
        df = self.degf(d)
        items = {
            lv: Estimate(
                float(est[i]),
                math.sqrt(max(v[i, i], 0.0)),
                df,
                float(deff[i]),
                f"{col}={lv}",
                "proportion",
            )
            for i, lv in enumerate(wanted)
        }
        if level is not None:
            return items[level]
        return Estimates(items, pd.DataFrame(v, index=wanted, columns=wanted))

    def _group_codes(self, group: str) -> tuple[np.ndarray, list[Any]]:
        levels = self.levels(group)
        codes = pd.Categorical(self.data[group], categories=levels).codes.astype(np.int64)
        return codes, levels

    def _nonempty_groups(
        self, codes: np.ndarray, levels: list[Any], d: np.ndarray, what: str
    ) -> tuple[np.ndarray, list[Any]]:
        """Group code per row of ``d`` (-1 elsewhere) once levels without weight are dropped."""
        present = np.bincount(codes[d & (self.row_weights != 0)], minlength=len(levels)) > 0
        keep = np.flatnonzero(present)
        if len(keep) == 0:
            raise ValueError(f"{what}: no group has rows with positive weight")
        remap = np.full(len(levels), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        return np.where(d, remap[np.maximum(codes, 0)], -1), [levels[k] for k in keep]

    def by(
        self,
        col: str,
        group: str,
        stat: str = "mean",
        na_rm: bool = False,
        *,
        den: str | None = None,
        q: float | None = None,
        level: Any = None,
        method: str = "logit",
        qrule: str = "math",
        interval_type: str = "mean",
    ) -> Estimates:
        """One estimate per level of ``group`` as domains (R ``svyby``); empty levels drop.

        ``stat``: ``"mean"``, ``"total"``, ``"proportion"`` (share of ``level`` in ``col``,
        or of 1 in a 0/1 column: ``svyby(~I(col == level), ~group, svymean)``), ``"ciprop"``
        (the same with ``svyciprop``'s interval of ``method``), ``"ratio"`` (``col`` over
        ``den``: ``svyratio``) or ``"quantile"`` (quantile ``q``: ``svyquantile`` with ``qrule`` and ``interval_type``). Each
        group's estimate, SE, df and interval are R's for that domain; ``.vcov`` is the joint
        covariance (R ``svyby(covmat=TRUE)``; for quantiles, the covariance of the CDF at
        the group quantiles mapped through Woodruff's slopes, which R does not give).
        """
        check_by_arguments(stat, den, q, level)
        y = self.by_values(col, stat, level)
        codes, levels = self._group_codes(group)
        d = self.usable(y, col, na_rm, self.domain_mask() & (codes >= 0))
        x = None
        if den is not None:
            x = self.column(den)
            d = self.usable(x, den, na_rm, d)
        w = np.where(d, self.row_weights, 0.0)
        g, labels = self._nonempty_groups(codes, levels, d, f"by({col!r}, {group!r})")
        d = d & (g >= 0)
        gi = np.maximum(g, 0)
        n_g = len(labels)
        yv = np.where(d, y, 0.0)
        psum = np.bincount(gi, weights=w, minlength=n_g)
        sums = np.bincount(gi, weights=w * yv, minlength=n_g)
        means = sums / psum
        nz = d & (self.row_weights != 0)
        df = self.group_degf(nz, gi, n_g)
        name = f"{col}/{den}" if den is not None else col
        if stat == "quantile":
            assert q is not None
            return self._by_quantile(
                col, group, labels, d, gi, q, na_rm, qrule=qrule, interval_type=interval_type
            )
        est: np.ndarray
        if stat == "total":
            est = sums
            score = yv * w
        elif stat == "ratio":
            assert x is not None and den is not None
            xv = np.where(d, x, 0.0)
            tx = np.bincount(gi, weights=w * xv, minlength=n_g)
            if (tx == 0).any():
                zero = [labels[j] for j in np.flatnonzero(tx == 0)]
                raise ValueError(f"ratio {col!r}/{den!r}: the denominator total is zero in {zero}")
            est = sums / tx
            score = (yv - est[gi] * xv) * w / tx[gi]
        else:
            est = means
            score = (yv - est[gi]) * w / psum[gi]
        score = np.where(d, score, 0.0)
        v = self.group_variance(score, d, gi, n_g)
        own = self.group_variances(score, d, gi, n_g)
        var = np.diag(v) if own is None else own
        nobs = np.bincount(gi[nz], minlength=n_g)
        deff = (
            np.full(n_g, math.nan)
            if stat == "ratio"
            else _group_deff(var, yv, w, gi, means, psum, nobs, total=stat == "total")
        )
        items: dict[object, Estimate] = {}
        for j, lab in enumerate(labels):
            se = math.sqrt(max(var[j], 0.0))
            label = f"{name}|{group}={lab}"
            if stat == "ciprop":
                dj = d & (gi == j)
                nrow = self.nrow(dj)
                fit = None
                if method == "likelihood" and se > 0 and 0.0 < est[j] < 1.0:
                    fit = likelihood_fit(yv, np.where(dj, w, 0.0), nrow)
                items[lab] = proportion_estimate(
                    float(est[j]),
                    se,
                    int(df[j]),
                    nrow,
                    method=method,
                    deff=float(deff[j]),
                    name=label,
                    respondents=int(nobs[j]),
                    fit=fit,
                )
            else:
                items[lab] = Estimate(float(est[j]), se, int(df[j]), float(deff[j]), label, stat)
        return Estimates(items, pd.DataFrame(v, index=labels, columns=labels))

    def _by_quantile(
        self,
        col: str,
        group: str,
        labels: list[Any],
        d: np.ndarray,
        gi: np.ndarray,
        q: float,
        na_rm: bool,
        *,
        qrule: str = "math",
        interval_type: str = "mean",
    ) -> Estimates:
        """Quantile ``q`` per group (R ``svyby(..., svyquantile)``) and their joint covariance.

        Each group is ``svyquantile`` on its domain. The covariance of two groups' quantiles
        is that of their CDFs at the quantiles (joint design) divided by the densities
        Woodruff's interval implies, se(F)/se(q) (Francisco & Fuller 1991).
        """
        n_g = len(labels)
        y = np.where(d, self.column(col), 0.0)
        w = np.where(d, self.row_weights, 0.0)
        psum = np.bincount(gi, weights=w, minlength=n_g)
        items: dict[object, Estimate] = {}
        qhat = np.zeros(n_g)
        for j, lab in enumerate(labels):
            dj = d & (gi == j)
            e = svyquantile(
                self._copy(_domain=dj),
                col,
                q,
                na_rm=na_rm,
                qrule=qrule,
                interval_type=interval_type,
            )
            qhat[j] = e.estimate
            items[lab] = replace(e, name=f"{col} q{q:g}|{group}={lab}")
        ind = (y <= qhat[gi]).astype(float)
        cdf = np.bincount(gi, weights=w * ind, minlength=n_g) / psum
        score = np.where(d, (ind - cdf[gi]) * w / psum[gi], 0.0)
        v = self.group_variance(score, d, gi, n_g)
        own = self.group_variances(score, d, gi, n_g)
        var_f = np.diag(v) if own is None else own
        se_q = np.array([items[lab].se for lab in labels])
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(var_f > 0, se_q / np.sqrt(var_f), np.nan)
        cov = v * np.outer(slope, slope)
        np.fill_diagonal(cov, se_q**2)
        return Estimates(items, pd.DataFrame(cov, index=labels, columns=labels))

    def difference(
        self,
        col: str,
        by: str,
        levels: Sequence[Any],
        na_rm: bool = False,
        min_group: int = SMALL_GROUP,
    ) -> Estimate:
        """Mean of ``levels[1]`` minus mean of ``levels[0]``, SE from the joint design.

        A group with fewer than ``min_group`` respondents gives a ``SmallDomainWarning``.

        Both domains come from one design, so their covariance (shared PSUs) enters the SE;
        this equals R's ``svyglm(col ~ group)`` slope on the two levels, whose residual df
        (design df minus one, as ``svyttest``) is used for the interval.
        """
        if len(levels) != 2:
            raise ValueError(f"levels must name exactly two groups (before, after), got {levels!r}")
        if levels[0] == levels[1]:
            raise ValueError(
                f"levels must name two different groups, got {levels[0]!r} twice "
                "(the difference would be 0 with SE 0)"
            )
        known = self.levels(by)
        for lv in levels:
            if lv not in known:
                raise ValueError(
                    f"level {lv!r} does not occur in column {by!r}; levels are {known}"
                )
        y = self.column(col)
        gcol = self.data[by]
        d0 = self.usable(y, col, na_rm, self.domain_mask() & (gcol == levels[0]).to_numpy())
        d1 = self.usable(y, col, na_rm, self.domain_mask() & (gcol == levels[1]).to_numpy())
        scores = []
        means = []
        for dk in (d0, d1):
            w = np.where(dk, self.row_weights, 0.0)
            psum = float(w.sum())
            if not psum > 0:
                raise ValueError(f"difference: group of {by!r} is empty in the domain")
            yv = np.where(dk, y, 0.0)
            m = float((w * yv).sum() / psum)
            means.append(m)
            scores.append((yv - m) * w / psum)
        warn_small_groups(
            {
                levels[0]: int((d0 & (self.row_weights != 0)).sum()),
                levels[1]: int((d1 & (self.row_weights != 0)).sum()),
            },
            f"difference of {col!r} by {by!r}",
            min_group,
        )
        both = d0 | d1
        v = self.variance(scores[1] - scores[0], both)[0, 0]
        df = self.degf(both) - 1
        return Estimate(
            means[1] - means[0],
            math.sqrt(max(v, 0.0)),
            df,
            math.nan,
            f"{col}: {by}={levels[1]} - {by}={levels[0]}",
            "difference",
            ci_df=float(df),
        )

    def quantile(
        self,
        col: str,
        q: float,
        na_rm: bool = False,
        *,
        qrule: str = "math",
        interval_type: str = "mean",
    ) -> Estimate:
        """Quantile with R ``svyquantile``'s interval (defaults: survey >= 4, Woodruff).

        ``qrule``: ``"math"``, ``"school"``, ``"shahvaish"``, ``"hf1"``-``"hf9"``;
        ``interval_type``: ``"mean"``, ``"beta"``, ``"xlogit"``, ``"asin"``, ``"score"``.
        """
        return svyquantile(self, col, q, na_rm=na_rm, qrule=qrule, interval_type=interval_type)

    def ciprop(self, col: str, method: str = "logit", na_rm: bool = False) -> Estimate:
        """Proportion with an interval that stays in [0, 1] (R ``svyciprop``); see ``.ci()``."""
        return svyciprop(self, col, method=method, na_rm=na_rm)

    def glm(self, formula: str, family: str = "gaussian") -> GLMResult:
        """Design-based generalised linear model (R ``svyglm``); ``family``: ``"gaussian"``,
        ``"binomial"``/``"quasibinomial"``, ``"poisson"``/``"quasipoisson"`` (complaint
        counts). Test several coefficients with ``analysis.regression.reg_term_test``."""
        return svyglm(self, formula, family=family)

    def olr(self, formula: str) -> OLRResult:
        """Proportional-odds model of an ordered response (R ``svyolr``)."""
        return svyolr(self, formula)

    def replicate(
        self,
        type: str = "JKn",
        replicates: int | None = None,
        seed: int | None = None,
        mse: bool = False,
    ) -> ReplicateDesign:
        """This design with replicate weights (R ``as.svrepdesign``).

        ``type``: ``"JK1"`` (unstratified), ``"JKn"`` (stratified jackknife), ``"BRR"`` (two
        PSUs per stratum) or ``"bootstrap"`` (``replicates`` draws, default 50, from ``seed``).
        """
        return ReplicateDesign.from_design(
            self, replicate_weights(self, type, replicates, seed), mse=mse
        )

    def table(self, formula: str) -> pd.Series | pd.DataFrame:
        """Weighted counts of ``"~a"`` or ``"~a + b"`` (R ``svytable``)."""
        return svytable(self, formula)

    def chisq(self, formula: str, statistic: str = "F") -> ChisqTest:
        """Test of independence in ``"~row + col"`` (R ``svychisq``); ``statistic``: ``"F"``
        (Rao-Scott, default), ``"Chisq"``, ``"Wald"``, ``"adjWald"``, ``"lincom"``,
        ``"saddlepoint"``."""
        names = parse_two_way(formula)
        if len(names) != 2:
            raise ValueError(f"chisq needs two variables, '~row + col'; got {formula!r}")
        return svychisq(self, names[0], names[1], statistic)

    def var(self, col: str, na_rm: bool = False) -> Estimate:
        """Population variance of ``col`` with its design SE (R ``svyvar``)."""
        return svyvar(self, col, na_rm=na_rm)

    def km(self, time: str, event: str, se: bool = True) -> KMCurve:
        """Design-weighted survival curve (R ``svykm``), with R's ``se=TRUE`` variances."""
        return svykm(self, time, event, se=se)
