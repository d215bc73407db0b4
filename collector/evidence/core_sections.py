"""The core's sections of the evidence pack, in the award's order.

Citizens: survey design, sampling design, results, trend analysis, review and
improvement. Complaints: handling mechanism, handling statistics, the
handling-satisfaction survey, improvements. The internal staff survey.

Every number comes from the function the matching console page calls: the results
pages' sections (``PackContext.results``), ``collector.complaints.statistics`` and
``collector.improvement``; this module only words them and lays them out.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from collector.complaints import statistics as stats
from collector.complaints.followups import QUESTIONNAIRE as FOLLOWUP
from collector.complaints.labels import CHANNELS as COMPLAINT_CHANNELS
from collector.complaints.statistics_charts import statistics_charts
from collector.core import clock
from collector.core.disclosure import MIN_CELL
from collector.core.models import ComplaintCategory
from collector.core.models import ImprovementAction
from collector.core.questionnaires import current_version
from collector.core.questionnaires import definition_of
from collector.evidence.context import PackContext
from collector.evidence.context import ResultsRun
from collector.evidence.model import EvidenceSection
from collector.evidence.model import Figure
from collector.evidence.model import PackChart
from collector.evidence.model import PackSection
from collector.evidence.model import PackTable
from collector.improvement import findings
from collector.improvement.presentation import Names
from collector.improvement.presentation import before_after_view
from collector.improvement.service import READ as IMPROVEMENT_READ
from collector.improvement.service import list_actions
from collector.results import charts
from collector.results.charts import Bar
from collector.results.waves import parse_period
from collector.staff_survey.service import SLUG as STAFF_SLUG
from surveys import Questionnaire

CITIZEN_SLUG = "citizen-satisfaction"
WITHHELD = f"<{MIN_CELL}"
DASH = "—"


def citizen_slugs(context: PackContext) -> list[str]:
    """The citizen questionnaires with responses in the period, the core's own first."""
    slugs = [q.slug for q in context.plugins.questionnaires.values() if q.kind == "citizen"]
    slugs.sort(key=lambda s: (s != CITIZEN_SLUG, s))
    return [s for s in slugs if context.results(s) is not None]


def title_of(context: PackContext, questionnaire: Questionnaire) -> str:
    return questionnaire.text(questionnaire.title, context.language)


def _share_text(view: dict[str, Any] | None) -> str:
    return view["share"]["value"] if view else WITHHELD


def _score_text(view: dict[str, Any] | None) -> str:
    return view["score"]["value"] if view else WITHHELD


def satisfaction_figures(
    prefix: str, view: dict[str, Any] | None, wave: str, label: str = ""
) -> list[Figure]:
    """The share and the score of a ``satisfaction_view`` as figures (none when withheld)."""
    if view is None:
        return []
    raw = view["raw"]
    return [
        Figure(
            f"{prefix}.share",
            raw["share"],
            "share",
            label,
            view["n"],
            raw["share_ci"][0],
            raw["share_ci"][1],
            wave,
        ),
        Figure(
            f"{prefix}.score",
            raw["score"],
            "score",
            label,
            view["n"],
            raw["score_ci"][0],
            raw["score_ci"][1],
            wave,
        ),
    ]


def _chart(context: PackContext, section: str, name: str, chart: Any) -> PackChart:
    """A chart of the pack, drawn once: its file name says its edition and section."""
    file_name = f"{context.language}/{section}-{name}"
    context.charts.add(file_name, chart)
    return PackChart(file_name, chart)


def headline_paragraph(context: PackContext, run: ResultsRun, title: str) -> str:
    """The headline in one sentence, with its change since the previous wave."""
    text = context.text
    headline = run.sections.get("headline")
    if headline is None or headline["current"] is None:
        return text.gettext(
            "Fewer than %(min)s people answered the overall question of %(title)s in %(wave)s: "
            "the result is withheld.",
            min=MIN_CELL,
            title=title,
            wave=run.wave.label(context.language),
        )
    current = headline["current"]
    out = text.gettext(
        "In %(wave)s, %(share)s of the %(n)s respondents to %(title)s were satisfied or very "
        "satisfied overall (95%% interval %(ci)s%%); the satisfaction score was %(score)s "
        "out of 100 (95%% interval %(score_ci)s).",
        wave=run.wave.label(context.language),
        share=current["share"]["value"],
        n=f"{current['n']:,}",
        title=title,
        ci=current["share"]["ci"],
        score=current["score"]["value"],
        score_ci=current["score"]["ci"],
    )
    change = headline["change"]
    if change is not None:
        out += " " + text.gettext(
            "Compared with %(wave)s the share changed by %(points)s percentage points "
            "(95%% interval %(ci)s): %(statement)s",
            wave=headline["previous"],
            points=change["share"]["value"],
            ci=change["share"]["ci"],
            statement=change["statement"],
        )
    return out


# -- citizens -------------------------------------------------------------------------


