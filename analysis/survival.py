"""Time to close complaints: Kaplan-Meier with open cases right-censored (Kaplan & Meier 1958),
computed by statsmodels ``SurvfuncRight``; groups compared by the log-rank test
(statsmodels ``survdiff``). Treating open cases as censored at the reporting date, rather than
dropping them, avoids the downward bias of averaging only closed cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.duration.survfunc import survdiff

__all__ = ["TimeToClose", "logrank", "time_to_close"]


@dataclass(frozen=True)
class TimeToClose:
    """Kaplan-Meier summary of days to close."""

    table: pd.DataFrame
    median: float
    median_ci: tuple[float, float]
    n: int
    n_open: int

    def share_closed_within(self, days: float) -> float:
        """Estimated share closed within ``days`` (1 - S(days))."""
        t = self.table
        s = t.loc[t.index <= days, "survival"]
        return float(1 - (s.iloc[-1] if len(s) else 1.0))


def _durations(
    opened: pd.Series, closed: pd.Series, as_of: pd.Timestamp | str
) -> tuple[np.ndarray, np.ndarray]:
    o = pd.to_datetime(pd.Series(opened)).reset_index(drop=True)
    c = pd.to_datetime(pd.Series(closed)).reset_index(drop=True)
    if len(o) != len(c):
        raise ValueError("opened and closed must have the same length")
    if o.isna().any():
        raise ValueError(
            f"opened has missing dates at positions {list(np.flatnonzero(o.isna())[:5])}"
        )
    end = pd.Timestamp(as_of)
    event = c.notna().to_numpy()
    stop = c.where(c.notna(), end)
    days = (stop - o).dt.total_seconds().to_numpy() / 86400.0
    if (days < 0).any():
        raise ValueError(
            f"closed (or as_of) precedes opened at positions {list(np.flatnonzero(days < 0)[:5])}"
        )
    return days, event.astype(int)


def time_to_close(opened: pd.Series, closed: pd.Series, as_of: pd.Timestamp | str) -> TimeToClose:
    """KM curve of days from ``opened`` to ``closed``; missing ``closed`` = still open at ``as_of``."""
    days, event = _durations(opened, closed, as_of)
    if len(days) == 0:
        raise ValueError("no complaints given")
    with np.errstate(divide="ignore", invalid="ignore"):
        sf = SurvfuncRight(days, event)
    table = pd.DataFrame(
        {
            "survival": sf.surv_prob,
            "se": sf.surv_prob_se,
            "at_risk": sf.n_risk,
            "closed": sf.n_events,
        },
        index=pd.Index(sf.surv_times, name="days"),
    )
    if event.sum() and sf.surv_prob.min() <= 0.5:
        median = float(sf.quantile(0.5))
        with np.errstate(divide="ignore", invalid="ignore"):
            lo, hi = sf.quantile_ci(0.5)
        ci = (float(lo), float(hi) if hi is not None and not np.isnan(hi) else math.inf)
    else:
        median, ci = math.inf, (math.nan, math.inf)
    return TimeToClose(table, median, ci, len(days), int((event == 0).sum()))


def logrank(
    opened: pd.Series, closed: pd.Series, group: pd.Series, as_of: pd.Timestamp | str
) -> tuple[float, float]:
    """Log-rank chi-square and p-value comparing time to close across groups."""
    days, event = _durations(opened, closed, as_of)
    g = pd.Series(group).reset_index(drop=True)
    if len(g) != len(days):
        raise ValueError("group must have one value per complaint")
    stat, p = survdiff(days, event, g.to_numpy())
    return float(stat), float(p)
