"""The kiosk feature as a plugin: the tablet's pages, the console's pages and its panel."""

from __future__ import annotations

from flask import Blueprint

from collector.core.hookspecs import hookimpl
from collector.kiosk import console_views
from collector.kiosk import device_views
from collector.kiosk.panels import QuietKiosksPanel


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [device_views.bp, console_views.bp]


@hookimpl
def register_console_panels() -> list[type]:
    return [QuietKiosksPanel]