class CitizenSection(EvidenceSection):
    """A section per citizen questionnaire with responses in the period (the core's
    own first): ``section`` words one questionnaire's results run, or gives None."""

    def build(self, context: PackContext) -> list[PackSection]:
        out = []
        for slug in citizen_slugs(context):
            run = context.results(slug)
            assert run is not None  # citizen_slugs keeps those with a run
            found = self.section(context, slug, run)
            if found is not None:
                out.append(found)
        return out

    def section(self, context: PackContext, slug: str, run: ResultsRun) -> PackSection | None:
        raise NotImplementedError


class CitizenSurveyDesign(CitizenSection):
    """調查設計: the questionnaire, its dimensions and items, and their reliability."""

    name = "citizens.survey_design"
    part = "citizens"
    order = 10

    def section(self, context: PackContext, slug: str, run: ResultsRun) -> PackSection | None:
        text = context.text
        q = run.questionnaire
        spec = q.analysis
        dims = list(spec.dimensions.items())
        items = sum(len(keys) for _, keys in dims)
        section = PackSection(
            f"{self.name}.{slug}",
            self.part,
            text.gettext("Survey design: %(title)s", title=title_of(context, q)),
        )
        section.paragraphs.append(
            text.gettext(
                "The agency measures citizens' satisfaction with the questionnaire "
                "%(title)s (version %(version)s): %(dimensions)s dimensions of service "
                "quality with %(items)s five-point items (1 very dissatisfied to 5 very "
                "satisfied), an overall satisfaction question, and open comments.",
                title=title_of(context, q),
                version=str(max(run.reader.version_ids())),
                dimensions=len(dims),
                items=items,
            )
        )
        section.paragraphs.append(
            text.gettext(
                "Satisfaction is reported as the share answering 4 or 5 (top-two-box) "
                "and as a score from 0 to 100; a dimension averages its items. Every "
                "figure has its 95%% interval, and no result resting on fewer than "
                "%(min)s respondents is shown.",
                min=MIN_CELL,
            )
        )
        rows = []
        for name, keys in dims:
            label = spec.dimension_labels.get(name)
            dim = q.text(label, context.language) if label else name
            for key in keys:
                rows.append([dim, q.text(q.question(key).label, context.language)])
        section.tables.append(
            PackTable(
                "items",
                text.gettext("Dimensions and items"),
                [text.gettext("Dimension"), text.gettext("Item")],
                rows,
            )
        )
        reliability = run.sections.get("reliability")
        if reliability:
            section.tables.append(
                PackTable(
                    "reliability",
                    text.gettext("Reliability of the dimensions (Cronbach's alpha)"),
                    [
                        text.gettext("Dimension"),
                        text.gettext("Items"),
                        text.gettext("Respondents"),
                        "α",
                        text.gettext("Verdict"),
                    ],
                    [
                        [d["title"], str(d["k"]), str(d["n"]), d["alpha"], d["verdict_text"]]
                        for d in reliability["dimensions"]
                    ],
                )
            )
        return section


class CitizenSamplingDesign(CitizenSection):
    """抽樣設計: the design statement of the results page."""

    name = "citizens.sampling_design"
    part = "citizens"
    order = 20

    def section(self, context: PackContext, slug: str, run: ResultsRun) -> PackSection | None:
        text = context.text
        design = run.sections.get("design")
        if design is None:
            return None
        wave = run.wave.key
        section = PackSection(
            f"{self.name}.{slug}",
            self.part,
            text.gettext("Sampling design: %(title)s", title=title_of(context, run.questionnaire)),
        )
        section.figures.append(Figure(f"{slug}.design.n", design["n"], "count", wave=wave))
        d = design["design"]
        if d is not None:
            weighted = d["weighting"]  # the results page's weighting in words, or None
            weighting = (
                text.gettext("weighted by %(method)s", method=weighted["method"])
                if weighted
                else text.gettext("unweighted (every respondent counts once)")
            )
            fpc = (
                text.gettext(
                    "with the finite-population correction for the %(population)s service "
                    "users counted",
                    population=f"{d['population']:,}",
                )
                if d["fpc"]
                else text.gettext("without a finite-population correction")
            )
            section.paragraphs.append(
                text.gettext(
                    "%(n)s responses were collected in %(wave)s. Estimates treat the "
                    "service units as %(strata)s strata, each response its own sampling "
                    "unit, %(fpc)s; the results are %(weighting)s. Kish's design effect "
                    "is %(deff)s (effective sample size %(neff)s), and the achieved "
                    "margin of error of a share is ±%(margin)s percentage points at 95%% "
                    "confidence.",
                    n=f"{design['n']:,}",
                    wave=design["wave"],
                    strata=d["strata"],
                    fpc=fpc,
                    weighting=weighting,
                    deff=d["kish_deff"],
                    neff=d["effective_n"],
                    margin=f"{d['margin']:.1f}",
                )
            )
            section.figures += [
                Figure(f"{slug}.design.strata", d["strata"], "count", wave=wave),
                Figure(f"{slug}.design.margin", d["margin"], "points", wave=wave),
                Figure(f"{slug}.design.kish_deff", float(d["kish_deff"]), "ratio", wave=wave),
            ]
            rows = [
                [text.gettext("Responses"), f"{design['n']:,}"],
                [text.gettext("Strata (service units)"), str(d["strata"])],
                [
                    text.gettext("Finite-population correction"),
                    f"{d['population']:,}" if d["fpc"] else text.gettext("none"),
                ],
                [
                    text.gettext("Weighting"),
                    weighted["method"] if weighted else text.gettext("none"),
                ],
                [text.gettext("Kish design effect"), d["kish_deff"]],
                [text.gettext("Effective sample size"), d["effective_n"]],
                [text.gettext("Achieved margin of error (95%)"), f"±{d['margin']:.1f}"],
            ]
            if design["target"]:
                rows.insert(1, [text.gettext("Target sample size"), f"{design['target']:,}"])
            section.tables.append(
                PackTable("design", text.gettext("Design statement"), ["", ""], rows)
            )
            if weighted:
                section.paragraphs.append(str(weighted["statement"]))
                section.tables.append(
                    PackTable(
                        "representativeness",
                        text.gettext("Representativeness before and after weighting"),
                        [
                            text.gettext("Variable"),
                            text.gettext("Chi-square before"),
                            text.gettext("p before"),
                            text.gettext("Chi-square after"),
                            text.gettext("p after"),
                        ],
                        [
                            [
                                f["variable"],
                                f["before"],
                                f["before_p"],
                                f["after"],
                                f["after_p"],
                            ]
                            for f in weighted["fits"]
                        ],
                    )
                )
        if design["units"]:
            section.tables.append(
                PackTable(
                    "units",
                    text.gettext("Responses by service unit"),
                    [text.gettext("Service unit"), text.gettext("Responses")],
                    [[u["label"], f"{u['n']}"] for u in design["units"]],
                )
            )
        return section


