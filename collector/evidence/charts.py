"""Each chart of a pack drawn once, its PNG and SVG kept for every format that shows it.

The PDF and the DOCX embed the PNG (a 200 dpi raster is copied as it is; WeasyPrint
drew the SVG's glyph outlines node by node, half the PDF's time), the ``charts/``
folder holds the PNG and the SVG: all from one drawing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from collector.results.charts import Chart

PNG_DPI = 200
"""Print resolution of the pack's PNGs (16 cm wide: 1,260 pixels)."""


@dataclass(frozen=True)
class Drawn:
    name: str
    chart: Chart
    png: bytes
    svg: str


class ChartStore:
    """The pack's drawn charts by file name (``charts/<language>/<name>``)."""

    def __init__(self) -> None:
        self.drawn: dict[str, Drawn] = {}
        self.draws = 0
        self._lock = threading.Lock()

    def add(self, name: str, chart: Chart) -> Drawn:
        """Draw ``chart`` (once: a name already drawn returns the first drawing)."""
        with self._lock:
            if name not in self.drawn:
                self.drawn[name] = Drawn(name, chart, chart.png(PNG_DPI), chart.document)
                self.draws += 1
            return self.drawn[name]
