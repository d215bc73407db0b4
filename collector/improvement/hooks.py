"""The improvement feature as a plugin: the improvement actions' pages, the console's
"actions due" panel and the results page's improvement section."""

from __future__ import annotations

from flask import Blueprint

from collector.core.hookspecs import hookimpl
from collector.improvement import views
from collector.improvement.panels import ActionsDuePanel
from collector.improvement.results_section import ImprovementSection


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]


@hookimpl
def register_console_panels() -> list[type]:
    return [ActionsDuePanel]


@hookimpl
def register_results_sections() -> list[type]:
    return [ImprovementSection]
