"""Result objects shared by every estimator: a point estimate with its design-based precision.

Conventions follow R's ``survey`` package (Lumley 2010, *Complex Surveys*, ch. 2-3):
``confint()`` on a ``svystat`` uses the normal quantile (``df = Inf``) unless told otherwise,
while ``svyciprop``, ``svyquantile`` and ``svyglm`` use Student's t on the design degrees of
freedom. Each :class:`Estimate` remembers which of the two R would use, in ``ci_df``;
:meth:`Estimate.with_design_df` switches a mean or total to the t interval, which is what the
satisfaction measures (and so the web layer and the evidence) report.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["Estimate", "Estimates", "critical_value"]


def critical_value(level: float, df: float = math.inf) -> float:
    """Two-sided critical value: normal when ``df`` is infinite, else Student's t (R ``qt``)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be strictly between 0 and 1, got {level!r}")
    upper = 1.0 - (1.0 - level) / 2.0
    if math.isinf(df):
        return float(stats.norm.ppf(upper))
    if not df > 0:
        return math.nan
    return float(stats.t.ppf(upper, df))


@dataclass(frozen=True)
class Estimate:
    """One design-based estimate.

    ``df`` is the design degrees of freedom (R ``degf``: PSUs minus strata). ``ci_df`` is the
    df R's ``confint`` uses for this statistic by default (``inf`` for ``svymean``/``svytotal``,
    the design df for ``svyciprop``/``svyquantile``/``svyglm``). ``deff`` follows R's
    ``deff=TRUE`` (variance relative to simple random sampling without replacement).
    """

    estimate: float
    se: float
    df: float
    deff: float = math.nan
    name: str = ""
    statistic: str = "mean"
    ci_df: float = math.inf
    _ci_fn: Callable[[float], tuple[float, float]] | None = field(
        default=None, repr=False, compare=False
    )

    def with_design_df(self) -> Estimate:
        """The same estimate whose default interval and test use Student's t on ``df``.

        R's ``confint`` on ``svymean``/``svytotal`` uses the normal quantile, which at 20
        design df gives a "95%" interval that covers 91.8%; the satisfaction measures and
        the web layer use this t interval instead (docs/analysis.md).
        """
        if self._ci_fn is not None or self.ci_df == self.df:
            return self
        return replace(self, ci_df=float(self.df))

    @property
    def var(self) -> float:
        """Sampling variance (``se`` squared)."""
        return self.se**2

    @property
    def cv(self) -> float:
        """Coefficient of variation, as R's ``cv()``."""
        return self.se / self.estimate if self.estimate != 0 else math.nan

    def ci(self, level: float = 0.95, df: float | None = None) -> tuple[float, float]:
        """Confidence interval; by default the interval R reports for this statistic."""
        if self._ci_fn is not None and df is None:
            return self._ci_fn(level)
        q = critical_value(level, self.ci_df if df is None else df)
        return (self.estimate - q * self.se, self.estimate + q * self.se)

    def t_test(self, null: float = 0.0, df: float | None = None) -> tuple[float, float]:
        """Wald statistic and two-sided p-value against ``null`` (t on ``df`` if given).

        With no sampling variance at all (``se == 0``: every stratum answered alike) a
        difference from ``null`` is certain, t infinite and p 0, as R's ``svycontrast``
        and ``pt`` give; no difference, or no standard error, has no test (nan)."""
        if not self.se > 0:
            if self.se == 0 and math.isfinite(self.estimate) and self.estimate != null:
                return (math.copysign(math.inf, self.estimate - null), 0.0)
            return (math.nan, math.nan)
        t = (self.estimate - null) / self.se
        d = self.ci_df if df is None else df
        p = 2.0 * (stats.norm.sf(abs(t)) if math.isinf(d) else stats.t.sf(abs(t), d))
        return (float(t), float(p))

    def as_dict(self, level: float = 0.95) -> dict[str, float | str]:
        """Plain dictionary (JSON friendly) for reports and the web layer."""
        lo, hi = self.ci(level)
        return {
            "name": self.name,
            "statistic": self.statistic,
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": lo,
            "ci_high": hi,
            "level": level,
            "deff": self.deff,
            "df": self.df,
        }


@dataclass(frozen=True)
class Estimates(Mapping[object, Estimate]):
    """Several estimates from one design (e.g. ``by`` groups or category shares).

    ``vcov`` is their joint design-based covariance matrix. R's ``svyby`` reports a block
    diagonal matrix for linearisation designs; ours holds the true between-domain covariances
    (the diagonal, hence every SE, is identical to R's).
    """

    entries: dict[object, Estimate]
    vcov: pd.DataFrame

    def __getitem__(self, key: object) -> Estimate:
        return self.entries[key]

    def __iter__(self) -> Iterator[object]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def estimate(self) -> pd.Series:
        """Point estimates indexed by label."""
        return pd.Series({k: v.estimate for k, v in self.entries.items()}, dtype=float)

    @property
    def se(self) -> pd.Series:
        """Standard errors indexed by label."""
        return pd.Series({k: v.se for k, v in self.entries.items()}, dtype=float)

    def table(self, level: float = 0.95) -> pd.DataFrame:
        """One row per estimate: estimate, se, CI, deff, df."""
        rows = []
        for key, est in self.entries.items():
            lo, hi = est.ci(level)
            rows.append(
                {
                    "level": key,
                    "estimate": est.estimate,
                    "se": est.se,
                    "ci_low": lo,
                    "ci_high": hi,
                    "deff": est.deff,
                    "df": est.df,
                }
            )
        return pd.DataFrame(rows).set_index("level")

    def contrast(self, weights: Mapping[object, float], name: str = "contrast") -> Estimate:
        """Linear combination of the estimates with its joint-design SE (R ``svycontrast``)."""
        keys = list(self.entries)
        unknown = [k for k in weights if k not in self.entries]
        if unknown:
            raise ValueError(f"contrast refers to unknown levels {unknown}; known: {keys}")
        a = np.array([float(weights.get(k, 0.0)) for k in keys])
        est = float(a @ self.estimate.to_numpy())
        var = float(a @ self.vcov.to_numpy() @ a)
        dfs = [self.entries[k].df for k in keys if weights.get(k, 0.0) != 0.0]
        return Estimate(
            estimate=est,
            se=math.sqrt(max(var, 0.0)),
            df=min(dfs) if dfs else math.nan,
            name=name,
            statistic="contrast",
        )
