"""A small trend line drawn as SVG geometry (attributes only: the CSP forbids inline
styles), with its text alternative. Stands in until ``collector.results.charts.sparkline``
is on main; then the page calls that instead."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 96
HEIGHT = 28
PAD = 3


@dataclass(frozen=True)
class Sparkline:
    points: str  # the polyline's "x,y x,y ..." (empty: fewer than two values)
    dots: list[tuple[float, float]]
    alt: str
    width: int = WIDTH
    height: int = HEIGHT


def sparkline(values: list[float | None], labels: list[str], title: str) -> Sparkline:
    """Shares (0-1) by wave; a suppressed wave (None) breaks nothing, it is left out."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    described = ", ".join(
        f"{label} {'—' if v is None else f'{v * 100:.0f}%'}"
        for label, v in zip(labels, values, strict=False)
    )
    alt = f"{title}: {described}"
    if not known:
        return Sparkline("", [], alt)
    low = min(v for _i, v in known)
    high = max(v for _i, v in known)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    dots = [
        (round(PAD + i * step, 1), round(HEIGHT - PAD - (v - low) / span * (HEIGHT - 2 * PAD), 1))
        for i, v in known
    ]
    points = " ".join(f"{x},{y}" for x, y in dots) if len(dots) > 1 else ""
    return Sparkline(points, dots, alt)