class CitizenResults(CitizenSection):
    """調查結果: headline, dimensions and items, breakdowns, importance-performance."""

    name = "citizens.results"
    part = "citizens"
    order = 30

    def section(self, context: PackContext, slug: str, run: ResultsRun) -> PackSection | None:
        text = context.text
        title = title_of(context, run.questionnaire)
        wave = run.wave.key
        section = PackSection(
            f"{self.name}.{slug}", self.part, text.gettext("Results: %(title)s", title=title)
        )
        section.paragraphs.append(headline_paragraph(context, run, title))
        headline = run.sections.get("headline")
        if headline is not None:
            section.figures += satisfaction_figures(f"{slug}.headline", headline["current"], wave)
            if headline["previous_shown"] and run.previous is not None:
                section.figures += satisfaction_figures(
                    f"{slug}.headline", headline["previous_view"], run.previous.key
                )
        dimensions = run.sections.get("dimensions")
        if dimensions is not None:
            rows, bars = [], []
            for block in dimensions["blocks"]:
                entries = ([block["summary"]] if block["summary"] else []) + block["items"]
                for entry in entries:
                    is_item = "key" in entry
                    current = entry["current"]
                    change = entry["change"]
                    label = entry["label"] if is_item else f"【{entry['label']}】"
                    rows.append(
                        [
                            label,
                            str(current["n"]) if current else WITHHELD,
                            _share_text(current),
                            current["share"]["ci"] if current else DASH,
                            _score_text(current),
                            change["share"]["value"] if change else DASH,
                            change["share"]["p"] if change else DASH,
                        ]
                    )
                    key = entry["key"] if is_item else f"dimension.{block['name']}"
                    section.figures += satisfaction_figures(
                        f"{slug}.{key}", current, wave, entry["label"]
                    )
                    if is_item:
                        raw = current["raw"] if current else None
                        bars.append(
                            Bar(
                                entry["label"],
                                raw["share"] * 100 if raw else None,
                                raw["share_ci"][0] * 100 if raw else None,
                                raw["share_ci"][1] * 100 if raw else None,
                            )
                        )
            section.tables.append(
                PackTable(
                    "dimensions",
                    text.gettext(
                        "Satisfaction by dimension and item, %(wave)s",
                        wave=run.wave.label(context.language),
                    ),
                    [
                        text.gettext("Dimension or item"),
                        text.gettext("Respondents"),
                        text.gettext("Satisfied"),
                        text.gettext("95% CI"),
                        text.gettext("Score"),
                        text.gettext("Change (points)"),
                        "p",
                    ],
                    rows,
                    text.gettext(
                        "Changes are against %(wave)s; p is the design-based test of the "
                        "change in the satisfied share.",
                        wave=dimensions["previous"] or DASH,
                    ),
                )
            )
            if bars:
                section.charts.append(
                    _chart(
                        context,
                        slug,
                        "items",
                        replace(  # room for every item's label, however many
                            charts.bar_chart(
                                bars,
                                title=text.gettext("Share satisfied by item"),
                                x_label=text.gettext("Share satisfied or very satisfied (percent)"),
                                language=context.language,
                            ),
                            height=max(3.6, 0.55 * len(bars) + 1.2),
                        ),
                    )
                )
        breakdowns = run.sections.get("breakdowns")
        if breakdowns is not None:
            for index, block in enumerate(breakdowns["blocks"]):
                test = block["test"]
                note = (
                    text.gettext(
                        "Difference across groups: %(p)s (Holm-adjusted %(holm)s).",
                        p=test["p"],
                        holm=test["p_holm"],
                    )
                    if test
                    else ""
                )
                section.tables.append(
                    PackTable(
                        f"breakdown-{index + 1}",
                        str(block["title"]),
                        [
                            text.gettext("Group"),
                            text.gettext("Respondents"),
                            text.gettext("Satisfied"),
                            text.gettext("95% CI"),
                            text.gettext("Score"),
                        ],
                        [
                            [
                                str(r["label"]),
                                str(r["n_shown"]),
                                _share_text(r["headline"]),
                                r["headline"]["share"]["ci"] if r["headline"] else DASH,
                                _score_text(r["headline"]),
                            ]
                            for r in block["rows"]
                        ],
                        note,
                    )
                )
        ipa = run.sections.get("importance")
        if ipa and not ipa.get("withheld") and ipa.get("chart") is not None:
            section.charts.append(_chart(context, slug, "importance", ipa["chart"]))
            if ipa.get("concentrate"):
                section.paragraphs.append(
                    text.gettext(
                        "Importance-performance analysis: concentrate on %(items)s "
                        "(important, below the average performance).",
                        items=text.gettext(", ").join(ipa["concentrate"]),
                    )
                )
        return section


