"""The answers feature as a plugin: the standard question types, the bundled
questionnaires and the pages that take answers (survey, JSON API, paper entry)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

import surveys
from collector.answers import assets
from collector.answers import events
from collector.answers.question_types import QuestionType
from collector.answers.standard_types import CORE_TYPES
from collector.answers.views import api
from collector.answers.views import keyed
from collector.answers.views import paper
from collector.answers.views import survey
from collector.core.hookspecs import hookimpl
from collector.core.hooktypes import JobKind


@hookimpl
def register_question_types() -> list[type[QuestionType]]:
    return list(CORE_TYPES)


@hookimpl
def register_questionnaires() -> list[Path]:
    return surveys.bundled()


@hookimpl
def register_blueprints() -> list[Blueprint]:
    return [survey.bp, api.bp, paper.bp, keyed.bp, assets.bp]


@hookimpl
def register_job_kinds() -> list[JobKind]:
    return [events.RESPONSE_SAVED]
