"""The complaint statistics page's two charts, drawn from figures the page already has.

- ``km``: the Kaplan-Meier curve of time to close (``CaseStatistics.curves``), as the
  share of cases still unanswered by days since receipt;
- ``overdue``: the p-chart of the monthly overdue share (``CaseStatistics.chart``) with
  its limits, signalled months marked.

A month with no case due is a gap in the line (and says so in the chart's table); the
run rules count it as a month. A month of fewer than ``MIN_CELL`` cases due has no share (``ChartMonth.share`` is
None) and no limits either: 3-sigma limits depend on the month's count and would give
it away.
"""

from __future__ import annotations

from collector.complaints.statistics import CaseStatistics
from collector.core.i18n import translator
from collector.results.charts import Chart
from collector.results.charts import ControlPoint
from collector.results.charts import StepSeries
from collector.results.charts import control_chart
from collector.results.charts import step_chart


def statistics_charts(cases: CaseStatistics, language: str) -> dict[str, Chart]:
    """The charts the figures allow (none for a wave without cases)."""
    text = translator(language)
    charts: dict[str, Chart] = {}
    if cases.curves:
        charts["km"] = step_chart(
            [
                StepSeries(
                    curve.label or text.gettext("All cases"),
                    curve.days,
                    [share * 100 for share in curve.still_open],
                )
                for curve in cases.curves
            ],
            title=text.gettext("Share of cases still unanswered, by days since receipt"),
            x_label=text.gettext("Days since receipt"),
            y_label=text.gettext("Still unanswered (%)"),
            language=language,
        )
    shown = [m for m in cases.chart if m.share is not None]
    if shown:
        charts["overdue"] = control_chart(
            [
                ControlPoint(
                    m.month,
                    m.share * 100 if m.share is not None else None,
                    m.lower * 100 if m.share is not None else None,
                    m.upper * 100 if m.share is not None else None,
                    bool(m.rules),
                    text.gettext("No cases due") if m.due == 0 else "",
                )
                for m in cases.chart
            ],
            centre=shown[0].centre * 100,
            title=text.gettext("Overdue share per month, with 3-sigma control limits"),
            y_label=text.gettext("Overdue (%)"),
            language=language,
        )
    return charts
