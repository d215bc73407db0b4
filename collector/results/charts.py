"""Charts drawn on the server: SVG for pages, PNG for documents, a sentence and a table.

Every chart function takes plain data (the small dataclasses below) and the
caller's own labels, and returns a :class:`Chart`:

- ``svg``: markup ready to put in a page, an ``<img>`` whose source is the SVG as a
  ``data:`` URI, with the chart's sentence as its ``alt``. The app's Content Security
  Policy allows ``img-src 'self' data:`` but no inline style, and matplotlib's SVG is
  full of ``style`` attributes: inside an ``<img>`` it is a separate image document,
  so the page's policy does not apply to it, and it can run no script. Text is drawn
  as glyph outlines, so Chinese labels look the same in every browser, fonts or not.
- ``png()``: the same chart at print resolution (300 dpi, 16 cm wide) for documents.
- ``alt``: one or two sentences saying what the chart shows, for screen readers and
  for the figure's caption.
- ``headers`` and ``rows``: the data table that goes beside every chart (all text).

Axis and legend words go through the catalogues; titles and axis labels come from
the caller, already in the page's language. Colours are the Okabe-Ito palette and
every series also differs by marker or line style, so colour is never the only
signal. Drawing uses matplotlib's object API (no pyplot, no global figure) with the
Agg and SVG backends, under a lock, because matplotlib's font caches and rcParams are
process-wide.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import math
import os
import tempfile
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property
from pathlib import Path
from typing import Any
from typing import Literal

import matplotlib
from flask import Flask
from flask import current_app
from flask import has_app_context
from markupsafe import Markup
from markupsafe import escape
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.typing import RcKeyType

from collector.core.disclosure import MIN_CELL
from collector.core.i18n import translator
from collector.results.chartfonts import FAMILIES

matplotlib.use("Agg")

STYLE: dict[RcKeyType, Any] = {
    "font.family": FAMILIES,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "svg.fonttype": "path",
    "svg.hashsalt": "collector",
    "axes.unicode_minus": False,
}
"""The house style, applied with ``rc_context`` while a chart is drawn."""

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILION = "#D55E00"
PURPLE = "#CC79A7"
SKY = "#56B4E9"
GREY = "#6b6b6b"
SERIES = [(BLUE, "-", "o"), (VERMILION, "--", "s"), (GREEN, ":", "^"), (PURPLE, "-.", "D")]

WIDTH_IN = 6.3  # 16 cm: a printed page's text width
PRINT_DPI = 300
DASH = "—"
WITHHELD = f"<{MIN_CELL}"

_DRAWING = threading.Lock()


@dataclass(frozen=True)
class TrendPoint:
    """One wave of a trend; ``estimate`` None when the wave is withheld (n < MIN_CELL)."""

    label: str
    estimate: float | None
    low: float | None
    high: float | None
    n: int
    tick: str = ""  # the axis label, when shorter than ``label`` (``Wave.tick``)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class QuadrantPoint:
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class ControlPoint:
    """One period of a control chart, ``flagged`` when outside its limits or a run rule."""

    label: str
    value: float | None
    lower: float | None
    upper: float | None
    flagged: bool
    note: str = ""  # shown in the table instead of a missing value ("No cases due")


@dataclass(frozen=True)
class StepSeries:
    """One step curve (a Kaplan-Meier estimate): ``y`` holds from ``x[i]`` until ``x[i+1]``."""

    label: str
    x: Sequence[float]
    y: Sequence[float]


@dataclass(frozen=True, eq=False)
class Chart:
    """A drawn chart: ``svg`` (markup to embed), ``png()``, ``alt``, ``headers``, ``rows``."""

    title: str
    alt: str
    headers: list[str]
    rows: list[list[str]]
    draw: Callable[[Figure], None] = field(repr=False)
    height: float = 3.6  # inches, at WIDTH_IN wide
    width: float = WIDTH_IN
    css_class: str = "chart"
    layout: Literal["constrained"] | None = "constrained"
    # A digest of everything ``draw`` draws (the chart function's arguments): charts of
    # the same data are drawn once per process (:data:`_RENDERED`), not at every page view,
    # and kept on disk for other processes (:func:`stored_drawing`).
    key: str | None = None

    @cached_property
    def document(self) -> str:
        """The SVG document itself (for a download or an inline ``<svg>`` where style is allowed)."""

        def render() -> str:
            buffer = io.StringIO()
            self._render(FigureCanvasSVG, buffer, {"metadata": {"Date": None}})
            return buffer.getvalue()

        return self._drawn(("svg",), render)  # type: ignore[return-value]  # an SVG is text

    @property
    def data_uri(self) -> str:
        encoded = base64.b64encode(self.document.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"

    @cached_property
    def svg(self) -> Markup:
        """An ``<img>`` of the chart that the app's CSP allows, with its text alternative."""
        return Markup(
            '<img class="{cls}" src="{src}" alt="{alt}" width="{w}" height="{h}">'
        ).format(
            cls=self.css_class,
            src=self.data_uri,
            alt=self.alt,
            w=round(self.width * 96),
            h=round(self.height * 96),
        )

    def png(self, dpi: int = PRINT_DPI) -> bytes:
        """The chart as a PNG for documents (300 dpi by default)."""

        def render() -> bytes:
            buffer = io.BytesIO()
            self._render(FigureCanvasAgg, buffer, {"dpi": dpi, "metadata": {"Software": None}})
            return buffer.getvalue()

        return self._drawn(("png", dpi), render)  # type: ignore[return-value]  # a PNG is bytes

    def _drawn(self, form: tuple[Any, ...], render: Callable[[], str | bytes]) -> str | bytes:
        """``render()``, or what it gave before for a chart of the same key, size and form."""
        if self.key is None:
            return render()
        key = (self.key, self.width, self.height, self.layout, *form)
        with _RENDERED_LOCK:
            found = _RENDERED.get(key)
            if found is not None:
                _RENDERED.move_to_end(key)
                return found
        drawn = stored_drawing(key)
        if drawn is None:
            drawn = render()
            store_drawing(key, drawn)
        with _RENDERED_LOCK:
            _RENDERED[key] = drawn
            while len(_RENDERED) > RENDERED_SIZE:
                _RENDERED.popitem(last=False)
        return drawn

    def table_html(self) -> Markup:
        """The data table as HTML (the ``results/_chart.html`` macro shows it beside the chart)."""
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in self.headers)
        body = "".join(
            "<tr>"
            + "".join(
                f'<th scope="row">{escape(c)}</th>'
                if i == 0
                else f'<td class="num">{escape(c)}</td>'
                for i, c in enumerate(row)
            )
            + "</tr>"
            for row in self.rows
        )
        return Markup(
            f"<table><caption>{escape(self.title)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )

    def _render(self, canvas_class: type, buffer: io.IOBase, options: dict[str, object]) -> None:
        with _DRAWING, matplotlib.rc_context(STYLE):
            figure = Figure(figsize=(self.width, self.height), layout=self.layout)
            canvas_class(figure)
            self.draw(figure)
            fmt = "svg" if canvas_class is FigureCanvasSVG else "png"
            figure.savefig(buffer, format=fmt, **options)  # type: ignore[arg-type]  # savefig's keywords are typed per format


RENDERED_SIZE = 256
"""Charts kept drawn per process (an SVG is 20-200 KB: a few tens of MB at most)."""
_RENDERED: OrderedDict[tuple[Any, ...], str | bytes] = OrderedDict()
_RENDERED_LOCK = threading.Lock()


_log = logging.getLogger(__name__)

DRAWING_VERSION = hashlib.sha256(
    Path(__file__).read_bytes() + matplotlib.__version__.encode("ascii")
).hexdigest()[:16]
"""Part of every stored chart's name: a chart stored by another version of this module
or of matplotlib (which may draw differently) is not found, but drawn anew."""


def charts_dir() -> Path | None:
    """Where drawn charts are kept for every process of the app (``RESULTS_CHARTS_DIR``,
    by default ``charts`` in the instance folder); None outside an app."""
    if not has_app_context():
        return None
    return charts_folder(current_app)


def charts_folder(app: Flask) -> Path:
    """``app``'s folder of kept charts (``RESULTS_CHARTS_DIR``, or instance/charts)."""
    configured = app.config.get("RESULTS_CHARTS_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "charts"


def _stored_path(key: tuple[Any, ...]) -> Path | None:
    folder = charts_dir()
    if folder is None:
        return None
    name = hashlib.sha256(repr((DRAWING_VERSION, key)).encode("utf-8")).hexdigest()
    return folder / name[:2] / f"{name}.{key[4]}"


def stored_drawing(key: tuple[Any, ...]) -> str | bytes | None:
    """A chart another process drew for the same key (content digest, size, layout and
    form: ``("svg",)`` or ``("png", dpi)``), or None. A file that cannot be read is
    treated as absent: the chart is drawn again."""
    path = _stored_path(key)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        _log.warning("Could not read the drawn chart %s: %s", path, exc)
        return None
    # The file's time is its last use: what pages still show is never pruned
    # (collector.results.chart_pruning).
    with contextlib.suppress(OSError):
        os.utime(path)
    return data.decode("utf-8") if key[4] == "svg" else data


def store_drawing(key: tuple[Any, ...], drawn: str | bytes) -> None:
    """Keep a drawn chart for other processes: written to a temporary file in the same
    folder and renamed, so no process ever reads half a chart. A store that cannot be
    written only costs the drawing again."""
    path = _stored_path(key)
    if path is None:
        return
    data = drawn.encode("utf-8") if isinstance(drawn, str) else drawn
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as exc:
        _log.warning("Could not keep the drawn chart %s: %s", path, exc)


def content_key(kind: str, *parts: Any) -> str:
    """A digest of a chart's data and labels: the same key draws the same picture."""
    return hashlib.sha256(repr((kind, parts)).encode("utf-8")).hexdigest()


# -- the charts ------------------------------------------------------------------------


def trend_chart(
    points: Sequence[TrendPoint],
    *,
    title: str,
    y_label: str,
    language: str,
    fitted: Sequence[float | None] | None = None,
) -> Chart:
    """Each wave's estimate with its confidence interval, and the fitted trend if given."""
    text = translator(language)
    # A wave of fewer than MIN_CELL respondents is withheld here too, whatever the caller sent.
    points = [
        p
        if p.estimate is None or p.n >= MIN_CELL
        else TrendPoint(p.label, None, None, None, p.n, p.tick)
        for p in points
    ]
    shown = [i for i, p in enumerate(points) if p.estimate is not None]

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        _title(ax, title)
        xs = list(range(len(points)))
        lows = [p.low if p.low is not None else math.nan for p in points]
        highs = [p.high if p.high is not None else math.nan for p in points]
        values = [p.estimate if p.estimate is not None else math.nan for p in points]
        if any(not math.isnan(v) for v in lows):
            ax.fill_between(
                xs,
                lows,
                highs,
                color=SKY,
                alpha=0.3,
                linewidth=0,
                label=text.gettext("95 percent confidence interval"),
            )
            for x, low, high in zip(xs, lows, highs, strict=True):
                if not math.isnan(low):
                    ax.plot([x, x], [low, high], color=BLUE, linewidth=1)
        ax.plot(
            xs,
            values,
            color=BLUE,
            marker="o",
            linewidth=2,
            label=text.gettext("Estimate"),
        )
        if fitted is not None:
            fit = [v if v is not None else math.nan for v in fitted]
            ax.plot(
                xs,
                fit,
                color=VERMILION,
                linestyle="--",
                linewidth=1.5,
                label=text.gettext("Fitted trend"),
            )
        withheld = [i for i in xs if i not in shown]
        if withheld:
            bottom = _lowest(ax)
            ax.plot(
                withheld,
                [bottom] * len(withheld),
                linestyle="none",
                marker="x",
                color=GREY,
                label=text.gettext("Withheld: fewer than %(min)s respondents", min=MIN_CELL),
            )
        ticks = [_wrap_lines(p.tick or p.label, TICK_COLUMNS) for p in points]
        shown_ticks = _spaced(ticks)
        ax.set_xticks([xs[i] for i in shown_ticks], [ticks[i] for i in shown_ticks])
        ax.set_ylabel(y_label)
        ax.set_xlabel(text.gettext("Wave"))
        _legend(figure, ax)

    headers = [
        text.gettext("Wave"),
        y_label,
        text.gettext("Lower limit"),
        text.gettext("Upper limit"),
        text.gettext("Respondents"),
    ]
    if fitted is not None:
        headers.append(text.gettext("Fitted trend"))
    rows = []
    for i, p in enumerate(points):
        row = [
            p.label,
            _number(p.estimate),
            _number(p.low if p.estimate is not None else None),
            _number(p.high if p.estimate is not None else None),
            _count(p.n),
        ]
        if fitted is not None:
            row.append(_number(fitted[i] if i < len(fitted) else None))
        rows.append(row)
    if not shown:
        alt = text.gettext(
            "%(title)s: no wave has enough respondents to show an estimate.", title=title
        )
    else:
        first, last = points[shown[0]], points[shown[-1]]
        alt = text.ngettext(
            "%(title)s: line chart of %(num)s wave with its confidence interval, "
            "%(first)s in %(first_label)s to %(last)s in %(last_label)s.",
            "%(title)s: line chart of %(num)s waves with their confidence intervals, "
            "from %(first)s in %(first_label)s to %(last)s in %(last_label)s.",
            len(points),
            title=title,
            first=_number(first.estimate),
            first_label=first.label,
            last=_number(last.estimate),
            last_label=last.label,
        )
        if len(shown) < len(points):
            alt += _space(language) + text.ngettext(
                "%(num)s wave withheld (fewer than %(min)s respondents).",
                "%(num)s waves withheld (fewer than %(min)s respondents).",
                len(points) - len(shown),
                min=MIN_CELL,
            )
    key = content_key("trend", points, title, y_label, language, fitted and list(fitted))
    return Chart(title, alt, headers, rows, draw, key=key)


def bar_chart(bars: Sequence[Bar], *, title: str, x_label: str, language: str) -> Chart:
    """Horizontal bars (long Chinese labels read across), with intervals when given."""
    text = translator(language)
    bars = list(bars)
    height = max(2.2, 0.9 + 0.38 * len(bars))

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        _title(ax, title)
        ys = list(range(len(bars)))[::-1]
        values = [b.value if b.value is not None else 0.0 for b in bars]
        ax.barh(ys, values, color=BLUE, height=0.6)
        has_ci = any(b.low is not None and b.value is not None for b in bars)
        for y, b in zip(ys, bars, strict=True):
            if b.value is None:
                ax.text(0, y, " " + WITHHELD, va="center", color=GREY)
            elif b.low is not None and b.high is not None:
                ax.plot([b.low, b.high], [y, y], color="black", linewidth=1.2)
                ax.plot([b.low, b.high], [y, y], color="black", linestyle="none", marker="|")
        if has_ci:
            ax.plot(
                [],
                [],
                color="black",
                marker="|",
                label=text.gettext("95 percent confidence interval"),
            )
            _legend(figure, ax)
        ax.set_yticks(ys, [_wrap(b.label, 22) for b in bars])
        ax.set_xlabel(x_label)
        ax.grid(axis="y", visible=False)

    headers = [
        text.gettext("Category"),
        x_label,
        text.gettext("Lower limit"),
        text.gettext("Upper limit"),
    ]
    rows = [[b.label, _number(b.value), _number(b.low), _number(b.high)] for b in bars]
    known = [b for b in bars if b.value is not None]
    if not known:
        alt = text.gettext("%(title)s: no figures to show.", title=title)
    else:
        top = max(known, key=lambda b: b.value or 0.0)
        bottom = min(known, key=lambda b: b.value or 0.0)
        if len(known) == 1:
            alt = text.gettext(
                "%(title)s: bar chart of one category, %(label)s (%(value)s).",
                title=title,
                label=top.label,
                value=_number(top.value),
            )
        else:
            alt = text.gettext(
                "%(title)s: bar chart of %(count)s categories; highest %(top_label)s (%(top)s), "
                "lowest %(bottom_label)s (%(bottom)s).",
                title=title,
                count=len(bars),
                top_label=top.label,
                top=_number(top.value),
                bottom_label=bottom.label,
                bottom=_number(bottom.value),
            )
    key = content_key("bar", bars, title, x_label, language)
    return Chart(title, alt, headers, rows, draw, height=height, key=key)


def quadrant_chart(
    points: Sequence[QuadrantPoint],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_split: float,
    y_split: float,
    quadrant_labels: Sequence[str],
    language: str,
    highlight: int | None = None,
) -> Chart:
    """Points in four quadrants split at ``x_split``/``y_split``; each point is numbered
    and the table names it. ``quadrant_labels``: top-left, top-right, bottom-left,
    bottom-right; ``highlight`` shades one of them (its index in that list)."""
    if len(quadrant_labels) != 4:
        raise ValueError(
            "quadrant_labels needs four labels: top-left, top-right, bottom-left, bottom-right"
        )
    text = translator(language)
    points = list(points)

    def quadrant(p: QuadrantPoint) -> int:
        return (0 if p.y >= y_split else 2) + (1 if p.x >= x_split else 0)

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        _title(ax, title)
        xs = [p.x for p in points] + [x_split]
        ys = [p.y for p in points] + [y_split]
        x_pad = max((max(xs) - min(xs)) * 0.12, 1e-6)
        y_pad = max((max(ys) - min(ys)) * 0.12, 1e-6)
        left, right = min(xs) - x_pad, max(xs) + x_pad
        bottom, top = min(ys) - y_pad, max(ys) + y_pad
        ax.set_xlim(left, right)
        ax.set_ylim(bottom, top)
        if highlight is not None:
            x0 = left if highlight in (0, 2) else x_split
            y0 = y_split if highlight in (0, 1) else bottom
            w = (x_split - left) if highlight in (0, 2) else (right - x_split)
            h = (top - y_split) if highlight in (0, 1) else (y_split - bottom)
            ax.add_patch(Rectangle((x0, y0), w, h, color=ORANGE, alpha=0.15, linewidth=0))
        ax.axvline(x_split, color=GREY, linestyle="--", linewidth=1)
        ax.axhline(y_split, color=GREY, linestyle="--", linewidth=1)
        corners = [
            (0.02, 0.98, "left", "top"),
            (0.98, 0.98, "right", "top"),
            (0.02, 0.02, "left", "bottom"),
            (0.98, 0.02, "right", "bottom"),
        ]
        for i, (cx, cy, ha, va) in enumerate(corners):
            ax.text(
                cx,
                cy,
                _wrap(quadrant_labels[i], 14),
                transform=ax.transAxes,
                ha=ha,
                va=va,
                color="black" if i == highlight else GREY,
            )
        ax.plot(
            [p.x for p in points],
            [p.y for p in points],
            marker="o",
            color=BLUE,
            markersize=6,
            linestyle="none",
        )
        for i, p in enumerate(points, start=1):
            ax.annotate(str(i), (p.x, p.y), xytext=(4, 3), textcoords="offset points", fontsize=8)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.grid(visible=False)

    headers = [
        text.pgettext("chart", "No."),
        text.gettext("Item"),
        x_label,
        y_label,
        text.gettext("Quadrant"),
    ]
    rows = [
        [str(i), p.label, _number(p.x), _number(p.y), quadrant_labels[quadrant(p)]]
        for i, p in enumerate(points, start=1)
    ]
    groups = []
    for q in ([highlight] if highlight is not None else []) + [
        q for q in range(4) if q != highlight
    ]:
        members = [p.label for p in points if quadrant(p) == q]
        groups.append(
            text.gettext(
                "%(quadrant)s: %(items)s",
                quadrant=quadrant_labels[q],
                items=_join(members, language) if members else text.gettext("none"),
            )
        )
    alt = (
        text.ngettext(
            "%(title)s: %(num)s item plotted by %(x_label)s and %(y_label)s, split at %(x_split)s "
            "and %(y_split)s.",
            "%(title)s: %(num)s items plotted by %(x_label)s and %(y_label)s, split at %(x_split)s "
            "and %(y_split)s.",
            len(points),
            title=title,
            x_label=x_label,
            y_label=y_label,
            x_split=_number(x_split),
            y_split=_number(y_split),
        )
        + _space(language)
        + _sentences(groups, language)
    )
    key = content_key(
        "quadrant", points, title, x_label, y_label, x_split, y_split, quadrant_labels, highlight
    )
    return Chart(title, alt, headers, rows, draw, height=4.6, key=key)


def sparkline(values: Sequence[float | None], *, title: str, language: str) -> Chart:
    """A word-sized line: no axes, the last point marked; the table and sentence carry the figures."""
    text = translator(language)
    values = list(values)
    known = [v for v in values if v is not None]

    def draw(figure: Figure) -> None:
        ax = figure.add_axes((0.02, 0.1, 0.96, 0.8))
        ax.set_axis_off()
        # A withheld value is skipped: the line joins its neighbours, the table shows "—".
        points = [(x, v) for x, v in enumerate(values) if v is not None]
        ax.set_xlim(-0.4, max(1, len(values) - 1) + 0.4)
        ax.margins(y=0.15)
        if points:
            ax.plot([x for x, _ in points], [v for _, v in points], color=BLUE, linewidth=1.5)
            ax.plot([points[-1][0]], [points[-1][1]], marker="o", color=BLUE, markersize=3)

    headers = [text.pgettext("chart", "No."), title]
    rows = [[str(i), _number(v)] for i, v in enumerate(values, start=1)]
    if len(known) < 2:
        alt = text.gettext("%(title)s: not enough figures for a trend.", title=title)
    else:
        alt = text.gettext(
            "%(title)s: from %(first)s to %(last)s over %(count)s points.",
            title=title,
            first=_number(known[0]),
            last=_number(known[-1]),
            count=len(values),
        )
    return Chart(
        title,
        alt,
        headers,
        rows,
        draw,
        height=0.3,
        width=1.2,
        css_class="sparkline",
        layout=None,
        key=content_key("sparkline", values, title, language),
    )


def control_chart(
    points: Sequence[ControlPoint], *, centre: float, title: str, y_label: str, language: str
) -> Chart:
    """A control chart (p-chart): each period's value, its limits and the centre line;
    signalled periods drawn as red triangles."""
    text = translator(language)
    points = list(points)

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        _title(ax, title)
        xs = list(range(len(points)))
        values = [p.value if p.value is not None else math.nan for p in points]
        lower = [p.lower if p.lower is not None else math.nan for p in points]
        upper = [p.upper if p.upper is not None else math.nan for p in points]
        ax.step(
            xs,
            upper,
            where="mid",
            color=GREY,
            linestyle="--",
            linewidth=1,
            label=text.gettext("Control limits"),
        )
        ax.step(xs, lower, where="mid", color=GREY, linestyle="--", linewidth=1)
        ax.axhline(centre, color=GREEN, linewidth=1.2, label=text.gettext("Centre line"))
        ax.plot(xs, values, color=BLUE, marker="o", markersize=4, linewidth=1.5, label=y_label)
        flagged = [
            (x, v)
            for x, v, p in zip(xs, values, points, strict=True)
            if p.flagged and not math.isnan(v)
        ]
        if flagged:
            ax.plot(
                [x for x, _ in flagged],
                [v for _, v in flagged],
                linestyle="none",
                marker="^",
                markersize=9,
                color=VERMILION,
                label=text.gettext("Signal"),
            )
        # At most six labels: twelve months' "2026-01" labels overlap at print width
        # (every period is still a point, and in the table beside the chart).
        step = max(1, math.ceil(len(points) / 6))
        ax.set_xticks(xs[::step], [_wrap(p.label, 10) for p in points][::step])
        ax.set_ylabel(y_label)
        ax.set_xlabel(text.gettext("Period"))
        _legend(figure, ax)

    headers = [
        text.gettext("Period"),
        y_label,
        text.gettext("Lower control limit"),
        text.gettext("Upper control limit"),
        text.gettext("Signal"),
    ]
    rows = [
        [
            p.label,
            p.note if p.value is None and p.note else _number(p.value),
            _number(p.lower),
            _number(p.upper),
            text.gettext("Yes") if p.flagged else text.gettext("No"),
        ]
        for p in points
    ]
    signalled = [p.label for p in points if p.flagged]
    alt = text.ngettext(
        "%(title)s: control chart of %(num)s period around a centre line of %(centre)s; "
        "periods signalled: %(signalled)s.",
        "%(title)s: control chart of %(num)s periods around a centre line of %(centre)s; "
        "periods signalled: %(signalled)s.",
        len(points),
        title=title,
        centre=_number(centre),
        signalled=_join(signalled, language) if signalled else text.gettext("none"),
    )
    key = content_key("control", points, centre, title, y_label, language)
    return Chart(title, alt, headers, rows, draw, key=key)


def step_chart(
    series: Sequence[StepSeries], *, title: str, x_label: str, y_label: str, language: str
) -> Chart:
    """Step curves such as Kaplan-Meier estimates, one line style per series."""
    text = translator(language)
    series = list(series)

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        _title(ax, title)
        for i, s in enumerate(series):
            colour, style, _marker = SERIES[i % len(SERIES)]
            ax.step(
                list(s.x),
                list(s.y),
                where="post",
                color=colour,
                linestyle=style,
                linewidth=1.8,
                label=s.label,
            )
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.set_ylim(bottom=0)
        if series:
            _legend(figure, ax)

    headers = [text.gettext("Series"), x_label, y_label]
    rows = [
        [s.label, _number(x), _number(y)] for s in series for x, y in zip(s.x, s.y, strict=True)
    ]
    ends = [
        text.gettext(
            "%(label)s reaches %(y)s at %(x)s",
            label=s.label,
            y=_number(s.y[-1]),
            x=_number(s.x[-1]),
        )
        for s in series
        if len(s.x)
    ]
    alt = text.ngettext(
        "%(title)s: step chart of %(num)s curve.",
        "%(title)s: step chart of %(num)s curves.",
        len(series),
        title=title,
    )
    if ends:
        alt += _space(language) + _sentences(ends, language)
    key = content_key("step", series, title, x_label, y_label, language)
    return Chart(title, alt, headers, rows, draw, key=key)


# -- helpers ---------------------------------------------------------------------------


AXIS_COLUMNS = 80
"""Columns of tick-label text that fit along a chart's x-axis at ``WIDTH_IN`` (a CJK
character is two columns), with a gap of :data:`TICK_GAP` between labels."""
TICK_COLUMNS = 12
"""The widest line of a wave's axis label; longer lines (a campaign's title) wrap."""
TICK_GAP = 3


def _wrap_lines(label: str, width: int) -> str:
    """Each line of ``label`` wrapped to ``width`` columns (:func:`_wrap`)."""
    return "\n".join(_wrap(line, width) for line in label.split("\n"))


def _spaced(ticks: Sequence[str]) -> list[int]:
    """Which ticks to label so that none runs into the next: every k-th, counted back from
    the last (the latest wave always labelled). Every point is still drawn and every wave
    is in the chart's table."""
    if not ticks:
        return []
    widest = max(sum(_width(ch) for ch in line) for t in ticks for line in t.split("\n"))
    fit = max(1, AXIS_COLUMNS // (widest + TICK_GAP))
    step = max(1, math.ceil(len(ticks) / fit))
    return sorted(range(len(ticks) - 1, -1, -step))


def _title(ax: Axes, title: str) -> None:
    ax.set_title(_wrap(title, 44), loc="left")


def _legend(figure: Figure, ax: Axes) -> None:
    """The legend below the plot, where it can hide no data."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 3))


def _lowest(ax: Axes) -> float:
    bottom, _top = ax.get_ylim()
    return bottom


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _wrap(label: str, width: int) -> str:
    """Break a label into lines of about ``width`` columns (a CJK character is two),
    at spaces in Latin text and anywhere in Chinese."""
    lines: list[str] = []
    line = ""
    used = 0
    for word in _tokens(label):
        size = sum(_width(ch) for ch in word)
        if used and used + size > width:
            lines.append(line.rstrip())
            line, used = word.lstrip(), sum(_width(ch) for ch in word.lstrip())
        else:
            line += word
            used += size
    lines.append(line.rstrip())
    return "\n".join(x for x in lines if x)


def _tokens(label: str) -> list[str]:
    """Latin words (with their leading space) and single CJK characters."""
    tokens: list[str] = []
    for ch in label:
        if tokens and ch in _NO_BREAK_BEFORE:
            tokens[-1] += ch
        elif _width(ch) == 2 or not tokens or ch == " " or _width(tokens[-1][-1]) == 2:
            tokens.append(ch)
        else:
            tokens[-1] += ch
    return tokens


_NO_BREAK_BEFORE = set("）」』】〉》、，。；：！？)]},.;:!?%")
"""Punctuation that never starts a line (kinsoku): it stays with the character before."""


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _count(n: int) -> str:
    return WITHHELD if n < MIN_CELL else str(n)


def _chinese(language: str) -> bool:
    return language.startswith("zh")


def _space(language: str) -> str:
    return "" if _chinese(language) else " "


def _join(items: Sequence[str], language: str) -> str:
    return ("、" if _chinese(language) else ", ").join(items)


def _sentences(parts: Sequence[str], language: str) -> str:
    if _chinese(language):
        return "；".join(parts) + "。"
    return "; ".join(parts) + "."
