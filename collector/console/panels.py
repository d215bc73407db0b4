"""The console home page's panels: what needs attention, each from its own feature.

A panel is a subclass of :class:`ConsolePanel` registered through the
``register_console_panels`` hook: results registers this wave's responses, the
headline and the falling items (analysts, coordinators), complaints the overdue and
due-soon cases (case handlers), campaigns the campaigns that stopped reporting
(administrators). The home page shows, in ``order``, each panel whose ``action`` the
actor may do somewhere, grouped under the navigation's areas.

Other features' panels, each one ``register_console_panels`` away (a :class:`ListPanel`
subclass of a few lines): improvement actions due (``collector.improvement.panels``),
kiosks that stopped reporting (``collector.kiosk.panels``), and failed background jobs
(``collector.console.jobs_panel``: jobs sits below the console in the package order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import ClassVar

from flask import Flask
from flask import current_app

from collector.access.permissions import may_somewhere
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.plugins import get_plugins
from collector.core.registry import Registry
from collector.core.registry import collect

AREAS = ("collect", "analyse", "complaints", "administer")
"""The tasks the console is organised by, in page order (navigation and panels)."""


class ConsolePanel:
    """Base class: set ``name``, ``title``, ``area``, ``action``, ``template``, ``order``;
    implement :meth:`build`.

    ``build`` returns the template's context (rendered as ``panel``) or None when there
    is nothing to say. It reads through ``collector.access.scoped`` with ``action`` (or a
    narrower one), so it shows nothing outside the actor's agencies, and never a cell of
    fewer than ``collector.core.disclosure.MIN_CELL`` respondents.
    """

    name: ClassVar[str]
    title: ClassVar[LazyText]
    area: ClassVar[str]
    action: ClassVar[str]
    template: ClassVar[str]
    order: ClassVar[int] = 100

    def build(self, actor: Actor) -> dict[str, Any] | None:
        raise NotImplementedError


@dataclass(frozen=True)
class PanelRow:
    """One line of a list panel: what, where to act on it, and a short detail."""

    label: str
    href: str | None = None
    detail: str = ""
    state: str = ""  # a class for the line's marker: overdue | due_soon | quiet | ""


class ListPanel(ConsolePanel):
    """A panel that lists things to act on (cases due, actions due, quiet campaigns).

    Implement :meth:`rows`; ``empty`` is what the panel says when there are none, and
    ``more`` (an endpoint and its arguments) leads to the full list.
    """

    template = "console/_list_panel.html"
    empty: ClassVar[LazyText]
    limit: ClassVar[int] = 8

    def rows(self, actor: Actor) -> Sequence[PanelRow]:
        raise NotImplementedError

    def more(self, actor: Actor) -> str | None:
        return None

    def build(self, actor: Actor) -> dict[str, Any] | None:
        rows = list(self.rows(actor))
        return {
            "rows": rows[: self.limit],
            "total": len(rows),
            "empty": self.empty,
            "more": self.more(actor),
        }


def registered(app: Flask | None = None) -> list[type[ConsolePanel]]:
    """Every registered panel class, in page order (merged once per app; a name
    registered twice stops the app, naming both plugins)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    cached = app.extensions.get("console_panels")
    if cached is None:
        registry: Registry[Any] = collect(
            get_plugins(app).manager, "register_console_panels", "console panel", _name_of
        )
        for panel in registry.values():
            if not (isinstance(panel, type) and issubclass(panel, ConsolePanel)):
                raise TypeError(f"console panel {panel!r} is not a ConsolePanel subclass")
            if panel.area not in AREAS:
                raise ValueError(f"console panel {panel.name!r}: area must be one of {AREAS}")
        cached = sorted(registry.values(), key=lambda p: (AREAS.index(p.area), p.order, p.name))
        app.extensions["console_panels"] = cached
    return list(cached)


def _name_of(panel: Any) -> str:
    return str(getattr(panel, "name", panel))


def built_for(actor: Actor) -> list[tuple[str, list[tuple[ConsolePanel, dict[str, Any]]]]]:
    """The panels this actor may see, built, grouped by area (areas without any left out)."""
    out: dict[str, list[tuple[ConsolePanel, dict[str, Any]]]] = {area: [] for area in AREAS}
    for cls in registered():
        if not may_somewhere(actor, cls.action):
            continue
        panel = cls()
        context = panel.build(actor)
        if context is not None:
            out[cls.area].append((panel, context))
    return [(area, panels) for area, panels in out.items() if panels]
