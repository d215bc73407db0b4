"""Charts: every type draws in both languages without a missing glyph, with its sentence
and table, embeddable under the CSP, and Chinese drawn from the bundled font."""

from __future__ import annotations

import base64
import itertools
import re
import warnings
from collections.abc import Callable
from datetime import date
from datetime import timedelta
from pathlib import Path

import matplotlib
import pytest
from fontTools.ttLib import TTFont
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from collector.results import charts
from collector.results.chartfonts import BUNDLED
from collector.results.charts import Bar
from collector.results.charts import Chart
from collector.results.charts import ControlPoint
from collector.results.charts import QuadrantPoint
from collector.results.charts import StepSeries
from collector.results.charts import TrendPoint
from collector.results.waves import period

ROOT = Path(__file__).resolve().parents[3]
LANGUAGES = ["zh-Hant-TW", "en"]
LABEL = "服務禮儀"


def trend(language: str) -> Chart:
    points = [
        TrendPoint("2024 H1（民國 113）", 71.2, 67.0, 75.4, 120),
        TrendPoint("2024 H2（民國 113）", None, None, None, 3),
        TrendPoint("2025 H1（民國 114）", 78.4, 74.9, 81.9, 160),
    ]
    return charts.trend_chart(
        points, title=LABEL, y_label="滿意比率（%）", language=language, fitted=[71, 74.7, 78.4]
    )


def bar(language: str) -> Chart:
    bars = [Bar("洽公環境", 82.1, 78.0, 86.2), Bar("服務專業性", None), Bar(LABEL, 88.4)]
    return charts.bar_chart(bars, title="各構面", x_label="分數", language=language)


def quadrant(language: str) -> Chart:
    points = [QuadrantPoint("等候時間", 3.5, 0.6), QuadrantPoint(LABEL, 4.3, 0.3)]
    return charts.quadrant_chart(
        points, title="重要度—表現分析", x_label="表現", y_label="重要度", x_split=3.9,
        y_split=0.45, quadrant_labels=["優先改善", "繼續保持", "次要改善", "過度投入"],
        language=language, highlight=0,
    )  # fmt: skip


def spark(language: str) -> Chart:
    return charts.sparkline([71.0, None, 78.4], title=LABEL, language=language)


def control(language: str) -> Chart:
    points = [ControlPoint(f"114/0{m}", v, 0.02, 0.18, v > 0.18) for m, v in [(1, 0.1), (2, 0.2)]]
    return charts.control_chart(
        points, centre=0.1, title="逾期比率", y_label="比率", language=language
    )


def step(language: str) -> Chart:
    series = [
        StepSeries("一般陳情", [0, 3, 9], [1.0, 0.6, 0.2]),
        StepSeries("檢舉", [0, 5], [1.0, 0.5]),
    ]
    return charts.step_chart(
        series, title="結案時間", x_label="工作天", y_label="未結比率", language=language
    )


MAKERS: list[Callable[[str], Chart]] = [trend, bar, quadrant, spark, control, step]