class CitizenTrend(CitizenSection):
    """趨勢分析: the headline in every wave, the fitted trend and its test."""

    name = "citizens.trend"
    part = "citizens"
    order = 40

    def section(self, context: PackContext, slug: str, run: ResultsRun) -> PackSection | None:
        text = context.text
        trend = run.sections.get("trend")
        if trend is None:
            return None
        section = PackSection(
            f"{self.name}.{slug}",
            self.part,
            text.gettext("Trend analysis: %(title)s", title=title_of(context, run.questionnaire)),
        )
        line = trend["line"]
        if line:
            section.paragraphs.append(
                text.gettext(
                    "Over %(waves)s waves the satisfied share moved by %(slope)s "
                    "percentage points a year (95%% interval %(ci)s): %(words)s.",
                    waves=line["waves"],
                    slope=line["slope"],
                    ci=line["ci"],
                    words=line["words"],
                )
            )
        else:
            section.paragraphs.append(
                text.gettext("A trend needs at least three waves with results.")
            )
        section.paragraphs.append(
            text.gettext(
                "Each change from one wave to the next is tested, with Holm's correction "
                "for the number of changes; ▲ and ▼ mark the significant ones."
            )
        )
        rows = []
        for row in trend["rows"]:
            current = row["current"]
            change = row["change"]
            rows.append(
                [
                    row["label"],
                    str(current["n"]) if current else WITHHELD,
                    _share_text(current),
                    current["share"]["ci"] if current else DASH,
                    _score_text(current),
                    f"{change['points']} {change['mark']}".strip() if change else DASH,
                    f"{change['p']} ({change['words']})" if change else DASH,
                ]
            )
            wave = parse_period(row["key"])
            section.figures += satisfaction_figures(
                f"{slug}.trend", current, wave.key if wave else row["key"]
            )
        section.tables.append(
            PackTable(
                "trend",
                text.gettext("Overall satisfaction by wave"),
                [
                    text.gettext("Wave"),
                    text.gettext("Respondents"),
                    text.gettext("Satisfied"),
                    text.gettext("95% CI"),
                    text.gettext("Score"),
                    text.gettext("Change (points)"),
                    text.gettext("Holm-adjusted p"),
                ],
                rows,
            )
        )
        section.charts.append(_chart(context, slug, "trend", trend["chart"]))
        return section


def _improvement_rows(
    context: PackContext, actions: list[ImprovementAction]
) -> tuple[list[list[str]], list[str]]:
    """The actions as table rows, and their before/after sentences."""
    text = context.text
    names = Names(context.actor)
    rows, statements = [], []
    for action in actions:
        result = before_after_view(action, context.actor, names)
        status = text.render(findings.STATUS_LABELS[action.status])
        rows.append(
            [
                action.title,
                names.finding(action),
                status,
                action.done_on.isoformat() if action.done_on else action.due_on.isoformat(),
                result["statement"] if result else DASH,
            ]
        )
        if result:
            statements.append(f"{action.title}: {result['statement']}")
    return rows, statements


