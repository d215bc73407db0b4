"""A question type's own rendering: its template, scripts and stylesheets.

A type declares them on its class (``QuestionType.template``, ``folder``,
``scripts``, ``stylesheets``; docs/plugin_hooks.md, ``register_question_types``).
The files are served from this app under ``/assets/question-types/<type>/<file>``,
so the page's Content-Security-Policy (``script-src 'self'``,
collector.access.security) admits them unchanged: no inline script, no other host.
Only the files a type names are served; nothing else in its folder is reachable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import send_from_directory
from flask import url_for
from jinja2 import ChoiceLoader
from jinja2 import FileSystemLoader

from collector.core.plugins import PluginSet
from collector.core.plugins import get_plugins
from surveys import Questionnaire

bp = Blueprint("question_assets", __name__)

CORE_WIDGETS = ("radio", "scale", "checkbox", "text", "textarea", "number", "date")
"""The widgets the core's template macros render; any other is wrapped in a fieldset."""


def _folder(qtype: Any) -> Path | None:
    folder = getattr(qtype, "folder", None)
    return Path(folder) if folder else None


def init_app(app: Flask, plugins: PluginSet) -> None:
    """Let Jinja find each type's ``template`` in its ``folder/templates``."""
    folders = [
        str(folder / "templates")
        for qtype in plugins.question_types.values()
        if (folder := _folder(qtype)) is not None and (folder / "templates").is_dir()
    ]
    if folders:
        app.jinja_env.loader = ChoiceLoader(
            [FileSystemLoader(folders), app.jinja_env.loader]  # type: ignore[list-item]  # Flask always sets a loader
        )


@bp.get("/assets/question-types/<name>/<path:filename>")
def asset(name: str, filename: str) -> Any:
    """One declared file of a question type (cached for a day, like the core's static)."""
    qtype = get_plugins().question_types.items.get(name)
    folder = _folder(qtype) if qtype is not None else None
    if folder is None or filename not in (*qtype.scripts, *qtype.stylesheets):  # type: ignore[union-attr]  # folder set only when qtype is
        abort(404)
    response = send_from_directory(folder / "static", filename, max_age=86400)
    return response


GRID_WIDGETS = ("radio", "scale")


def grid_sections(plugins: PluginSet, questionnaire: Questionnaire) -> list[str]:
    """The sections shown as a grid: ``layout: grid`` and every item a single choice
    the core draws (a type with its own template keeps the list layout)."""
    grids = []
    for section in questionnaire.sections:
        if section.layout != "grid":
            continue
        kinds = [plugins.question_types.items.get(q.type) for q in section.questions]
        if all(k is not None and k.widget in GRID_WIDGETS and not k.template for k in kinds):
            grids.append(section.key)
    return grids


def page_assets(plugins: PluginSet, questionnaire: Questionnaire) -> dict[str, list[str]]:
    """The addresses of the scripts and stylesheets the questionnaire's types ship, each
    once, and the keys of the sections drawn as grids."""
    scripts: list[str] = []
    stylesheets: list[str] = []
    seen: set[str] = set()
    for question in questionnaire.questions():
        qtype = plugins.question_types.items.get(question.type)
        if qtype is None or qtype.name in seen or _folder(qtype) is None:
            continue
        seen.add(qtype.name)
        for file in qtype.scripts:
            scripts.append(url_for("question_assets.asset", name=qtype.name, filename=file))
        for file in qtype.stylesheets:
            stylesheets.append(url_for("question_assets.asset", name=qtype.name, filename=file))
    return {
        "scripts": scripts,
        "stylesheets": stylesheets,
        "grids": grid_sections(plugins, questionnaire),
    }
