"""The results feature as a plugin: the core's exporters, analyses and results-page
sections, the results pages and the ``export`` and ``analyse`` commands."""

from __future__ import annotations

import click
from flask import Blueprint

from collector.core.hookspecs import hookimpl
from collector.core.hooktypes import JobKind
from collector.results import background
from collector.results import chart_pruning
from collector.results import commands
from collector.results import views
from collector.results.analyses import Analysis
from collector.results.chart_sections import CHART_SECTIONS
from collector.results.core_sections.analyses import RegisteredAnalyses
from collector.results.core_sections.breakdowns import Breakdowns
from collector.results.core_sections.design import DesignStatement
from collector.results.core_sections.dimensions import Dimensions
from collector.results.core_sections.headline import Headline
from collector.results.core_sections.trend import Trend
from collector.results.exporters import CsvExporter
from collector.results.exporters import Exporter
from collector.results.exporters import XlsxExporter
from collector.results.overview import FallingItemsPanel
from collector.results.overview import HeadlinePanel
from collector.results.overview import SurveyProgressPanel
from collector.results.sections import ResultsSection
from collector.results.summaries import SatisfactionSummary


@hookimpl
def register_exporters() -> list[type[Exporter]]:
    return [CsvExporter, XlsxExporter]


@hookimpl
def register_analyses() -> list[type[Analysis]]:
    return [SatisfactionSummary]


@hookimpl
def register_results_sections() -> list[type[ResultsSection]]:
    return [
        DesignStatement,
        Headline,
        Dimensions,
        Trend,
        Breakdowns,
        RegisteredAnalyses,
        *CHART_SECTIONS,
    ]


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]


@hookimpl
def register_commands() -> list[click.Command]:
    return [commands.export, commands.analyse]


@hookimpl
def register_console_panels() -> list[type]:
    return [SurveyProgressPanel, HeadlinePanel, FallingItemsPanel]


@hookimpl
def register_job_kinds() -> list[JobKind]:
    return [background.EXPORT, chart_pruning.PRUNE]
