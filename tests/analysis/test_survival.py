"""Kaplan-Meier time to close with open complaints censored."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.survival import logrank
from analysis.survival import time_to_close


def _complaints() -> pd.DataFrame:
    opened = pd.to_datetime(["2024-01-01"] * 6)
    closed = pd.to_datetime(["2024-01-03", "2024-01-05", None, "2024-01-05", "2024-01-11", None])
    return pd.DataFrame({"opened": opened, "closed": closed, "unit": list("aaabbb")})


def test_km_by_hand() -> None:
    c = _complaints()
    res = time_to_close(c["opened"], c["closed"], as_of="2024-01-08")
    # times 2, 4, 4 (events), 7 (censored x2: open), 10 (event)
    s = res.table["survival"]
    assert s.loc[2.0] == pytest.approx(5 / 6)
    assert s.loc[4.0] == pytest.approx(5 / 6 * 3 / 5)
    assert s.loc[10.0] == pytest.approx(0.0)
    assert res.n_open == 2 and res.n == 6
    assert res.share_closed_within(5) == pytest.approx(0.5)


def test_median_days() -> None:
    opened = pd.Series(pd.to_datetime(["2024-01-01"] * 7))
    closed = pd.Series(pd.to_datetime([f"2024-01-0{d}" for d in range(2, 8)] + [None]))
    res = time_to_close(opened, closed, as_of="2024-02-01")
    assert res.median == pytest.approx(4.0)  # S(3) = 4/7, S(4) = 3/7
    assert res.median_ci[0] <= 4.0


def test_logrank_and_errors() -> None:
    c = _complaints()
    stat, p = logrank(c["opened"], c["closed"], c["unit"], as_of="2024-01-08")
    assert stat >= 0 and 0 <= p <= 1
    with pytest.raises(ValueError, match="precedes opened"):
        time_to_close(c["opened"], c["closed"], as_of="2023-12-01")