def _actions_in(context: PackContext, survey: bool) -> list[ImprovementAction]:
    """The agency's improvement actions that matter for the period: found in it, done in
    it, or still open; survey findings or complaint findings."""
    if not context.may(IMPROVEMENT_READ):
        return []
    wave = context.wave
    out = []
    for action in list_actions(context.session, context.actor):
        if action.agency_id != context.agency.id:
            continue
        if (action.category_id is None) != survey:
            continue
        found = findings.resolve_wave(
            context.session,
            context.actor,
            action.wave_key,
            action.questionnaire_slug,
            IMPROVEMENT_READ,
        )
        in_period = found is not None and found.start <= wave.end and found.end >= wave.start
        done_in = action.done_on is not None and wave.contains(action.done_on)
        if in_period or done_in or action.status in findings.OPEN_STATUSES:
            out.append(action)
    return out


def _improvement_table(context: PackContext, rows: list[list[str]]) -> PackTable:
    text = context.text
    return PackTable(
        "actions",
        text.gettext("Improvement actions and their effect"),
        [
            text.gettext("Action"),
            text.gettext("Finding"),
            text.gettext("Status"),
            text.gettext("Done or due"),
            text.gettext("Before and after"),
        ],
        rows,
    )


class _ImprovementSection(EvidenceSection):
    """The actions answering one part's findings (the survey's or the complaints'), each
    with its before/after; a part words its own title and introduction."""

    survey = True

    def title(self, context: PackContext) -> str:
        raise NotImplementedError

    def introduction(self, context: PackContext, actions: list[ImprovementAction]) -> str:
        raise NotImplementedError

    def build(self, context: PackContext) -> list[PackSection]:
        actions = _actions_in(context, survey=self.survey)
        section = PackSection(self.name, self.part, self.title(context))
        if not actions:
            section.paragraphs.append(
                context.text.gettext("No improvement action was recorded for this period.")
            )
            return [section]
        section.paragraphs.append(self.introduction(context, actions))
        rows, statements = _improvement_rows(context, actions)
        section.tables.append(_improvement_table(context, rows))
        section.bullets = statements
        return [section]


class CitizenImprovement(_ImprovementSection):
    """檢討與改善: the actions answering survey findings, each with its before/after."""

    name = "citizens.improvement"
    part = "citizens"
    order = 50

    def title(self, context: PackContext) -> str:
        return context.text.gettext("Review and improvement")

    def introduction(self, context: PackContext, actions: list[ImprovementAction]) -> str:
        return context.text.gettext(
            "%(count)s improvement actions answer the survey's findings; %(done)s of them "
            "are done. Each is measured on the item it set out to improve, in the wave it "
            "was found and the wave after it took effect.",
            count=len(actions),
            done=sum(1 for a in actions if a.status == "done"),
        )


# -- complaints -----------------------------------------------------------------------


def _categories(context: PackContext, action: str) -> list[ComplaintCategory]:
    return list(
        context.session.execute(
            context.scope(action)(
                select(ComplaintCategory)
                .where(col(ComplaintCategory.agency_id) == context.agency.id)
                .order_by(col(ComplaintCategory.id))
            )
        ).scalars()
    )


def stats_action(context: PackContext) -> str:
    """The complaint statistics page's reading: ``cases.read`` where allowed."""
    return "cases.read" if context.may("cases.read") else "aggregates.read"


def case_scope(context: PackContext) -> stats.Scope:
    """The statistics page's scope for the agency and period (whole agency)."""
    return stats.Scope(
        agency_id=context.agency.id or 0,
        unit_id=None,
        wave=context.wave,
        today=context.today,
        action=stats_action(context),
        zone=clock.zone(context.app),
    )


def case_statistics(context: PackContext) -> stats.CaseStatistics:
    """The statistics page's case figures for the period (computed once per pack)."""
    if "cases" not in context.cache:
        context.cache["cases"] = stats.case_statistics(context.session, case_scope(context))
    found: stats.CaseStatistics = context.cache["cases"]
    return found


def channel_label(context: PackContext, channel: str) -> str:
    """A complaint channel as the case pages name it."""
    label = COMPLAINT_CHANNELS.get(channel)
    return context.text.render(label) if label is not None else channel


def _count(value: int | None) -> str:
    return WITHHELD if value is None else f"{value:,}"


def _pct(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f}%"


class ComplaintMechanism(EvidenceSection):
    """處理機制: the channels, categories and their statutory deadlines."""

    name = "complaints.mechanism"
    part = "complaints"
    order = 110

    def build(self, context: PackContext) -> list[PackSection]:
        text = context.text
        categories = _categories(context, stats_action(context))
        if not categories:
            return []
        cases = case_statistics(context)
        section = PackSection(self.name, self.part, text.gettext("Complaint-handling mechanism"))
        channels = [channel_label(context, c) for c in cases.by_channel.cols]
        section.paragraphs.append(
            text.gettext(
                "Complaints reach the agency through %(channels)s. Each case is numbered on "
                "receipt, routed to the service unit responsible for its category, and "
                "answered within the category's deadline in working days of Taiwan's "
                "calendar; a case transferred to another agency or merged into another is "
                "not counted against a deadline. Every step is kept in the case's history.",
                channels=text.gettext(", ").join(channels) if channels else DASH,
            )
        )
        default = text.gettext("the agency's policy")
        section.tables.append(
            PackTable(
                "categories",
                text.gettext("Complaint categories and their deadlines"),
                [text.gettext("Category"), text.gettext("Deadline (days)")],
                [
                    [context.name(c), str(c.deadline_days) if c.deadline_days else default]
                    for c in categories
                    if c.active
                ],
            )
        )
        return [section]


