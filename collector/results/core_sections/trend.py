"""Trend: the headline item in every wave of the chosen kind, with its interval, the
precision-weighted linear trend and its test (``analysis.trend``), and each
wave-to-wave change marked when significant after Holm's correction.

Each wave's estimate comes from sums by service unit, counted in the database and kept
per wave until its responses change (``WaveReader.sums``,
``collector.results.summary``): the same estimate the headline gives for that wave,
without loading any wave's responses.
"""

from __future__ import annotations

import math
from typing import Any

from analysis.compare import adjust_pvalues
from analysis.trend import linear_trend
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.results import charts
from collector.results.charts import Chart
from collector.results.charts import TrendPoint
from collector.results.estimation import Change
from collector.results.estimation import Satisfaction
from collector.results.estimation import change
from collector.results.estimation import design_for
from collector.results.estimation import interval
from collector.results.estimation import satisfaction
from collector.results.figures import ALPHA
from collector.results.figures import p_text
from collector.results.figures import satisfaction_view
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from collector.results.summary import measures_for
from collector.results.summary import satisfaction_from_sums
from collector.results.waves import Wave
from surveys import Questionnaire

DAYS_PER_YEAR = 365.25


def wave_estimates(context: WaveContext, key: str) -> list[tuple[Wave, Satisfaction | None]]:
    """Every wave's share and score of ``key`` (None where under MIN_CELL respondents)."""
    out: list[tuple[Wave, Satisfaction | None]] = []
    source = context.source
    if source is None:
        return out
    agencies, units = source.codes()
    measures = measures_for(key)
    for wave in context.waves:
        weigher = context.weigher(wave)
        if weigher is not None:  # weighting needs each response's demographics
            frame = context.load(wave)
            design = design_for(frame, [key], source.populations(wave), weigher)
            out.append((wave, satisfaction(design.survey, key) if design is not None else None))
            continue
        sums = source.sums(wave, measures)
        if not sums.rows:
            out.append((wave, None))
            continue
        populations = source.populations(wave)
        out.append((wave, satisfaction_from_sums(sums, key, agencies, units, populations)))
    return out


def trend_chart(
    estimates: list[tuple[Wave, Satisfaction | None]], line: dict[str, Any] | None, language: str
) -> Chart:
    """Each wave's satisfied share with its interval, and the fitted trend line when there is one."""
    text = translator(language)
    points = []
    for wave, result in estimates:
        if result is None:
            points.append(
                TrendPoint(wave.label(language), None, None, None, 0, wave.tick(language))
            )
            continue
        low, high = interval(result.share)
        points.append(
            TrendPoint(
                wave.label(language),
                result.share.estimate * 100,
                low * 100,
                high * 100,
                result.n,
                wave.tick(language),
            )
        )
    return charts.trend_chart(
        points,
        title=text.gettext("Overall satisfaction by wave"),
        y_label=text.gettext("Share satisfied or very satisfied (percent)"),
        language=language,
        fitted=line["fitted"] if line else None,
    )


class Trend(ResultsSection):
    name = "trend"
    title = lazy_gettext("Trend across waves")
    template = "results/sections/trend.html"
    order = 50

    def applies_to(self, questionnaire: Questionnaire) -> bool:
        return bool(questionnaire.analysis.overall)

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        key = context.questionnaire.analysis.overall
        assert key is not None  # applies_to
        estimates = wave_estimates(context, key)
        if not estimates:
            return None
        text = translator(context.language)
        changes: list[tuple[int, Change]] = []
        for i in range(1, len(estimates)):
            now, before = estimates[i][1], estimates[i - 1][1]
            if now is not None and before is not None:
                changes.append((i, change(now.share, before.share)))
        adjusted: Any = adjust_pvalues([c.p for _i, c in changes], "holm") if changes else []
        marks: dict[int, dict[str, Any]] = {}
        for (i, moved), p in zip(changes, adjusted, strict=True):
            significant = bool(p < ALPHA)
            up = moved.estimate.estimate > 0
            marks[i] = {
                "points": f"{moved.estimate.estimate * 100:+.1f}",
                "p": p_text(float(p)),
                "significant": significant,
                "mark": ("▲" if up else "▼") if significant else "",
                "words": (
                    text.gettext("significant rise") if up else text.gettext("significant fall")
                )
                if significant
                else text.gettext("not significant"),
            }
        rows = [
            {
                "label": wave.label(context.language),
                "key": wave.key,
                "chosen": context.wave is not None and wave.key == context.wave.key,
                "current": satisfaction_view(result),
                "change": marks.get(i),
            }
            for i, (wave, result) in enumerate(estimates)
        ]
        line = self._line(estimates, context.language)
        return {
            "rows": rows,
            "line": line,
            "chart": trend_chart(estimates, line, context.language),
        }

    @staticmethod
    def _line(estimates: list[tuple[Wave, Satisfaction | None]], language: str) -> Any:
        """The precision-weighted linear trend of the share, in points per year."""
        shown = [(w, r) for w, r in estimates if r is not None and r.share.se > 0]
        if len(shown) < 3:
            return None
        first = shown[0][0].start
        x = [(w.start - first).days / DAYS_PER_YEAR for w, _r in shown]
        if max(x) == min(x):
            return None
        fitted = linear_trend(
            x, [r.share.estimate for _w, r in shown], [r.share.se for _w, r in shown]
        )
        low, high = fitted.ci()
        text = translator(language)
        p = p_text(fitted.p_value)
        slope = fitted.slope * 100
        if fitted.p_value < ALPHA:
            words = (
                text.gettext("a significant upward trend (%(p)s)", p=p)
                if slope > 0
                else text.gettext("a significant downward trend (%(p)s)", p=p)
            )
        else:
            words = text.gettext("no significant trend (%(p)s)", p=p)
        at = {w.key: (w.start - first).days / DAYS_PER_YEAR for w, _r in shown}
        return {
            "fitted": [
                (fitted.intercept + fitted.slope * at[w.key]) * 100 if w.key in at else None
                for w, _r in estimates
            ],
            "waves": len(shown),
            "slope": f"{slope:+.1f}",
            "ci": f"{low * 100:+.1f}, {high * 100:+.1f}",
            "p": p,
            "words": words,
            "heterogeneity": p_text(fitted.heterogeneity_p)
            if not math.isnan(fitted.heterogeneity_p)
            else None,
        }
