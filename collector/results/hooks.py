"""The results feature as a plugin: the core's exporters and analyses, the results
pages and the ``export`` and ``analyse`` commands."""

from __future__ import annotations

import click
from flask import Blueprint

from collector.core.hookspecs import hookimpl
from collector.core.hooktypes import JobKind
from collector.results import background
from collector.results import commands
from collector.results import views
from collector.results.analyses import Analysis
from collector.results.exporters import CsvExporter
from collector.results.exporters import Exporter
from collector.results.exporters import XlsxExporter
from collector.results.summaries import SatisfactionSummary


@hookimpl
def register_exporters() -> list[type[Exporter]]:
    return [CsvExporter, XlsxExporter]


@hookimpl
def register_analyses() -> list[type[Analysis]]:
    return [SatisfactionSummary]


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]


@hookimpl
def register_commands() -> list[click.Command]:
    return [commands.export, commands.analyse]


@hookimpl
def register_job_kinds() -> list[JobKind]:
    return [background.EXPORT]