class ComplaintStatistics(EvidenceSection):
    """處理統計: volume, on-time share, time to close, the overdue p-chart."""

    name = "complaints.statistics"
    part = "complaints"
    order = 120

    def build(self, context: PackContext) -> list[PackSection]:
        text = context.text
        cases = case_statistics(context)
        if cases.by_category.total == 0 and cases.due == 0:
            return []
        wave = context.wave.key
        names = {c.id: context.name(c) for c in _categories(context, stats_action(context))}
        section = PackSection(self.name, self.part, text.gettext("Complaint-handling statistics"))
        total = cases.by_category.total
        section.figures.append(Figure("complaints.received", total, "count", n=total, wave=wave))
        sentence = text.gettext(
            "%(total)s cases were received in %(wave)s.",
            total=f"{total:,}",
            wave=context.wave.label(context.language),
        )
        if cases.on_time is not None:
            share = cases.on_time
            section.figures.append(
                Figure(
                    "complaints.on_time",
                    share.estimate,
                    "share",
                    n=cases.due,
                    low=share.low,
                    high=share.high,
                    wave=wave,
                )
            )
            sentence += " " + text.gettext(
                "Of the %(due)s cases due, %(share)s were answered on time (95%% interval "
                "%(low)s–%(high)s).",
                due=f"{cases.due:,}",
                share=_pct(share.estimate),
                low=f"{share.low * 100:.1f}",
                high=f"{share.high * 100:.1f}",
            )
        if cases.median is not None:
            median = cases.median
            days = f"{median.days:g}" if math.isfinite(median.days) else DASH
            section.figures.append(
                Figure(
                    "complaints.median_days",
                    median.days if math.isfinite(median.days) else None,
                    "days",
                    n=median.n,
                    low=median.low if math.isfinite(median.low) else None,
                    high=median.high if math.isfinite(median.high) else None,
                    wave=wave,
                )
            )
            sentence += " " + text.gettext(
                "Half the cases were answered within %(days)s days of receipt (Kaplan-Meier "
                "median, the %(open)s cases still open counted as unanswered so far).",
                days=days,
                open=_count(median.open if not stats.too_small(median.open) else None),
            )
        section.paragraphs.append(sentence)
        months = cases.months
        rows = []
        categories = cases.by_category.cols
        for month in months:  # months down, categories across: a year fits a page
            rows.append(
                [month]
                + [_count(cases.by_category.cells[(month, c)]) for c in categories]
                + [_count(cases.by_category.row_totals[month])]
            )
        rows.append(
            [text.gettext("Total")]
            + [_count(cases.by_category.col_totals[c]) for c in categories]
            + [f"{total:,}"]
        )
        section.tables.append(
            PackTable(
                "volume",
                text.gettext("Cases received by category and month"),
                [
                    text.gettext("Month"),
                    *(names.get(c, str(c)) for c in categories),
                    text.gettext("Total"),
                ],
                rows,
            )
        )
        channel_rows = [
            [
                channel_label(context, ch),
                _count(cases.by_channel.col_totals[ch]),
            ]
            for ch in cases.by_channel.cols
        ]
        section.tables.append(
            PackTable(
                "channels",
                text.gettext("Cases received by channel"),
                [text.gettext("Channel"), text.gettext("Cases")],
                channel_rows,
            )
        )
        category_rows = []
        for row in cases.categories:
            category_rows.append(
                [
                    names.get(row.category_id, str(row.category_id)),
                    _count(row.received),
                    _count(row.due),
                    _pct(row.on_time.estimate) if row.on_time else DASH,
                    (
                        DASH
                        if row.median is None or not math.isfinite(row.median.days)
                        else f"{row.median.days:g}"
                    ),
                ]
            )
        section.tables.append(
            PackTable(
                "categories",
                text.gettext("Timeliness by category"),
                [
                    text.gettext("Category"),
                    text.gettext("Received"),
                    text.gettext("Due"),
                    text.gettext("On time"),
                    text.gettext("Median days to answer"),
                ],
                category_rows,
            )
        )
        flagged = [m.month for m in cases.chart if m.rules]
        for point in cases.chart:
            if point.share is not None:
                section.figures.append(
                    Figure(
                        f"complaints.overdue.{point.month}",
                        point.share,
                        "share",
                        n=point.due,
                        low=point.lower,
                        high=point.upper,
                        wave=wave,
                    )
                )
        if cases.chart:
            section.paragraphs.append(
                text.gettext(
                    "The p-chart follows the monthly share of cases not answered on time "
                    "against 3-sigma control limits; months signalled by a run rule: "
                    "%(months)s.",
                    months=text.gettext(", ").join(flagged) if flagged else text.gettext("none"),
                )
            )
        drawn = statistics_charts(cases, context.language)
        for name in ("km", "overdue"):
            if name in drawn:
                section.charts.append(_chart(context, "complaints", name, drawn[name]))
        return [section]


