"""The campaigns feature as a plugin: campaign pages and the signed links they print."""

from __future__ import annotations

from flask import Blueprint

from collector.campaigns import offer_views
from collector.campaigns import views
from collector.campaigns.overview import QuietCampaignsPanel
from collector.core.hookspecs import hookimpl


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp, views.links, offer_views.bp]


@hookimpl
def register_console_panels() -> list[type]:
    return [QuietCampaignsPanel]
