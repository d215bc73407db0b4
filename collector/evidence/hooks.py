"""The evidence pack as a plugin: its core sections, its page, command and job kind."""

from __future__ import annotations

import click
from flask import Blueprint

from collector.core.hookspecs import hookimpl
from collector.core.hooktypes import JobKind
from collector.evidence import background
from collector.evidence import commands
from collector.evidence import views
from collector.evidence.core_sections import CORE_SECTIONS
from collector.evidence.model import EvidenceSection


@hookimpl
def register_evidence_sections() -> list[type[EvidenceSection]]:
    return list(CORE_SECTIONS)


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [views.bp]


@hookimpl
def register_commands() -> list[click.Command]:
    return [commands.evidence]


@hookimpl
def register_job_kinds() -> list[JobKind]:
    return [background.PACK]