def strict(chart: Chart) -> tuple[str, bytes]:
    """The SVG and PNG, with every warning (a glyph missing from the fonts) an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return chart.document, chart.png()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("make", MAKERS, ids=lambda m: m.__name__)
def test_every_chart_draws_with_its_sentence_and_table(
    make: Callable[[str], Chart], language: str
) -> None:
    chart = make(language)
    document, png = strict(chart)
    assert document.startswith("<?xml") and "<svg" in document
    assert "<script" not in document
    assert png.startswith(b"\x89PNG")
    assert chart.alt and chart.alt.startswith(chart.title)
    assert chart.headers and chart.rows
    assert all(len(row) == len(chart.headers) for row in chart.rows)
    assert all(isinstance(cell, str) for row in chart.rows for cell in row)


def test_the_sentence_and_headers_are_in_the_page_language() -> None:
    zh, en = trend("zh-Hant-TW"), trend("en")
    assert "信賴區間" in zh.alt and "confidence interval" in en.alt
    assert zh.headers[0] == "調查期別" and en.headers[0] == "Wave"
    assert "另有 1 期" in zh.alt and "1 wave withheld" in en.alt


def test_the_png_is_at_print_resolution() -> None:
    png = trend("en").png()
    width = int.from_bytes(png[16:20], "big")
    assert width == round(charts.WIDTH_IN * charts.PRINT_DPI)  # 16 cm at 300 dpi


def test_the_svg_is_an_img_the_csp_allows() -> None:
    chart = bar("zh-Hant-TW")
    markup = str(chart.svg)
    assert markup.startswith('<img class="chart" src="data:image/svg+xml;base64,')
    assert f'alt="{chart.alt}"' in markup
    source = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', markup)
    assert source is not None
    assert base64.b64decode(source.group(1)).decode("utf-8") == chart.document


def test_chinese_is_drawn_from_the_bundled_font_not_boxes() -> None:
    font = TTFont(BUNDLED["Noto Sans CJK TC Subset"])
    cmap = font.getBestCmap()
    document, _png = strict(trend("zh-Hant-TW"))
    for ch in LABEL:
        glyph = font.getGlyphID(cmap[ord(ch)])
        assert f'id="NotoSansCJKTCSubset-Regular-{glyph:x}"' in document


def test_hakka_first_person_renders() -> None:
    # 𠊎 (U+2028E) is in Noto; U+2028A (the code point the issue gave for it) comes from
    # the supplement: both draw without a missing-glyph warning.
    chart = charts.bar_chart(
        [Bar("\U0002028e\U0002028a 客語", 80.0)],
        title="客語",
        x_label="分數",
        language="zh-Hant-TW",
    )
    document, _png = strict(chart)
    assert "CollectorHanSupplement-Regular-" in document


def test_a_character_no_font_has_is_caught() -> None:
    # What "boxes" look like to matplotlib: the check above would fail on them.
    chart = charts.bar_chart([Bar("\ue000", 1.0)], title="x", x_label="x", language="en")
    with pytest.warns(UserWarning, match="missing from font"):
        chart.png()


def test_a_wave_under_min_cell_is_withheld_whatever_the_caller_sends() -> None:
    points = [TrendPoint("A", 70.0, 60.0, 80.0, 4), TrendPoint("B", 72.0, 70.0, 74.0, 50)]
    chart = charts.trend_chart(points, title="t", y_label="y", language="en")
    assert chart.rows[0][1:5] == ["—", "—", "—", "<5"]
    assert chart.rows[1][1:5] == ["72.0", "70.0", "74.0", "50"]


def test_the_table_html_escapes_labels() -> None:
    chart = charts.bar_chart([Bar("<b>x</b>", 1.0)], title="t", x_label="v", language="en")
    html = str(chart.table_html())
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_the_bundled_fonts_cover_the_interface_text_and_demo_data() -> None:
    """Fails when the catalogues or demo data gain a character the subset lacks: run
    tools/font_subset.py again (docs/charts.md)."""
    covered: set[int] = set()
    for path in BUNDLED.values():
        covered |= set(TTFont(path).getBestCmap())
    sources = [
        *ROOT.glob("collector/core/translations/*/LC_MESSAGES/*.po"),
        *ROOT.glob("surveys/*.yaml"),
        *ROOT.glob("collector/demo/data/*.yaml"),
        *ROOT.glob("plugins/**/*.yaml"),
    ]
    text = "".join(path.read_text(encoding="utf-8") for path in sources)
    missing = sorted({ch for ch in text if ord(ch) > 0x2E7F and ord(ch) not in covered})
    assert missing == []


def test_wrapping_keeps_closing_punctuation_with_its_word() -> None:
    wrapped = charts._wrap("服務措施（線上申辦、客語服務）", 22)
    assert not any(line.startswith(("）", "、")) for line in wrapped.split("\n"))


def tick_boxes(chart: Chart) -> list[tuple[str, float, float]]:
    """The x-axis labels the chart draws, with their left and right ends (pixels)."""
    with matplotlib.rc_context(charts.STYLE):
        figure = Figure(figsize=(chart.width, chart.height), layout=chart.layout)
        FigureCanvasAgg(figure)
        chart.draw(figure)
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg's
        out = []
        for label in figure.axes[0].get_xticklabels():
            if label.get_text():
                box = label.get_window_extent(renderer)
                out.append((label.get_text(), box.x0, box.x1))
    return sorted(out, key=lambda t: t[1])


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("kind", "count"), [("half", 6), ("quarter", 12), ("quarter", 28)])
def test_trend_wave_labels_never_overlap(language: str, kind: str, count: int) -> None:
    waves = []
    day = date(2021, 1, 1)
    for _ in range(count):
        wave = period(kind, day)
        waves.append(wave)
        day = wave.end + timedelta(days=1)
    points = [
        TrendPoint(w.label(language), 70.0 + i / 3, 65.0, 80.0, 100, w.tick(language))
        for i, w in enumerate(waves)
    ]
    chart = charts.trend_chart(points, title=LABEL, y_label="%", language=language)
    boxes = tick_boxes(chart)
    assert len(boxes) >= min(count, 6)  # every wave up to six, else at least six
    assert boxes[-1][0] == waves[-1].tick(language)  # the latest wave is always labelled
    for (_a, _left, right), (_b, left, _right) in itertools.pairwise(boxes):
        assert right < left, (language, count, boxes)
    assert [row[0] for row in chart.rows] == [w.label(language) for w in waves]  # all in the table


def test_a_wave_tick_is_two_short_lines() -> None:

    wave = period("half", date(2025, 3, 1))
    assert wave.tick("en") == "2025 H1\nROC 114"
    assert wave.tick("zh-Hant-TW") == "2025 H1\n民國114年"
    assert period("quarter", date(2025, 11, 1)).tick("en") == "2025 Q4\nROC 114"
    assert period("year", date(2025, 11, 1)).tick("en") == "2025\nROC 114"
