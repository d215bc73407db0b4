"""Outcome rates from final disposition counts, by AAPOR *Standard Definitions* (2016, 9th ed.).

I complete, P partial, R refusal and break-off, NC non-contact, O other non-response,
UH/UO unknown eligibility (household / other), ``e`` the estimated share of unknown-eligibility
cases that are eligible (AAPOR: estimate it from the known cases, the default here).
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass

__all__ = ["Dispositions", "response_rates"]


@dataclass(frozen=True)
class Dispositions:
    """Final disposition counts."""

    I: int  # noqa: E741 - AAPOR's own symbol
    P: int = 0
    R: int = 0
    NC: int = 0
    O: int = 0  # noqa: E741
    UH: int = 0
    UO: int = 0
    NE: int = 0  # known ineligible, used for the default e


def _div(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def response_rates(d: Dispositions, e: float | None = None) -> dict[str, float]:
    """RR1-RR6, COOP1-COOP4, REF1-REF3, CON1-CON3 (AAPOR 2016, pp. 61-64)."""
    for k, v in asdict(d).items():
        if v < 0:
            raise ValueError(f"disposition {k} must be non-negative, got {v}")
    i, p, r, nc, o, uh, uo = d.I, d.P, d.R, d.NC, d.O, d.UH, d.UO
    u = uh + uo
    eligible_known = i + p + r + nc + o
    if e is None:
        e = _div(eligible_known, eligible_known + d.NE) if eligible_known + d.NE > 0 else 1.0
    if not 0 <= e <= 1:
        raise ValueError(f"e must be between 0 and 1, got {e}")
    all_cases = eligible_known + u
    est_cases = eligible_known + e * u
    contacted = i + p + r + o
    return {
        "e": e,
        "RR1": _div(i, all_cases),
        "RR2": _div(i + p, all_cases),
        "RR3": _div(i, est_cases),
        "RR4": _div(i + p, est_cases),
        "RR5": _div(i, eligible_known),
        "RR6": _div(i + p, eligible_known),
        "COOP1": _div(i, contacted),
        "COOP2": _div(i + p, contacted),
        "COOP3": _div(i, i + p + r),
        "COOP4": _div(i + p, i + p + r),
        "REF1": _div(r, all_cases),
        "REF2": _div(r, est_cases),
        "REF3": _div(r, eligible_known),
        "CON1": _div(contacted, all_cases),
        "CON2": _div(contacted, est_cases),
        "CON3": _div(contacted, eligible_known),
    }
