"""The complaint statistics page's charts, from the figures the page has."""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from collector.complaints.statistics import CaseStatistics
from collector.complaints.statistics import ChartMonth
from collector.complaints.statistics import Curve
from collector.complaints.statistics import Table
from collector.complaints.statistics_charts import statistics_charts


def figures(chart: list[ChartMonth], curves: list[Curve]) -> CaseStatistics:
    empty = Table([], [], {}, {}, {}, 0)
    return CaseStatistics([], empty, empty, None, 0, None, curves, chart, [])


def test_the_p_chart_withholds_a_small_month_and_its_limits() -> None:
    months = [
        ChartMonth("2026-01", 20, 0.10, 0.12, 0.0, 0.34, []),
        ChartMonth("2026-02", 3, None, 0.12, 0.0, 0.68, []),
        ChartMonth("2026-03", 25, 0.40, 0.12, 0.0, 0.31, ["WE1"]),
    ]
    charts = statistics_charts(figures(months, []), "en")
    overdue = charts["overdue"]
    assert [row[0] for row in overdue.rows] == ["2026-01", "2026-02", "2026-03"]
    assert overdue.rows[1][1:4] == ["—", "—", "—"]  # no share, no limits that would give n
    assert overdue.rows[0][1] == "10.0" and overdue.rows[2][4] == "Yes"
    assert "2026-03" in overdue.alt and "km" not in charts


def test_a_month_without_cases_is_a_gap_in_the_line_named_in_the_table() -> None:
    nan = float("nan")
    months = [
        ChartMonth("2026-01", 20, 0.10, 0.12, 0.0, 0.34, []),
        ChartMonth("2026-02", 0, None, 0.12, nan, nan, []),
        ChartMonth("2026-03", 25, 0.14, 0.12, 0.0, 0.31, []),
    ]
    overdue = statistics_charts(figures(months, []), "en")["overdue"]
    assert [row[0] for row in overdue.rows] == ["2026-01", "2026-02", "2026-03"]
    assert overdue.rows[1][1:4] == ["No cases due", "—", "—"]
    zh = statistics_charts(figures(months, []), "zh-Hant-TW")["overdue"]
    assert zh.rows[1][1] == "無到期案件"
    figure = Figure()
    overdue.draw(figure)
    line = next(
        ln for ln in figure.axes[0].get_lines() if ln.get_marker() == "o"
    )  # the monthly values: a NaN breaks the line there
    ys = list(line.get_ydata())
    assert len(ys) == 3 and math.isnan(ys[1]) and ys[0] == 10.0


def test_the_kaplan_meier_curve_is_a_step_chart_in_percent() -> None:
    curve = Curve("", [0.0, 2.0, 5.0], [1.0, 0.5, 0.25])
    charts = statistics_charts(figures([], [curve]), "zh-Hant-TW")
    km = charts["km"]
    assert km.rows == [
        ["全部案件", "0.00", "100"],
        ["全部案件", "2.00", "50.0"],
        ["全部案件", "5.00", "25.0"],
    ]
    assert "overdue" not in charts
    assert statistics_charts(figures([], []), "en") == {}