def followup_questionnaire(context: PackContext) -> dict[str, Any] | None:
    """The follow-up questionnaire's overall item, groups and dimensions (as the
    statistics page reads them, in the edition's language)."""
    version = current_version(context.app, context.session, FOLLOWUP)
    if version is None:
        return None
    q = definition_of(version)
    analysis = q.analysis
    if not analysis.overall:
        return None
    order = {"process": 0, "outcome": 1}
    groups = dict(sorted(analysis.groups.items(), key=lambda kv: order.get(kv[0], 2)))
    keys = {analysis.overall, *(k for items in groups.values() for k in items)}
    likert = {k for k in keys if q.question(k).type == "likert5"}
    return {
        "overall": analysis.overall,
        "groups": groups,
        "dimensions": dict(analysis.dimensions),
        "dimension_labels": {
            k: q.text(v, context.language) for k, v in analysis.dimension_labels.items()
        },
        "likert": likert,
        "labels": {k: q.text(q.question(k).label, context.language) for k in keys},
    }


def followup_satisfaction(context: PackContext) -> tuple[stats.Satisfaction, dict[str, Any]] | None:
    spec = followup_questionnaire(context)
    if spec is None:
        return None
    result = stats.satisfaction(
        context.session,
        case_scope(context),
        spec["groups"],
        spec["dimensions"],
        spec["overall"],
        spec["likert"],
    )
    return result, spec


def _item_row(label: str, item: stats.ItemFigure) -> list[str]:
    if item.n is None:
        return [label, WITHHELD, DASH, DASH, DASH]
    return [
        label,
        str(item.n),
        f"{item.mean:.2f}" if item.mean is not None else DASH,
        f"{item.top2 * 100:.1f}%" if item.top2 is not None else DASH,
        (
            f"{item.top2_ci[0] * 100:.1f}–{item.top2_ci[1] * 100:.1f}"
            if item.top2_ci is not None
            else DASH
        ),
    ]


def _item_figures(key: str, item: stats.ItemFigure, wave: str) -> list[Figure]:
    out = []
    if item.n is not None and item.mean is not None and item.mean_ci is not None:
        out.append(
            Figure(
                f"{key}.mean",
                item.mean,
                "mean",
                n=item.n,
                low=item.mean_ci[0],
                high=item.mean_ci[1],
                wave=wave,
            )
        )
    if item.n is not None and item.top2 is not None and item.top2_ci is not None:
        out.append(
            Figure(
                f"{key}.share",
                item.top2,
                "share",
                n=item.n,
                low=item.top2_ci[0],
                high=item.top2_ci[1],
                wave=wave,
            )
        )
    return out


class ComplaintSatisfaction(EvidenceSection):
    """陳情處理滿意度調查: the follow-up survey, its response rate and weighted results."""

    name = "complaints.satisfaction"
    part = "complaints"
    order = 130

    def build(self, context: PackContext) -> list[PackSection]:
        text = context.text
        found = followup_satisfaction(context)
        if found is None:
            return []
        result, spec = found
        if result.invited == 0:
            return []
        wave = context.wave.key
        section = PackSection(
            self.name, self.part, text.gettext("Complaint-handling satisfaction survey")
        )
        section.figures.append(Figure("followup.invited", result.invited, "count", wave=wave))
        rr = result.rates.get("RR1")
        section.paragraphs.append(
            text.gettext(
                "Complainants whose cases were closed are asked about the handling, online "
                "or by phone. In %(wave)s %(invited)s were invited and %(answered)s answered "
                "(AAPOR response rate RR1 %(rr)s). Each category's respondents are weighted "
                "to the cases of that category invited (%(strata)s strata).",
                wave=context.wave.label(context.language),
                invited=f"{result.invited:,}",
                answered=_count(result.answered),
                rr=_pct(rr) if result.answered is not None else DASH,  # 0 % would tell
                strata=result.strata,
            )
        )
        if result.answered is not None:
            section.figures.append(Figure("followup.answered", result.answered, "count", wave=wave))
        if rr is not None and result.answered is not None:
            section.figures.append(Figure("followup.rr1", rr, "share", wave=wave))
        if result.overall is not None:
            rows = [_item_row(spec["labels"][spec["overall"]], result.overall)]
            section.figures += _item_figures("followup.overall", result.overall, wave)
            for items in result.groups.values():
                for item in items:
                    rows.append(_item_row(spec["labels"].get(item.key, item.key), item))
                    section.figures += _item_figures(f"followup.{item.key}", item, wave)
            for name, item in result.dimensions.items():
                rows.append(_item_row(f"【{spec['dimension_labels'].get(name, name)}】", item))
                section.figures += _item_figures(f"followup.dimension.{name}", item, wave)
            section.tables.append(
                PackTable(
                    "followup",
                    text.gettext("Handling satisfaction by item (weighted)"),
                    [
                        text.gettext("Item"),
                        text.gettext("Respondents"),
                        text.gettext("Mean (1-5)"),
                        text.gettext("Satisfied"),
                        text.gettext("95% CI"),
                    ],
                    [r for r in rows if r[2] != DASH or r[1] == WITHHELD],
                )
            )
            overall = result.overall
            if overall.top2 is not None and overall.n is not None:
                section.paragraphs.append(
                    text.gettext(
                        "Overall, %(share)s of the %(n)s respondents were satisfied with the "
                        "handling of their case.",
                        share=_pct(overall.top2),
                        n=overall.n,
                    )
                )
        return [section]


