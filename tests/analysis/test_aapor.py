"""AAPOR Standard Definitions outcome rates."""

from __future__ import annotations

import pytest

from analysis.aapor import Dispositions
from analysis.aapor import response_rates


def test_rates_by_hand() -> None:
    d = Dispositions(I=400, P=50, R=150, NC=200, O=50, UH=100, UO=50, NE=150)
    r = response_rates(d, e=0.8)
    assert r["RR1"] == pytest.approx(400 / 1000)
    assert r["RR2"] == pytest.approx(450 / 1000)
    assert r["RR3"] == pytest.approx(400 / (850 + 0.8 * 150))
    assert r["RR4"] == pytest.approx(450 / 970)
    assert r["RR5"] == pytest.approx(400 / 850)
    assert r["RR6"] == pytest.approx(450 / 850)
    assert r["COOP1"] == pytest.approx(400 / 650)
    assert r["COOP3"] == pytest.approx(400 / 600)
    assert r["REF1"] == pytest.approx(150 / 1000)
    assert r["CON1"] == pytest.approx(650 / 1000)
    default = response_rates(d)
    assert default["e"] == pytest.approx(850 / 1000)
    assert default["RR1"] <= default["RR3"] <= default["RR5"]


def test_errors() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        response_rates(Dispositions(I=-1))
    with pytest.raises(ValueError, match="e must be"):
        response_rates(Dispositions(I=1), e=2)