class ComplaintImprovement(_ImprovementSection):
    """陳情改善: actions answering complaint findings (a category's volume or delays)."""

    name = "complaints.improvement"
    part = "complaints"
    order = 140
    survey = False

    def title(self, context: PackContext) -> str:
        return context.text.gettext("Improvements from complaints")

    def introduction(self, context: PackContext, actions: list[ImprovementAction]) -> str:
        return context.text.gettext(
            "%(count)s improvement actions answer what the complaints showed: a category "
            "with many cases, or cases answered late. Each is measured on that category's "
            "cases before and after.",
            count=len(actions),
        )


# -- the internal staff survey --------------------------------------------------------


class StaffSurvey(EvidenceSection):
    """內部員工滿意度調查: the staff survey's page for the period's campaign."""

    name = "staff.survey"
    part = "staff"
    order = 210

    def build(self, context: PackContext) -> list[PackSection]:
        text = context.text
        reader = context.reader(STAFF_SLUG)
        if not reader.version_ids():
            return []
        campaigns = [w for w in reader.campaign_waves() if context.wave.contains(w.start)]
        counts = reader.campaign_counts()
        campaigns = [w for w in campaigns if counts.get(w.campaign_id or 0)]
        wave = campaigns[-1] if campaigns else context.wave
        run = context.results(STAFF_SLUG, wave)
        if run is None:
            return []
        title = title_of(context, run.questionnaire)
        section = PackSection(
            self.name, self.part, text.gettext("Internal staff satisfaction survey")
        )
        design = run.sections.get("design")
        if design is not None and design.get("response_rate"):
            rate = design["response_rate"]
            section.paragraphs.append(
                text.gettext(
                    "%(title)s (%(wave)s) invited %(invited)s staff with one-time links that "
                    "cannot be traced to their answers; %(responded)s answered (AAPOR RR1 "
                    "%(rr)s%%).",
                    title=title,
                    wave=run.wave.label(context.language),
                    invited=rate["invited"],
                    responded=rate["responded"],
                    rr=f"{rate['rr1']:.1f}",
                )
            )
            section.figures.append(
                Figure(
                    "staff.rr1", rate["rr1"] / 100, "share", n=rate["invited"], wave=run.wave.key
                )
            )
        section.paragraphs.append(headline_paragraph(context, run, title))
        headline = run.sections.get("headline")
        if headline is not None:
            section.figures += satisfaction_figures(
                "staff.headline", headline["current"], run.wave.key
            )
        dimensions = run.sections.get("dimensions")
        if dimensions is not None:
            rows = []
            for block in dimensions["blocks"]:
                entries = ([block["summary"]] if block["summary"] else []) + block["items"]
                for entry in entries:
                    current = entry["current"]
                    is_item = "key" in entry
                    rows.append(
                        [
                            entry["label"] if is_item else f"【{entry['label']}】",
                            str(current["n"]) if current else WITHHELD,
                            _share_text(current),
                            current["share"]["ci"] if current else DASH,
                            _score_text(current),
                        ]
                    )
                    key = entry["key"] if is_item else f"dimension.{block['name']}"
                    section.figures += satisfaction_figures(
                        f"staff.{key}", current, run.wave.key, entry["label"]
                    )
            section.tables.append(
                PackTable(
                    "dimensions",
                    text.gettext("Staff satisfaction by dimension and item"),
                    [
                        text.gettext("Dimension or item"),
                        text.gettext("Respondents"),
                        text.gettext("Satisfied"),
                        text.gettext("95% CI"),
                        text.gettext("Score"),
                    ],
                    rows,
                )
            )
        return [section]


CORE_SECTIONS: list[type[EvidenceSection]] = [
    CitizenSurveyDesign,
    CitizenSamplingDesign,
    CitizenResults,
    CitizenTrend,
    CitizenImprovement,
    ComplaintMechanism,
    ComplaintStatistics,
    ComplaintSatisfaction,
    ComplaintImprovement,
    StaffSurvey,
]
